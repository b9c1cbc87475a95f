package dev.throttle.redis;

import dev.throttle.ManualClock;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/**
 * Two nodes of a fleet: two engines on their own connections to the shared test Redis, one key prefix and one manual
 * clock (client-time mode), so a test can check that what one node does is seen by the other's very next decision.
 */
final class TwoNodes implements AutoCloseable {

    final ManualClock clock = new ManualClock(1_000_000_000L);
    final RedisServer server = RedisServer.get();
    final String prefix;
    final RedisEngine nodeA;
    final RedisEngine nodeB;
    private final StatefulRedisConnection<String, String> connectionB;

    /**
     * Starts both nodes.
     *
     * @param name what the test is about, for a unique key prefix
     */
    TwoNodes(String name) {
        prefix = RedisServer.uniquePrefix(name);
        connectionB = server.newConnection();
        nodeA = engine(server.connection(), prefix);
        nodeB = engine(connectionB, prefix);
    }

    private RedisEngine engine(StatefulRedisConnection<String, String> connection, String prefix) {
        // A long least expiry: the keys' real-time TTL must outlast the test whatever the manual clock says.
        return RedisEngine.builder(connection).keyPrefix(prefix).ticker(clock).minExpiry(Duration.ofMinutes(5))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    @Override
    public void close() {
        nodeA.close();
        nodeB.close();
        connectionB.close();
    }
}
