package dev.throttle.local;

import dev.throttle.local.conformance.ConformanceTarget;
import dev.throttle.local.conformance.SlidingWindowConformance;

/** The local engine runs the SlidingWindow conformance kit. */
class LocalSlidingWindowConformanceTest extends SlidingWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
