package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Engine;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.local.spring.ThrottleAutoConfiguration;
import dev.throttle.local.spring.ThrottleLimiters;
import dev.throttle.local.spring.ThrottlePropertyException;
import dev.throttle.redis.spring.ThrottleRedisAutoConfiguration;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Redis engine on a Redis Cluster from properties alone ({@code throttle.engine.redis.cluster-nodes}), against a
 * Cluster of three masters the test starts: two application instances share the limits, whose keys spread over the
 * masters; the Cluster client is the auto-configuration's own and closes with the application; a URI beside the nodes,
 * or a node Lettuce cannot read, fails the startup naming the property.
 */
class RedisBootClusterTest {

    private static RedisClusterFixture cluster;
    private static String seeds;

    private final String prefix = RedisServer.uniquePrefix("bootcluster");
    private ApplicationContextRunner runner;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterFixture.start(3);
        seeds = cluster.nodes().stream().map(node -> "redis://127.0.0.1:" + node.port)
                .collect(Collectors.joining(","));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private ApplicationContextRunner runner() {
        if (runner == null) {
            runner = new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(ThrottleRedisAutoConfiguration.class,
                            ThrottleAutoConfiguration.class))
                    .withPropertyValues("throttle.engine.type=redis", "throttle.engine.redis.cluster-nodes=" + seeds,
                            "throttle.engine.redis.key-prefix=" + prefix,
                            "throttle.engine.redis.decision-timeout=" + RedisServer.DECISION_TIMEOUT.toMillis() + "ms")
                    .withPropertyValues(RedisBootAutoConfigurationTest.LIMITERS);
        }
        return runner;
    }

    @Test
    void twoInstancesShareTheLimitsOnTheClusterTheirPropertiesName() {
        runner().run(first -> runner().run(second -> {
            assertThat(first).hasSingleBean(RedisClusterClient.class).doesNotHaveBean(RedisClient.class);
            assertThat(first.getBean(Engine.class)).isInstanceOf(RedisEngine.class);
            Limiter a = first.getBean(ThrottleLimiters.class).limiter("api");
            Limiter b = second.getBean(ThrottleLimiters.class).limiter("api");
            assertThat(a.tryAcquire(2).granted()).isTrue();
            assertThat(b.tryAcquire(1).granted()).isTrue();
            assertThat(b.tryAcquire(1).granted()).isFalse();
            assertThat(a.tryAcquire(1).granted()).isFalse();

            KeyedLimiter<String> perClientA = first.getBean(ThrottleLimiters.class).keyed("per-client");
            KeyedLimiter<String> perClientB = second.getBean(ThrottleLimiters.class).keyed("per-client");
            for (int client = 0; client < 30; client++) {
                assertThat(perClientA.tryAcquire("client-" + client, 1).granted()).isTrue();
                assertThat(perClientB.tryAcquire("client-" + client, 1).granted()).as("client-" + client).isFalse();
            }
        }));
        long masters = cluster.nodes().stream()
                .filter(node -> !node.sync().keys(prefix + "*").isEmpty()).count();
        assertThat(masters).as("masters holding the limits' keys").isGreaterThan(1);
    }

    @Test
    void theClusterClientIsClosedWithTheApplication() {
        AtomicReference<RedisClusterClient> client = new AtomicReference<>();
        runner().run(context -> {
            client.set(context.getBean(RedisClusterClient.class));
            assertThat(client.get().getResources().eventExecutorGroup().isShuttingDown()).isFalse();
        });
        assertThat(client.get().getResources().eventExecutorGroup().isShuttingDown()).isTrue();
    }

    @Test
    void aUriBesideTheNodesOrANodeLettuceCannotReadFailsTheStartupNamingItsProperty() {
        failsWith("throttle.engine.redis.uri", "names one server, and cluster-nodes a Redis Cluster: give one of them",
                "throttle.engine.redis.uri=redis://127.0.0.1:6379");
        runner().withPropertyValues("throttle.engine.redis.cluster-nodes=" + seeds + ",not a uri").run(context -> {
            assertThat(context).hasFailed();
            ThrottlePropertyException refused = RedisBootAutoConfigurationTest.propertyFailure(
                    context.getStartupFailure());
            assertThat(refused.property()).isEqualTo("throttle.engine.redis.cluster-nodes[3]");
        });
    }

    private void failsWith(String property, String message, String... properties) {
        runner().withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            ThrottlePropertyException refused = RedisBootAutoConfigurationTest.propertyFailure(
                    context.getStartupFailure());
            assertThat(refused.property()).isEqualTo(property);
            assertThat(refused).hasMessage(property + ": " + message);
        });
    }
}
