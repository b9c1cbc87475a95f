package dev.throttle.redis;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.SlidingLogConformance;

/** The Redis engine (client-time mode) runs the SlidingLog conformance kit unchanged. */
class RedisSlidingLogConformanceTest extends SlidingLogConformance {

    @Override
    protected ConformanceTarget target() {
        return RedisConformanceTarget.CLIENT_TIME;
    }
}
