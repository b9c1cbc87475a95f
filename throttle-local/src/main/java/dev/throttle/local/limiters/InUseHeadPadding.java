package dev.throttle.local.limiters;

/** The padding between a bulkhead's object header and {@link InUseWord#inUse}; see {@link PaddedInUse}. */
abstract class InUseHeadPadding {
    /** Fills the four bytes after a compressed header, where a subclass's {@code int} would otherwise go. */
    int headerGap;
    long p01;
    long p02;
    long p03;
    long p04;
    long p05;
    long p06;
    long p07;
}
