package dev.throttle.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.Map;

/**
 * What the server does with keys when it reaches {@code maxmemory}, read once when the engine connects: under an
 * eviction policy, Redis may delete a limiter's keys, and a limit whose state is deleted starts again from nothing
 * (a concurrency limit forgets its leases, a window its count), so it silently stops holding. Every limiter key has a
 * TTL, so {@code volatile-*} policies may evict them as much as {@code allkeys-*} ones; only {@code noeviction} never
 * does (a write then fails when memory is full, and the failure policy answers, visibly).
 *
 * <p>A server that refuses {@code CONFIG GET} (managed services often rename or forbid it) leaves the policy unknown:
 * nothing is logged then.
 */
final class EvictionPolicy {

    private final RedisHealth health;
    private final RedisEngine.Stats stats;

    EvictionPolicy(RedisHealth health, RedisEngine.Stats stats) {
        this.health = health;
        this.stats = stats;
    }

    /** Asks the server for its policy without waiting; the answer is recorded, and logged if it may evict. */
    void read(RedisClusterAsyncCommands<String, String> commands) {
        try {
            commands.configGet("maxmemory-policy").whenComplete((config, failure) -> {
                if (failure == null) {
                    record(config);
                }
            });
        } catch (RuntimeException refused) {
            // Not connected after all: the policy stays unknown.
        }
    }

    private void record(Map<String, String> config) {
        String read = config.get("maxmemory-policy");
        if (read == null) {
            return;
        }
        stats.evictionPolicy(read);
        if (mayEvict(read)) {
            health.mayEvict(read);
        }
    }

    /** Whether a policy may delete a limiter's keys: every policy but {@code noeviction}. */
    static boolean mayEvict(String policy) {
        return !"noeviction".equals(policy);
    }
}
