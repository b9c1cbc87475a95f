package dev.throttle.redis;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.LeakyBucketConformance;

/** The Redis engine (client-time mode) runs the LeakyBucket conformance kit unchanged. */
class RedisLeakyBucketConformanceTest extends LeakyBucketConformance {

    @Override
    protected ConformanceTarget target() {
        return RedisConformanceTarget.CLIENT_TIME;
    }
}
