package dev.throttle.local;

import dev.throttle.conformance.ConformanceTarget;
import dev.throttle.conformance.TokenBucketConformance;

/** The local engine runs the TokenBucket conformance kit. */
class LocalTokenBucketConformanceTest extends TokenBucketConformance {

    @Override
    protected ConformanceTarget target() {
        return LocalConformanceTarget.LOCAL;
    }
}
