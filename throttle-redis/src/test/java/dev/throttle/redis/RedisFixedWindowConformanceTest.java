package dev.throttle.redis;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.FixedWindowConformance;

/** The Redis engine (client-time mode) runs the FixedWindow conformance kit unchanged. */
class RedisFixedWindowConformanceTest extends FixedWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return RedisConformanceTarget.CLIENT_TIME;
    }
}
