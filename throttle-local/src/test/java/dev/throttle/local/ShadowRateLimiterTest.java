package dev.throttle.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.Limiters;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.ShadowLimiter;
import dev.throttle.TokenBucket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dry run of a rate limiter keeps the boolean fast path: {@code allow()} always answers true and counts. */
class ShadowRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    @Test
    void allowAlwaysAnswersTrueAndCountsWhatTheLimitWouldRefuse() {
        RateLimiter limit = engine.rateLimiter("api", TokenBucket.of(2, Rate.perSecond(1)));
        ShadowLimiter.OfRateLimiter shadow = Limiters.shadow(limit);
        for (int i = 0; i < 5; i++) {
            assertThat(shadow.allow()).isTrue();
        }
        assertThat(shadow.evaluated()).isEqualTo(5);
        assertThat(shadow.wouldHaveRefused()).isEqualTo(3);
        assertThat(limit.availablePermits()).as("the real limit's state moved as if enforced").isZero();
        clock.advance(SECOND);
        assertThat(shadow.allow(1)).isTrue();
        assertThat(shadow.wouldHaveRefused()).isEqualTo(3);
        assertThat(shadow.allow(2)).isTrue();
        assertThat(shadow.wouldHaveRefused()).as("two permits asked of an empty bucket").isEqualTo(4);
        assertThat(shadow.delegate()).isSameAs(limit);
        assertThat(shadow.name()).isEqualTo("api");
    }

    @Test
    void withAListenerAllowReportsEachRefusalWithItsPermit() {
        RateLimiter limit = engine.rateLimiter("api", TokenBucket.of(1, Rate.perSecond(1)));
        List<Permit> reported = new ArrayList<>();
        ShadowLimiter.OfRateLimiter shadow = Limiters.shadow(limit, reported::add);
        assertThat(shadow.allow()).isTrue();
        assertThat(shadow.allow()).isTrue();
        assertThat(shadow.tryAcquire().granted()).isTrue();
        assertThat(shadow.wouldHaveRefused()).isEqualTo(2);
        assertThat(reported).hasSize(2).allSatisfy(refusal -> {
            assertThat(refusal.granted()).isFalse();
            assertThat(refusal.limiterName()).isEqualTo("api");
            assertThat(refusal.retryAfterNanos()).isEqualTo(SECOND);
        });
    }

    @Test
    void aRateLimiterTypedAsALimiterStillGetsTheRateDryRunAndABulkheadDoesNot() {
        Limiter typed = engine.rateLimiter("typed", TokenBucket.of(1, Rate.perSecond(1)));
        ShadowLimiter shadow = Limiters.shadow(typed);
        assertThat(shadow).isInstanceOf(ShadowLimiter.OfRateLimiter.class).isInstanceOf(RateLimiter.class);
        assertThat(Limiters.shadow(engine.limiter("pool", Concurrency.of(1)))).isNotInstanceOf(RateLimiter.class);
    }

    @Test
    void allowChecksItsArgumentAsTheRealLimiterDoes() {
        ShadowLimiter.OfRateLimiter shadow = Limiters.shadow(engine.rateLimiter("api", TokenBucket.of(2, Rate.perSecond(1))));
        assertThatThrownBy(() -> shadow.allow(3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> shadow.allow(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(shadow.evaluated()).as("bad input is not a decision").isZero();
        assertThatThrownBy(() -> Limiters.shadow((RateLimiter) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limiters.shadow((RateLimiter) null, refused -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theCountOnlyFastPathAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean threads)) {
            return;
        }
        ShadowLimiter.OfRateLimiter shadow = Limiters.shadow(engine.rateLimiter("fast",
                TokenBucket.of(1_000, Rate.perSecond(1_000_000_000L))));
        for (int i = 0; i < 200_000; i++) {
            clock.advance(i % 2); // granted and refused alike
            shadow.allow();
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100_000; i++) {
            clock.advance(i % 2);
            shadow.allow();
        }
        long after = threads.getThreadAllocatedBytes(id);
        assertThat(after - before).isLessThan(1_000);
        assertThat(shadow.wouldHaveRefused()).as("both paths were taken").isPositive().isLessThan(300_000);
        assertThat(shadow.evaluated()).isEqualTo(300_000);
    }
}
