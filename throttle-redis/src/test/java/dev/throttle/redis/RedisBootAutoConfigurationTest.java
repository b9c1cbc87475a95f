package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Engine;
import dev.throttle.Limiter;
import dev.throttle.local.spring.ThrottleAutoConfiguration;
import dev.throttle.local.spring.ThrottleLimiters;
import dev.throttle.local.spring.ThrottleMetricsAutoConfiguration;
import dev.throttle.local.spring.ThrottlePropertyException;
import dev.throttle.redis.spring.ThrottleRedisAutoConfiguration;
import dev.throttle.redis.spring.ThrottleRedisMetricsAutoConfiguration;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Redis engine made by Spring Boot from {@code throttle.engine.*} properties alone, against the tests' real Redis:
 * the configured limiters live in Redis and are shared by every application instance; bad values fail the startup
 * naming their property; the engine and its client are closed with the application.
 */
class RedisBootAutoConfigurationTest {

    /** The limiters the applications of the Boot tests declare: 3 an hour in all, 1 an hour per client. */
    static final String[] LIMITERS = {"throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=3",
        "throttle.limiters.api.window=1h", "throttle.keyed.per-client.type=token-bucket",
        "throttle.keyed.per-client.capacity=1", "throttle.keyed.per-client.rate=1",
        "throttle.keyed.per-client.period=1h"};

    private final String prefix = RedisServer.uniquePrefix("boot");
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ThrottleRedisAutoConfiguration.class,
                    ThrottleRedisMetricsAutoConfiguration.class, ThrottleMetricsAutoConfiguration.class,
                    ThrottleAutoConfiguration.class))
            .withPropertyValues("throttle.engine.type=redis",
                    "throttle.engine.redis.uri=" + RedisServer.get().uri().toURI(),
                    "throttle.engine.redis.key-prefix=" + prefix,
                    "throttle.engine.redis.decision-timeout=" + RedisServer.DECISION_TIMEOUT.toMillis() + "ms")
            .withPropertyValues(LIMITERS);

    @Test
    void twoInstancesShareTheLimitsTheirPropertiesDeclareInRedis() {
        runner.run(first -> runner.run(second -> {
            assertThat(first.getBean(Engine.class)).isInstanceOf(RedisEngine.class);
            Limiter a = first.getBean(ThrottleLimiters.class).limiter("api");
            Limiter b = second.getBean(ThrottleLimiters.class).limiter("api");
            assertThat(a.tryAcquire(2).granted()).isTrue();
            assertThat(b.tryAcquire(1).granted()).isTrue();
            assertThat(b.tryAcquire(1).granted()).isFalse();
            assertThat(a.tryAcquire(1).granted()).isFalse();
            var perClientA = first.getBean(ThrottleLimiters.class).keyed("per-client");
            var perClientB = second.getBean(ThrottleLimiters.class).keyed("per-client");
            assertThat(perClientA.tryAcquire("alice", 1).granted()).isTrue();
            assertThat(perClientB.tryAcquire("alice", 1).granted()).isFalse();
            assertThat(perClientB.tryAcquire("bob", 1).granted()).isTrue();
        }));
    }

    @Test
    void theEngineAndItsClientAreClosedWithTheApplication() {
        AtomicReference<RedisClient> client = new AtomicReference<>();
        runner.run(context -> {
            client.set(context.getBean(RedisClient.class));
            assertThat(client.get().getResources().eventExecutorGroup().isShuttingDown()).isFalse();
        });
        assertThat(client.get().getResources().eventExecutorGroup().isShuttingDown()).isTrue();
    }

    @Test
    void theEnginesMetersGoToTheRegistry() {
        runner.withBean(SimpleMeterRegistry.class).run(context -> {
            context.getBean(ThrottleLimiters.class).limiter("api").tryAcquire(1).close();
            SimpleMeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
            assertThat(registry.get("throttle.redis.decisions").functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.get("throttle.permits").tags("limiter", "api", "outcome", "granted").counter()
                    .count()).isEqualTo(1.0);
        });
    }

    @Test
    void aFallbackPolicyDecidesLocallyWithItsShareWhileRedisCannotBeReached() {
        // Port 1 on the loopback: nothing listens, so the engine starts on its failure policy.
        runner.withPropertyValues("throttle.engine.redis.uri=redis://127.0.0.1:1",
                "throttle.engine.redis.decision-timeout=50ms", "throttle.engine.redis.failure-policy=fallback",
                "throttle.engine.redis.fallback-share=0.5", "throttle.limiters.api.limit=4").run(context -> {
                    Limiter api = context.getBean(ThrottleLimiters.class).limiter("api");
                    assertThat(api.tryAcquire(1).granted()).isTrue();
                    assertThat(api.tryAcquire(1).granted()).isTrue();
                    assertThat(api.tryAcquire(1).granted()).isFalse(); // half of 4, in this instance's memory
                });
    }

    @Test
    void aBadValueFailsTheStartupNamingItsProperty() {
        failsWith("throttle.engine.redis.decision-timeout",
                "timeout = PT0S is out of range; allowed range is [PT0.000000001S, PT87600H]",
                "throttle.engine.redis.decision-timeout=0s");
        failsWith("throttle.engine.redis.fallback-share", "share = 1.5 is out of range; allowed range is (0, 1]",
                "throttle.engine.redis.failure-policy=fallback", "throttle.engine.redis.fallback-share=1.5");
        failsWith("throttle.engine.redis.fallback-share", "is for failure-policy: fallback only",
                "throttle.engine.redis.fallback-share=0.5");
        failsWith("throttle.engine.redis.key-prefix", "prefix = {app} must not contain '{' or '}'",
                "throttle.engine.redis.key-prefix={app}");
        failsWith("throttle.engine.redis.breaker-failure-threshold",
                "failures = 0 is out of range; allowed range is [1, 2147483647]",
                "throttle.engine.redis.breaker-failure-threshold=0");
    }

    private void failsWith(String property, String message, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            ThrottlePropertyException refused = propertyFailure(context.getStartupFailure());
            assertThat(refused.property()).isEqualTo(property);
            assertThat(refused).hasMessage(property + ": " + message);
        });
    }

    /** The refusal of a property somewhere in a startup's failure. */
    static ThrottlePropertyException propertyFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ThrottlePropertyException refused) {
                return refused;
            }
        }
        throw new AssertionError("no ThrottlePropertyException in " + failure, failure);
    }
}
