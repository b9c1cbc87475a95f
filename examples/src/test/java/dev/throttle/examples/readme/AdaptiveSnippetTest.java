package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::adaptive[]
import dev.throttle.Concurrency;
import dev.throttle.Permit;
import dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter;
import dev.throttle.local.adaptive.GradientAlgorithm;
import java.time.Duration;
// end::adaptive[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: concurrency limits that learn. */
class AdaptiveSnippetTest {

    private final Backend backend = new Backend();
    private AdaptiveConcurrencyLimiter current;

    AdaptiveConcurrencyLimiter makeTheLimiter() {
        // tag::adaptive[]
        AdaptiveConcurrencyLimiter search = AdaptiveConcurrencyLimiter
                .builder("search", GradientAlgorithm.builder().build())
                .queue(50, Concurrency.QueueOrder.PRIORITY).build();
        // end::adaptive[]
        return search;
    }

    void search(AdaptiveConcurrencyLimiter search, String query, int priority) {
        // tag::adaptive[]
        try (Permit permit = search.acquire(1, Duration.ofMillis(100), priority)) {
            if (permit.granted()) {
                try { backend.search(query); } catch (OverloadedException e) { permit.dropped(); }
            }
        }
        // end::adaptive[]
    }

    /** The application's signal that the backend is overloaded (a 503, a rejection). */
    static final class OverloadedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    final class Backend {
        final java.util.List<Long> inFlightSeen = new java.util.ArrayList<>();
        boolean overloaded;

        void search(String query) {
            inFlightSeen.add(current.inFlight());
            if (overloaded) {
                throw new OverloadedException();
            }
        }
    }

    @Test
    void aPermitIsHeldDuringTheCallAndEndedByCloseOrDropped() {
        current = makeTheLimiter();
        search(current, "shoes", 5);
        backend.overloaded = true;
        search(current, "socks", 1);
        assertThat(backend.inFlightSeen).containsExactly(1L, 1L);
        assertThat(current.inFlight()).as("closed, or dropped then closed: nothing held").isZero();
        assertThat(current.queueLength()).isZero();
        assertThat(current.spec().order()).isEqualTo(Concurrency.QueueOrder.PRIORITY);
        assertThat(current.spec().maxQueue()).isEqualTo(50);
    }
}
