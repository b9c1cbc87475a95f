package dev.throttle.redis.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.RateLimiter;
import dev.throttle.redis.FailurePolicy;
import dev.throttle.redis.RedisEngine;
import dev.throttle.redis.SharedRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisEngineMetricsTest {

    @Test
    void countsCacheHitsThenFailOpenGrantsAndTheBreakerWhenTheConnectionIsGone() {
        RedisClient client = RedisClient.create();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try {
            StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, SharedRedis.uri());
            RedisEngine engine = RedisEngine.builder(connection)
                    .keyPrefix(SharedRedis.uniquePrefix("metrics"))
                    .failurePolicy(FailurePolicy.FAIL_OPEN)
                    .decisionTimeout(Duration.ofSeconds(10)) // a slow machine must not turn a round trip into a timeout
                    .breakerFailureThreshold(2)
                    .breakerOpenDuration(Duration.ofMinutes(10))
                    .build();
            new RedisEngineMetrics(engine, Tags.of("engine", "shared")).bindTo(registry);
            int meters = registry.getMeters().size();
            new RedisEngineMetrics(engine, Tags.of("engine", "shared")).bindTo(registry);
            assertThat(registry.getMeters()).as("bound twice, registered once").hasSize(meters);

            RateLimiter one = engine.rateLimiter("one", FixedWindow.of(1, Duration.ofMinutes(10)));
            assertThat(one.allow()).isTrue();
            assertThat(one.allow()).as("refused by Redis").isFalse();
            assertThat(one.allow()).as("refused from the cache").isFalse();
            assertThat(count(registry, RedisEngineMetrics.REFUSAL_CACHE_HITS)).isEqualTo(1.0);
            assertThat(count(registry, RedisEngineMetrics.DECISIONS)).isEqualTo(3.0);
            assertThat(registry.get(RedisEngineMetrics.BREAKER_OPEN).tag("engine", "shared").gauge().value()).isZero();

            connection.close(); // every round trip fails from now on
            RateLimiter other = engine.rateLimiter("other", FixedWindow.of(1, Duration.ofMinutes(10)));
            for (int i = 0; i < 3; i++) {
                assertThat(other.allow()).as("failing open, call %d", i).isTrue();
            }
            RedisEngine.Stats stats = engine.stats();
            assertThat(stats.redisFailures()).isEqualTo(2);
            assertThat(count(registry, RedisEngineMetrics.FAILURES, "kind", "error")).isEqualTo(2.0);
            assertThat(count(registry, RedisEngineMetrics.FAILURES, "kind", "timeout")).isZero();
            assertThat(count(registry, RedisEngineMetrics.POLICY_DECISIONS, "policy", "fail_open")).isEqualTo(3.0);
            assertThat(count(registry, RedisEngineMetrics.POLICY_DECISIONS, "policy", "fail_closed")).isZero();
            assertThat(count(registry, RedisEngineMetrics.POLICY_DECISIONS, "policy", "fallback")).isZero();
            assertThat(count(registry, RedisEngineMetrics.BREAKER_OPENS)).isEqualTo(1.0);
            assertThat(engine.breakerOpen()).isTrue();
            assertThat(registry.get(RedisEngineMetrics.BREAKER_OPEN).tag("engine", "shared").gauge().value())
                    .isEqualTo(1.0);
            assertThat(count(registry, RedisEngineMetrics.SHORT_CIRCUITS)).isEqualTo(1.0);
            assertThat(count(registry, RedisEngineMetrics.DECISIONS)).isEqualTo(6.0);
            engine.close();
        } finally {
            client.shutdown();
        }
        assertThatThrownBy(() -> new RedisEngineMetrics(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("engine");
    }

    private static double count(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.get(name).tag("engine", "shared").tags(tags).functionCounter().count();
    }

    @Test
    void engineTagsAreToldApartExactlyWhateverOrderTheyAreBoundIn() {
        RedisClient client = RedisClient.create();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try {
            StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, SharedRedis.uri());
            RedisEngine a = RedisEngine.builder(connection).keyPrefix(SharedRedis.uniquePrefix("metrics-a")).build();
            RedisEngine b = RedisEngine.builder(connection).keyPrefix(SharedRedis.uniquePrefix("metrics-b")).build();
            registry.config().commonTags("application", "shop");
            new RedisEngineMetrics(a, Tags.of("engine", "a")).bindTo(registry);
            // No tags is other tags than engine=a: bound, not taken for the tagged engine's counters.
            new RedisEngineMetrics(b).bindTo(registry);
            assertThat(registry.find(RedisEngineMetrics.DECISIONS).functionCounters()).hasSize(2);
            int meters = registry.getMeters().size();
            new RedisEngineMetrics(b).bindTo(registry);
            new RedisEngineMetrics(a, Tags.of("engine", "a")).bindTo(registry);
            assertThat(registry.getMeters()).as("each bound once, the filter's tag notwithstanding").hasSize(meters);
            a.close();
            b.close();
        } finally {
            client.shutdown();
        }
    }
}
