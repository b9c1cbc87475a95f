package dev.throttle.examples.boot;

// tag::boot-operator[]
import dev.throttle.ThrottledException;
import dev.throttle.local.spring.ThrottleLimiters;
import dev.throttle.reactor.ReactorThrottle;
import java.time.Duration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
// end::boot-operator[]

/**
 * Reports, built by a slow {@link ReportBackend} that can build only a few at once: each subscription to a report is
 * guarded by the Reactor operator with the concurrency limit {@code throttle.limiters.reports} (application.yml).
 * Its endpoint is under {@code /api}, so the WebFlux filter applies {@code per-client} first.
 */
// tag::boot-operator[]
@RestController
public class ReportController {

    private final ReportBackend backend;
    private final ReactorThrottle slots;

    ReportController(ReportBackend backend, ThrottleLimiters limiters) {
        this.backend = backend;
        // throttle.limiters.reports: each subscription waits up to 2 s for a permit, and holds it until it ends
        this.slots = ReactorThrottle.of(limiters.limiter("reports")).maxWait(Duration.ofSeconds(2));
    }

    @GetMapping("/api/reports/{id}")
    Mono<String> report(@PathVariable String id) {
        return backend.build(id).transform(slots.mono());
    }

    @ExceptionHandler(ThrottledException.class)   // the operator's refusal: no permit within 2 s, or 4 already waiting
    ResponseEntity<String> busy(ThrottledException refusal) {
        long seconds = Math.max(1, refusal.retryAfter().toSeconds());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", Long.toString(seconds))
                .body("busy: retry in " + seconds + " s\n");
    }
}
// end::boot-operator[]
