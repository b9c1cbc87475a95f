package dev.throttle.redis;

import io.lettuce.core.RedisException;

/**
 * A script call whose writes fewer replicas acknowledged within the timeout than the engine asks
 * ({@link RedisEngine.Builder#replicaAcknowledgement(int, java.time.Duration)}): the master ran it, but a failover
 * could lose its writes, so its decisions are answered as a failed call's, by the failure policy.
 */
final class UnacknowledgedWriteException extends RedisException {

    private static final long serialVersionUID = 1L;

    UnacknowledgedWriteException(long acknowledged, int asked, long timeoutMillis) {
        super(acknowledged + " of the " + asked + " replicas asked acknowledged the write within " + timeoutMillis
                + " ms (WAIT)");
    }
}
