package dev.throttle.examples.boot;

// tag::boot-throttled[]
import dev.throttle.ThrottledException;
import dev.throttle.local.spring.Throttled;
// end::boot-throttled[]
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;

/** Price quotes, at most {@code throttle.keyed.quotes} per user (application.yml). */
@Service
public class QuoteService {

    /** Creates the service; Spring instantiates it. */
    public QuoteService() {
    }

    /**
     * A quote for one user: counted against that user's sliding window when subscribed to; over the window, the
     * fallback's answer instead.
     *
     * @param user who asks
     * @return the quote
     */
    // tag::boot-throttled[]
    @Throttled(limiter = "quotes", key = "#user", fallbackMethod = "noQuote")   // throttle.keyed.quotes
    public Mono<String> quote(String user) {
        return Mono.fromSupplier(() -> "quote for " + user + ": 42.00\n");
    }

    Mono<String> noQuote(String user, ThrottledException refusal) {        // same parameters, then the refusal
        return Mono.just("no more quotes for " + user + " now; retry in "
                + refusal.retryAfter().toSeconds() + " s\n");
    }
    // end::boot-throttled[]
}
