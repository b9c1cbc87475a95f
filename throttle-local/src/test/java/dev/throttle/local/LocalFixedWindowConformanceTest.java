package dev.throttle.local;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.FixedWindowConformance;

/** The local engine runs the FixedWindow conformance kit. */
class LocalFixedWindowConformanceTest extends FixedWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
