package dev.throttle.local;

import dev.throttle.conformance.ConformanceTarget;

/** Binds the conformance kit to the local engine: one engine per limiter, on the kit's manual clock. */
final class LocalConformanceTarget {

    /** The binding. */
    static final ConformanceTarget LOCAL = clock -> LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private LocalConformanceTarget() {
    }
}
