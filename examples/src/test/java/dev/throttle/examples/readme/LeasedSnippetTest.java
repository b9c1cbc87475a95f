package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::leased[]
import dev.throttle.FixedWindow;
import dev.throttle.RateLimiter;
import java.time.Duration;
// end::leased[]
import org.junit.jupiter.api.Test;

/**
 * README, local or Redis: leased permits. Two engines stand for two JVMs on one manual clock: each spends its lease
 * locally, and what one leaves unused comes back to Redis for the other.
 */
class LeasedSnippetTest {

    static RateLimiter everyNode(dev.throttle.redis.RedisEngine redis) {
        // tag::leased[]
        // 100,000 a minute for the fleet; each JVM takes 500 at a time from Redis and spends them without a round trip
        RateLimiter search = redis.leasedRateLimiter("search", FixedWindow.of(100_000, Duration.ofMinutes(1)), 500,
                Duration.ofSeconds(1));                        // a lease not spent within 1 s goes back to Redis
        boolean admitted = search.allow();                     // a compare-and-set while the lease lasts
        // end::leased[]
        assertThat(admitted).isTrue();
        return search;
    }

    @Test
    void eachNodeSpendsItsLeaseLocallyAndGivesBackWhatItDoesNotUse() {
        dev.throttle.ManualClock clock = new dev.throttle.ManualClock();
        try (SnippetRedis redis = new SnippetRedis()) {
            dev.throttle.redis.RedisEngine first = redis.engine(clock);
            dev.throttle.redis.RedisEngine second = redis.engine(clock);
            RateLimiter a = everyNode(first);
            RateLimiter b = everyNode(second);
            long roundTrips = first.stats().decisions();
            for (int i = 0; i < 499; i++) {
                assertThat(a.allow()).isTrue();
            }
            assertThat(first.stats().decisions()).as("500 decisions, one lease").isEqualTo(roundTrips);
            assertThat(b.allow()).isTrue();
            clock.advance(Duration.ofSeconds(1));              // both leases expire: b's 498 unused go back
            // read on b's connection, after its give-back (sent, not awaited)
            RateLimiter plain = second.rateLimiter("search", FixedWindow.of(100_000, Duration.ofMinutes(1)));
            assertThat(plain.availablePermits()).isEqualTo(100_000 - 500 - 2);
        }
    }
}
