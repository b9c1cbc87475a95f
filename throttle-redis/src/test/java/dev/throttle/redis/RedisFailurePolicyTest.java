package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The parts of failure handling that need no server: policies, spec scaling, the refusal cache. */
class RedisFailurePolicyTest {

    @Test
    void fallbackRefusesBadArguments() {
        LocalEngine local = LocalEngine.create();
        assertThatThrownBy(() -> FailurePolicy.fallback(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("local");
        for (double share : new double[] {0.0, -0.5, 1.0001, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> FailurePolicy.fallback(local, share))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("share")
                    .hasMessageContaining("(0, 1]");
        }
        assertThat(FailurePolicy.fallback(local, 1.0).kind()).isEqualTo(FailurePolicy.Kind.FALLBACK);
    }

    @Test
    void builderRefusesBadFailureSettings() {
        RedisEngine.Builder builder = RedisEngine.builder(RedisServer.get().connection());
        assertThatThrownBy(() -> builder.failurePolicy(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("policy");
        assertThatThrownBy(() -> builder.decisionTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> builder.breakerFailureThreshold(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("failures");
        assertThatThrownBy(() -> builder.breakerOpenDuration(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration");
    }

    @Test
    void scalesCountsDownButKeepsAtLeastOne() {
        assertThat(SpecScaler.scale(FixedWindow.of(10, Duration.ofSeconds(1)), 0.25))
                .isEqualTo(FixedWindow.of(2, Duration.ofSeconds(1)));
        assertThat(SpecScaler.scale(SlidingWindow.of(3, Duration.ofSeconds(1)), 0.1))
                .isEqualTo(SlidingWindow.of(1, Duration.ofSeconds(1)));
        assertThat(SpecScaler.scale(SlidingLog.of(100, Duration.ofMinutes(1)), 0.5))
                .isEqualTo(SlidingLog.of(50, Duration.ofMinutes(1)));
        assertThat(SpecScaler.scale(TokenBucket.of(10, Rate.perSecond(100)), 0.5))
                .isEqualTo(TokenBucket.of(5, Rate.perSecond(50)));
        assertThat(SpecScaler.scale(LeakyBucket.meter(9, Rate.perSecond(9)), 1.0 / 3))
                .isEqualTo(LeakyBucket.meter(3, Rate.perSecond(3)));
        TokenBucket same = TokenBucket.of(7, Rate.perSecond(7));
        assertThat(SpecScaler.scale(same, 1.0)).isSameAs(same);
    }

    @Test
    void aRateBelowOnePerPeriodStretchesThePeriodInstead() {
        Rate scaled = SpecScaler.rate(Rate.perSecond(2), 0.25);
        assertThat(scaled).isEqualTo(Rate.of(1, Duration.ofSeconds(2)));
        assertThat(scaled.intervalNanos()).isGreaterThanOrEqualTo(Rate.perSecond(2).intervalNanos() * 4);
    }

    @Test
    void shapingQueueKeepsItsDelayAtTheSlowerOutflow() {
        LeakyBucket queue = LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(500));
        LeakyBucket scaled = (LeakyBucket) SpecScaler.scale(queue, 0.5);
        assertThat(scaled.outflow()).isEqualTo(Rate.perSecond(5));
        assertThat(scaled.maxDelay()).isEqualTo(Duration.ofMillis(500));
        assertThat(scaled.capacity()).isEqualTo(3);
    }

    @Test
    void refusalCacheRefusesTheSameOrMorePermitsUntilTheRetryTime() {
        RefusalCache cache = new RefusalCache(100);
        TokenBucket spec = TokenBucket.of(10, Rate.perSecond(1));
        cache.record("k", spec, 3, 1_000L, 10_000L);
        assertThat(cache.refusedFor("k", spec, 3, 10_000L)).isEqualTo(1_000L);
        assertThat(cache.refusedFor("k", spec, 5, 10_400L)).isEqualTo(600L);
        assertThat(cache.refusedFor("k", spec, 2, 10_400L)).as("fewer permits may fit").isLessThanOrEqualTo(0L);
        assertThat(cache.refusedFor("k", TokenBucket.of(20, Rate.perSecond(1)), 3, 10_400L))
                .as("another spec under the same name").isLessThanOrEqualTo(0L);
        assertThat(cache.refusedFor("other", spec, 3, 10_400L)).isLessThanOrEqualTo(0L);
        assertThat(cache.refusedFor("k", spec, 3, 11_000L)).as("expired").isLessThanOrEqualTo(0L);
        assertThat(cache.size()).as("an expired entry is dropped when met").isZero();

        cache.record("k", spec, 3, 1_000L, 20_000L);
        cache.forget("k");
        assertThat(cache.refusedFor("k", spec, 3, 20_000L)).isLessThanOrEqualTo(0L);
        cache.record("k", spec, 3, Permit.NEVER, 20_000L);
        cache.record("k", spec, 3, 0L, 20_000L);
        assertThat(cache.size()).as("no entry for never or no wait").isZero();
    }

    @Test
    void refusalCacheStaysBounded() {
        RefusalCache cache = new RefusalCache(100);
        TokenBucket spec = TokenBucket.of(10, Rate.perSecond(1));
        for (int i = 0; i < 1_000; i++) {
            cache.record("live" + i, spec, 1, 1_000_000L, 0L);
            assertThat(cache.size()).isLessThanOrEqualTo(100);
        }
        // Expired entries go first when full: the newest refusal is kept.
        for (int i = 0; i < 100; i++) {
            cache.record("old" + i, spec, 1, 10L, 0L);
        }
        cache.record("new", spec, 1, 10L, 1_000L);
        assertThat(cache.refusedFor("new", spec, 1, 1_000L)).isEqualTo(10L);
        assertThat(cache.size()).isLessThanOrEqualTo(100);
    }
}
