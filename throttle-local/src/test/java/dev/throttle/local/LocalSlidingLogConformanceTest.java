package dev.throttle.local;

import dev.throttle.local.conformance.ConformanceTarget;
import dev.throttle.local.conformance.SlidingLogConformance;

/** The local engine runs the SlidingLog conformance kit. */
class LocalSlidingLogConformanceTest extends SlidingLogConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
