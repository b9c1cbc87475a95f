package dev.throttle.local.limiters;

/*
 * The word every take and give-back of a bulkhead writes, alone on its cache line. When two cores share a bulkhead,
 * its line moves between them on every take and give-back; whatever else lies on that line misses with it. The object
 * header's class word (read by every interface call's type check) and the limiter's own fields (the spec, the waiter
 * count, read on every take) did: two threads on one bulkhead took 52-59 ns a round trip with them on the line, 55-58
 * with only the fields moved off it, 37-41 with both (PeerConcurrencyBenchmark.roundTripTwoThreads, alternating runs of
 * 3-5 forks). Superclass fields come first in HotSpot's layout, hence the hierarchy; the padding costs 112 bytes per
 * bulkhead.
 */

/** The padding between the object header and {@link InUseWord#inUse}. */
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

/** The word itself. */
abstract class InUseWord extends InUseHeadPadding {
    /** Permits held by granted, unclosed permits (more than the limit only after the limit was lowered). */
    volatile long inUse;
}

/** The padding between {@link InUseWord#inUse} and the limiter's own fields. */
abstract class PaddedInUse extends InUseWord {
    long p11;
    long p12;
    long p13;
    long p14;
    long p15;
    long p16;
    long p17;
}
