package dev.throttle.redis.spring;

import dev.throttle.Engine;
import dev.throttle.local.spring.ThrottlePropertyException;
import dev.throttle.redis.FailurePolicy;
import dev.throttle.redis.RedisEngine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Makes the Redis engine of {@code throttle.engine.redis}: each property set is the builder call of the same name, and
 * a value the builder refuses is reported under its property.
 */
final class RedisEngines {

    private static final String PREFIX = "throttle.engine.redis.";

    private RedisEngines() {
    }

    /**
     * The server's address.
     *
     * @param properties the properties
     * @return the URI
     * @throws ThrottlePropertyException naming {@code throttle.engine.redis.uri} if Lettuce cannot read it
     */
    static RedisURI uri(ThrottleRedisProperties properties) {
        return at("uri", () -> RedisURI.create(properties.uri()));
    }

    /**
     * The Cluster's seed nodes.
     *
     * @param properties the properties, with Cluster nodes
     * @return their URIs, in order
     * @throws ThrottlePropertyException naming {@code throttle.engine.redis.cluster-nodes[i]} if Lettuce cannot read
     *     one, or {@code throttle.engine.redis.uri} if a URI is given too
     */
    static List<RedisURI> clusterNodes(ThrottleRedisProperties properties) {
        if (properties.uri() != null) {
            throw new ThrottlePropertyException(PREFIX + "uri", "names one server, and cluster-nodes a Redis Cluster:"
                    + " give one of them");
        }
        List<RedisURI> nodes = new ArrayList<>();
        for (int i = 0; i < properties.clusterNodes().size(); i++) {
            String node = properties.clusterNodes().get(i);
            nodes.add(at("cluster-nodes[" + i + "]", () -> RedisURI.create(node)));
        }
        return nodes;
    }

    /**
     * The engine, on its own connection of the client.
     *
     * @param properties the properties
     * @param client the client
     * @param fallback the engine of the fallback policy's limiters
     * @return the engine, connecting (an engine started while Redis is down follows its failure policy until it
     *     connects)
     * @throws ThrottlePropertyException naming the property whose value the builder refuses
     */
    static RedisEngine of(ThrottleRedisProperties properties, RedisClient client, Supplier<Engine> fallback) {
        return configure(RedisEngine.builder(client, uri(properties)), properties, fallback);
    }

    /**
     * The engine on a Redis Cluster, on its own connection of the client.
     *
     * @param properties the properties
     * @param client the Cluster client
     * @param fallback the engine of the fallback policy's limiters
     * @return the engine, connecting
     * @throws ThrottlePropertyException naming the property whose value the builder refuses
     */
    static RedisEngine of(ThrottleRedisProperties properties, RedisClusterClient client, Supplier<Engine> fallback) {
        return configure(RedisEngine.builder(client), properties, fallback);
    }

    private static RedisEngine configure(RedisEngine.Builder builder, ThrottleRedisProperties properties,
            Supplier<Engine> fallback) {
        set("key-prefix", properties.keyPrefix(), builder::keyPrefix);
        set("decision-timeout", properties.decisionTimeout(), builder::decisionTimeout);
        set("command-timeout", properties.commandTimeout(), builder::commandTimeout);
        set("breaker-failure-threshold", properties.breakerFailureThreshold(), builder::breakerFailureThreshold);
        set("breaker-open-duration", properties.breakerOpenDuration(), builder::breakerOpenDuration);
        set("lease-ttl", properties.leaseTtl(), builder::leaseTtl);
        set("min-expiry", properties.minExpiry(), builder::minExpiry);
        set("refusal-cache", properties.refusalCache(), builder::refusalCache);
        builder.failurePolicy(failurePolicy(properties, fallback));
        return builder.build();
    }

    private static FailurePolicy failurePolicy(ThrottleRedisProperties properties, Supplier<Engine> fallback) {
        if (properties.fallbackShare() != null && properties.failurePolicy() != ThrottleRedisProperties.FailureMode.FALLBACK) {
            throw new ThrottlePropertyException(PREFIX + "fallback-share", "is for failure-policy: fallback only");
        }
        switch (properties.failurePolicy()) {
            case FAIL_OPEN:
                return FailurePolicy.FAIL_OPEN;
            case FALLBACK:
                double share = properties.fallbackShare() == null ? 1.0 : properties.fallbackShare();
                return at("fallback-share", () -> FailurePolicy.fallback(fallback.get(), share));
            default:
                return FailurePolicy.FAIL_CLOSED;
        }
    }

    private static <T> void set(String property, T value, Consumer<T> call) {
        if (value != null) {
            at(property, () -> {
                call.accept(value);
                return value;
            });
        }
    }

    private static <T> T at(String property, Supplier<T> build) {
        return ThrottlePropertyException.wrap(PREFIX + property, build);
    }
}
