package dev.throttle.examples.boot;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The greeting and the quotes, under {@code /api} (where the WebFlux filter applies {@code throttle.keyed.per-client}
 * to every request); the quotes are throttled again per user by {@link QuoteService}.
 */
@RestController
@RequestMapping("/api")
public class ApiController {

    private final QuoteService quotes;

    /**
     * Creates the controller; Spring instantiates it.
     *
     * @param quotes the quote service
     */
    public ApiController(QuoteService quotes) {
        this.quotes = quotes;
    }

    /**
     * A greeting.
     *
     * @return the greeting
     */
    @GetMapping("/hello")
    public String hello() {
        return "hello\n";
    }

    /**
     * A price quote.
     *
     * @param user who asks
     * @return the quote, or the word that this user has asked too often
     */
    @GetMapping("/quotes/{user}")
    public Mono<String> quote(@PathVariable String user) {
        return quotes.quote(user);
    }
}
