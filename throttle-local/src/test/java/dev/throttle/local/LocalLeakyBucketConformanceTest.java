package dev.throttle.local;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.LeakyBucketConformance;

/** The local engine runs the LeakyBucket conformance kit. */
class LocalLeakyBucketConformanceTest extends LeakyBucketConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
