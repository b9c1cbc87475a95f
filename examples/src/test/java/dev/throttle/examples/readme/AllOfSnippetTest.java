package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::all-of[]
import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.KeyedLimiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;
// end::all-of[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: all of several limits. */
class AllOfSnippetTest extends ManualClockFixture {

    private final java.util.List<String> placed = new java.util.ArrayList<>();
    private final java.util.List<String> rejected = new java.util.ArrayList<>();

    KeyedLimiter<String> makeTheLimiter() {
        // tag::all-of[]
        KeyedLimiter<String> checkout = engine.keyed("checkout", AllOf.of(
                AllOf.shared("global", TokenBucket.of(500, Rate.perSecond(500))),
                AllOf.perKey("per-client", SlidingWindow.of(100, Duration.ofMinutes(1))),
                AllOf.shared("orders-db", Concurrency.of(16))));
        // end::all-of[]
        return checkout;
    }

    void checkOut(KeyedLimiter<String> checkout, String clientId) {
        // tag::all-of[]
        try (Permit permit = checkout.tryAcquire(clientId, 1)) {
            if (permit.granted()) {
                placeOrder(clientId);
            } else {
                reject(permit.limiterName(), permit.retryAfter());   // "global", "per-client" or "orders-db"
            }
        }
        // end::all-of[]
    }

    private void placeOrder(String clientId) {
        placed.add(clientId);
    }

    private void reject(String limit, Duration retryAfter) {
        rejected.add(limit);
    }

    @Test
    void theRefusalNamesThePartThatRefusedAndTheOthersGiveBackWhatTheyGranted() {
        KeyedLimiter<String> checkout = makeTheLimiter();
        for (int i = 0; i < 101; i++) {
            checkOut(checkout, "alice");
        }
        assertThat(placed).hasSize(100);
        assertThat(rejected).containsExactly("per-client");

        java.util.List<Permit> busy = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            busy.add(checkout.tryAcquire("client-" + i, 1));
        }
        checkOut(checkout, "bob");
        assertThat(rejected).containsExactly("per-client", "orders-db");
        busy.forEach(Permit::close);

        for (int client = 0; client < 4; client++) {
            for (int i = 0; i < 100; i++) {
                checkOut(checkout, "many-" + client);
            }
        }
        assertThat(rejected).as("500 global tokens: 100 + 16 granted before, refusals gave theirs back, 384 left")
                .endsWith("global").hasSize(2 + 400 - 384);
        assertThat(placed).hasSize(100 + 384);
    }
}
