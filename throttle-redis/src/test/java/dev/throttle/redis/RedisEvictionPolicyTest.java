package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.testing.RecordingLogger;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Under a {@code maxmemory-policy} that may evict, limiter keys (which all have a TTL) can be deleted and their limits
 * silently stop holding: the engine reads the policy when it connects, says so in its stats and logs one warning.
 */
class RedisEvictionPolicyTest {

    private static final Duration READ_BOUND = Duration.ofSeconds(5);

    @Test
    void evictingPoliciesAreWarnedOfAndShownInTheStats() {
        try (RedisProcess redis = RedisProcess.start()) {
            for (String policy : new String[] {"allkeys-lru", "volatile-ttl"}) {
                redis.command("CONFIG", "SET", "maxmemory-policy", policy);
                RecordingLogger logger = new RecordingLogger("dev.throttle.redis");
                RedisClient client = RedisClient.create();
                try (RedisEngine engine = RedisEngine.builder(client, redis.uri()).log(logger, new ManualClock())
                        .build()) {
                    Polling.until(() -> engine.stats().evictionPolicy().isPresent(), READ_BOUND);
                    assertThat(engine.stats().evictionPolicy()).contains(policy);
                    assertThat(engine.stats().limiterKeysMayBeEvicted()).isTrue();
                    assertThat(engine.stats().toString()).endsWith(", maxmemory-policy " + policy + "]");
                    assertThat(logger.lines()).singleElement().asString()
                            .startsWith("WARNING Redis at redis://127.0.0.1:" + redis.port() + " has maxmemory-policy "
                                    + policy + ": when it reaches maxmemory it evicts ")
                            .contains("a limit whose keys are evicted starts again from nothing and no longer holds")
                            .endsWith("Use noeviction (a full server then fails writes, and the failure policy"
                                    + " answers) on a Redis sized for the limits");
                } finally {
                    client.shutdown();
                }
            }
        }
    }

    @Test
    void noevictionIsSilent() {
        try (RedisProcess redis = RedisProcess.start()) {
            redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
            RecordingLogger logger = new RecordingLogger("dev.throttle.redis");
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri()).log(logger, new ManualClock())
                    .build()) {
                Polling.until(() -> engine.stats().evictionPolicy().isPresent(), READ_BOUND);
                assertThat(engine.stats().evictionPolicy()).contains("noeviction");
                assertThat(engine.stats().limiterKeysMayBeEvicted()).isFalse();
                assertThat(logger.lines()).isEmpty();
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aServerThatRefusesConfigGetLeavesThePolicyUnknownAndTheLogQuiet() {
        try (RedisProcess redis = RedisProcess.start()) {
            // As managed services do: CONFIG is forbidden to the engine's user.
            redis.command("ACL", "SETUSER", "default", "on", "nopass", "~*", "&*", "+@all", "-config");
            RecordingLogger logger = new RecordingLogger("dev.throttle.redis");
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri()).log(logger, new ManualClock())
                    .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
                // A decision after connecting: the CONFIG GET sent before it has been answered by then.
                assertThat(engine.rateLimiter("probe", dev.throttle.FixedWindow.of(1, Duration.ofMinutes(1)))
                        .tryAcquire(1).granted()).isTrue();
                assertThat(engine.stats().evictionPolicy()).isEmpty();
                assertThat(engine.stats().limiterKeysMayBeEvicted()).isFalse();
                assertThat(logger.lines()).isEmpty();
            } finally {
                client.shutdown();
            }
        }
    }
}
