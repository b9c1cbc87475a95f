package dev.throttle.local;

import dev.throttle.local.conformance.ConformanceTarget;
import dev.throttle.local.conformance.FixedWindowConformance;

/** The local engine runs the FixedWindow conformance kit. */
class LocalFixedWindowConformanceTest extends FixedWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
