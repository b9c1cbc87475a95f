package dev.throttle.redis;

import dev.throttle.local.conformance.ConformanceTarget;
import dev.throttle.local.conformance.SlidingWindowConformance;

/** The Redis engine (client-time mode) runs the SlidingWindow conformance kit unchanged. */
class RedisSlidingWindowConformanceTest extends SlidingWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return RedisConformanceTarget.CLIENT_TIME;
    }
}
