package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A shared rate on a three-master Cluster: the factor's key shares the limiter's hash tag, so the bucket script reads
 * it in the same call (no CROSSSLOT), on whichever master holds the limiter. Server time, with a rate slow enough
 * (one permit an hour) that the real clock moving during the test changes no count.
 */
class RedisSharedRateClusterTest {

    private static final long HOUR = Duration.ofHours(1).toNanos();

    private static RedisClusterFixture cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterFixture.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aFactorPublishedThroughOneEngineScalesTheOthersLimiterInTheSameSlot() {
        String prefix = RedisServer.uniquePrefix("shared-rate-cluster");
        try (RedisEngine nodeA = engine(prefix); RedisEngine nodeB = engine(prefix)) {
            TokenBucket spec = TokenBucket.of(4, Rate.of(1, Duration.ofHours(1)));
            for (int i = 0; i < 6; i++) {
                String name = "api-" + i; // names spread over the masters
                RateLimiter b = nodeB.sharedRateLimiter(name, spec);
                nodeA.sharedRate(name, Duration.ofMinutes(5)).setFactor(0.5);
                assertThat(b.tryAcquire(2).granted()).as(name).isTrue();
                Permit refused = b.tryAcquire(1);
                assertThat(refused.granted()).as(name).isFalse();
                // Two hours per permit at half the rate (less the few microseconds the test took).
                assertThat(refused.retryAfterNanos()).as(name).isBetween(2 * HOUR - 60_000_000_000L, 2 * HOUR);
                nodeA.sharedRate(name, Duration.ofMinutes(5)).reset();
                assertThat(b.availablePermits()).as(name).isZero();
            }
            RateLimiter fresh = nodeB.sharedRateLimiter("fresh", spec);
            assertThat(fresh.tryAcquire(4).granted()).as("the full rate without a factor").isTrue();
        }
    }

    private static RedisEngine engine(String prefix) {
        return RedisEngine.builder(cluster.clusterClient()).keyPrefix(prefix).commandTimeout(Duration.ofSeconds(5))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }
}
