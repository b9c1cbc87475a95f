package dev.throttle.redis;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.TokenBucketConformance;

/** The Redis engine (client-time mode) runs the TokenBucket conformance kit unchanged. */
class RedisTokenBucketConformanceTest extends TokenBucketConformance {

    @Override
    protected ConformanceTarget target() {
        return RedisConformanceTarget.CLIENT_TIME;
    }
}
