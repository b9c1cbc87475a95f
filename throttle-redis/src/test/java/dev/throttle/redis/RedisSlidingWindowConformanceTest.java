package dev.throttle.redis;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.SlidingWindowConformance;

/** The Redis engine (client-time mode) runs the SlidingWindow conformance kit unchanged. */
class RedisSlidingWindowConformanceTest extends SlidingWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return RedisConformanceTarget.CLIENT_TIME;
    }
}
