package dev.throttle.local;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.SlidingLogConformance;

/** The local engine runs the SlidingLog conformance kit. */
class LocalSlidingLogConformanceTest extends SlidingLogConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
