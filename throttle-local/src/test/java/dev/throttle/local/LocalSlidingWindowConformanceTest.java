package dev.throttle.local;

import dev.throttle.local.conformance.ConformanceTarget;
import dev.throttle.local.conformance.SlidingWindowConformance;

/** The local engine runs the SlidingWindow conformance kit. */
@org.junit.jupiter.api.Disabled("enabled at merge")
class LocalSlidingWindowConformanceTest extends SlidingWindowConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
