package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// tag::names[]
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.micrometer.ThrottleMetrics;
import io.micrometer.core.instrument.Tags;
// end::names[]
import org.junit.jupiter.api.Test;

/** README, names: what a name means on each engine, and in a meter registry. */
class NamesSnippetTest extends ManualClockFixture {

    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    /** Runs unchanged on either engine; what it means differs. */
    static RateLimiter[] twoLimitersOfOneName(dev.throttle.Engine engine) {
        // tag::names[]
        RateLimiter first = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
        RateLimiter second = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
        first.allow(3);
        // On a LocalEngine: two limits of 10, each with a state of its own, as toString() shows:
        // first is Limiter[api: token bucket 10, 100/s; 7 available], second still has 10 available.
        // On a RedisEngine: one limit of 10, 7 left, for both and for every JVM on that Redis and key prefix.
        // end::names[]
        return new RateLimiter[] {first, second};
    }

    RateLimiter[] meterBoth(RateLimiter first, RateLimiter second) {
        // tag::names[]
        RateLimiter meteredFirst = ThrottleMetrics.meter(first, registry);
        RateLimiter meteredSecond = ThrottleMetrics.meter(second, registry, Tags.of("instance", "second"));
        // without the extra tag: IllegalArgumentException, rather than two limiters' counts added up as one
        // end::names[]
        return new RateLimiter[] {meteredFirst, meteredSecond};
    }

    @Test
    void onTheLocalEngineTwoLimitersOfOneNameAreTwoLimitsMeteredApart() {
        RateLimiter[] limiters = twoLimitersOfOneName(engine);
        assertThat(limiters[0]).hasToString("Limiter[api: token bucket 10, 100/s; 7 available]");
        assertThat(limiters[1]).hasToString("Limiter[api: token bucket 10, 100/s; 10 available]");
        assertThat(limiters[0].spec()).hasToString("TokenBucket[capacity=10, rate=100/s]");

        RateLimiter[] metered = meterBoth(limiters[0], limiters[1]);
        assertThat(metered[0].allow(7)).isTrue();
        assertThat(metered[1].allow(10)).as("a state of its own").isTrue();
        assertThat(registry.get("throttle.permits").tags("limiter", "api", "outcome", "granted").counters())
                .extracting(counter -> counter.getId().getTag("instance"), counter -> counter.count())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(null, 7.0),
                        org.assertj.core.groups.Tuple.tuple("second", 10.0));
    }

    @Test
    void onTheRedisEngineTwoLimitersOfOneNameAreOneLimitForEveryJvm() {
        try (SnippetRedis redis = new SnippetRedis()) {
            RateLimiter[] limiters = twoLimitersOfOneName(redis.engine(clock));
            assertThat(limiters[1].allow(8)).as("7 left, for both").isFalse();
            RateLimiter otherJvm = redis.engine(clock).rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
            assertThat(otherJvm.allow(7)).isTrue();
            assertThat(limiters[0].allow()).isFalse();

            RateLimiter[] metered = meterBoth(limiters[0], limiters[1]);
            clock.advance(java.time.Duration.ofMillis(10));
            assertThat(metered[1].allow()).isTrue();
            assertThat(metered[0].allow()).isFalse();
            assertThat(registry.get("throttle.permits").tags("limiter", "api", "instance", "second", "outcome",
                    "granted").counter().count()).as("each limiter counts its own decisions").isEqualTo(1.0);
        }
    }

    @Test
    void withoutTheTagTheSecondLimiterCannotBeMeteredIntoTheFirstOnesCounters() {
        RateLimiter first = ThrottleMetrics.meter(engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100))),
                registry);
        RateLimiter second = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
        assertThatThrownBy(() -> ThrottleMetrics.meter(second, registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("api");
        assertThat(ThrottleMetrics.meter(first, registry)).as("the limiter already metered, shared").isSameAs(first);
    }
}
