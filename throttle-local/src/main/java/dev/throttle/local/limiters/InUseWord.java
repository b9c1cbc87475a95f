package dev.throttle.local.limiters;

/** The word every take and give-back of a bulkhead writes, between two paddings; see {@link PaddedInUse}. */
abstract class InUseWord extends InUseHeadPadding {
    /** Permits held by granted, unclosed permits (more than the limit only after the limit was lowered). */
    volatile long inUse;
}
