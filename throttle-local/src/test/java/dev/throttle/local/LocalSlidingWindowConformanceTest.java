package dev.throttle.local;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.SlidingWindowConformance;

/** The local engine runs the SlidingWindow conformance kit. */
class LocalSlidingWindowConformanceTest extends SlidingWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
