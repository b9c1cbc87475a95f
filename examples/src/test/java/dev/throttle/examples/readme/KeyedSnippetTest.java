package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::keyed[]
import dev.throttle.KeyedLimiter;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
// end::keyed[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: per key. */
class KeyedSnippetTest extends ManualClockFixture {

    private final java.util.List<String> rejected = new java.util.ArrayList<>();

    KeyedLimiter<String> makeTheLimiter() {
        // tag::keyed[]
        KeyedLimiter<String> perClient = engine.keyed("per-client", TokenBucket.of(20, Rate.perSecond(10)));
        // end::keyed[]
        return perClient;
    }

    void admit(KeyedLimiter<String> perClient, String clientId) {
        // tag::keyed[]
        if (!perClient.allow(clientId, 1)) {
            reject(clientId);
        }
        // end::keyed[]
    }

    private void reject(String clientId) {
        rejected.add(clientId);
    }

    @Test
    void eachClientHasItsOwnBucket() {
        KeyedLimiter<String> perClient = makeTheLimiter();
        java.util.stream.IntStream.range(0, 21).forEach(request -> admit(perClient, "alice"));
        admit(perClient, "bob");
        assertThat(rejected).containsExactly("alice");
        clock.advance(java.time.Duration.ofMillis(100));
        admit(perClient, "alice");
        assertThat(rejected).as("10 per second: one more after 100 ms").containsExactly("alice");
    }
}
