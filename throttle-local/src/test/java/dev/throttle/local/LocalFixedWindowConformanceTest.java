package dev.throttle.local;

import dev.throttle.local.conformance.ConformanceTarget;
import dev.throttle.local.conformance.FixedWindowConformance;

/** The local engine runs the FixedWindow conformance kit. */
@org.junit.jupiter.api.Disabled("enabled at merge")
class LocalFixedWindowConformanceTest extends FixedWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
