package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import org.junit.jupiter.api.Test;

/** A bucket deciding at a reading its caller took: exact at that time, never fooled by a lowered capacity. */
class DecidesAtTest {

    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private DecidesAt bucket(long capacity) {
        return (DecidesAt) engine.rateLimiter("at", TokenBucket.of(capacity, Rate.perSecond(10)));
    }

    @Test
    void decidesAtTheGivenReadingNotAtTheClocksLaterOne() {
        DecidesAt bucket = bucket(2);
        long then = clock.read();
        assertThat(bucket.allowAt(2, then)).isTrue();

        clock.advance(100 * MS); // one permit is back by the clock, not by the earlier reading
        assertThat(bucket.allowAt(1, then)).isFalse();
        Permit refused = bucket.tryAcquireAt(1, then);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(100 * MS);
        Permit granted = bucket.tryAcquireAt(1, clock.read());
        assertThat(granted.granted()).isTrue();
        assertThat(granted.remaining()).isZero();
    }

    @Test
    void aRequestAboveALoweredCapacityIsRefusedForeverNotRejected() {
        DecidesAt bucket = bucket(5);
        LocalEngine.reconfigure((dev.throttle.Limiter) bucket, TokenBucket.of(2, Rate.perSecond(10)));

        assertThat(bucket.allowAt(3, clock.read())).isFalse();
        Permit permit = bucket.tryAcquireAt(3, clock.read());
        assertThat(permit.granted()).isFalse();
        assertThat(permit.never()).isTrue();
        assertThat(bucket.allowAt(2, clock.read())).isTrue();
    }

    @Test
    void fewerThanOnePermitIsBadInput() {
        DecidesAt bucket = bucket(5);

        assertThatThrownBy(() -> bucket.allowAt(0, clock.read())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> bucket.tryAcquireAt(-1, clock.read())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
    }
}
