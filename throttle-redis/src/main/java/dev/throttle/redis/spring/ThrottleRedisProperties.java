package dev.throttle.redis.spring;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The Redis engine's properties, {@code throttle.engine.redis.*}, read when {@code throttle.engine.type} is
 * {@code redis}. Each one left out keeps the engine builder's default (see {@link dev.throttle.redis.RedisEngine}).
 *
 * <pre>
 * throttle:
 *   engine:
 *     type: redis
 *     redis:
 *       uri: redis://redis.internal:6379
 *       failure-policy: fallback
 *       fallback-share: 0.25
 *       decision-timeout: 50ms
 * </pre>
 *
 * <p>A Redis Cluster is named by its seed nodes instead of a URI: {@code cluster-nodes: [redis://10.0.0.1:7000,
 * redis://10.0.0.2:7000]}.
 *
 * @param uri Redis URI of the server: redis://host:port (rediss:// for TLS, redis-sentinel:// for Sentinel), with
 *     password and database as Lettuce reads them (default redis://localhost:6379 unless cluster-nodes is set).
 * @param clusterNodes Redis URIs of some nodes of a Redis Cluster (any of them; the client discovers the rest), for
 *     a Cluster instead of one server: then uri is not set.
 * @param keyPrefix Prefix of every key the engine writes (default throttle:); no braces.
 * @param failurePolicy What decisions answer while Redis fails or is slow: fail-closed (refuse, the default),
 *     fail-open (grant) or fallback (decide with a local limiter of the same spec, scaled by fallback-share).
 * @param fallbackShare With the fallback policy: this instance's share of each limit while Redis is down, more than 0
 *     and at most 1 (default 1).
 * @param decisionTimeout How long a decision waits for a silent Redis before following the failure policy (default
 *     50ms).
 * @param commandTimeout How long a round trip may take at most (default 1s).
 * @param breakerFailureThreshold Consecutive failed round trips that open the engine's circuit breaker (default 5).
 * @param breakerOpenDuration How long the open breaker answers by the failure policy before probing Redis again
 *     (default 1s).
 * @param leaseTtl How long a concurrency permit's lease lasts when never closed (default 30s).
 * @param minExpiry Least expiry of a written key (default 1ms).
 * @param refusalCache Whether refusals are remembered in this instance until their retry time (default true).
 */
@ConfigurationProperties("throttle.engine.redis")
public record ThrottleRedisProperties(String uri, List<String> clusterNodes, String keyPrefix, FailureMode failurePolicy, Double fallbackShare,
        Duration decisionTimeout, Duration commandTimeout, Integer breakerFailureThreshold,
        Duration breakerOpenDuration, Duration leaseTtl, Duration minExpiry, Boolean refusalCache) {

    /** Where Redis is when no URI is given. */
    public static final String DEFAULT_URI = "redis://localhost:6379";

    /**
     * Defaults the URI to {@value #DEFAULT_URI} (unless Cluster nodes are given) and the failure policy to
     * {@code fail-closed}.
     *
     * @param uri the URI, or null for {@value #DEFAULT_URI} (null kept when Cluster nodes are given)
     * @param clusterNodes the Cluster's seed nodes, or null for one server (or Sentinel) at {@code uri}
     * @param keyPrefix the key prefix, or null for the engine's
     * @param failurePolicy the failure policy, or null for {@code fail-closed}
     * @param fallbackShare the fallback's share, or null for 1
     * @param decisionTimeout the decision timeout, or null for the engine's
     * @param commandTimeout the command timeout, or null for the engine's
     * @param breakerFailureThreshold the breaker's threshold, or null for the engine's
     * @param breakerOpenDuration the breaker's open time, or null for the engine's
     * @param leaseTtl the lease TTL, or null for the engine's
     * @param minExpiry the least expiry, or null for the engine's
     * @param refusalCache whether to cache refusals, or null for the engine's default
     */
    public ThrottleRedisProperties {
        clusterNodes = clusterNodes == null ? List.of() : List.copyOf(clusterNodes);
        uri = uri == null && clusterNodes.isEmpty() ? DEFAULT_URI : uri;
        failurePolicy = failurePolicy == null ? FailureMode.FAIL_CLOSED : failurePolicy;
    }

    /** What decisions answer while Redis cannot: see {@link dev.throttle.redis.FailurePolicy}. */
    public enum FailureMode {
        /** Refuse: the limit is never exceeded. */
        FAIL_CLOSED,
        /** Grant: no limit while Redis is down. */
        FAIL_OPEN,
        /** Decide with a local limiter of the same spec, scaled by the fallback share. */
        FALLBACK
    }
}
