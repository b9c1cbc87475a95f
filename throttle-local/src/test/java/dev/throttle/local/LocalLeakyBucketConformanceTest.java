package dev.throttle.local;

import dev.throttle.local.conformance.ConformanceTarget;
import dev.throttle.local.conformance.LeakyBucketConformance;

/** The local engine runs the LeakyBucket conformance kit. */
class LocalLeakyBucketConformanceTest extends LeakyBucketConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
