package dev.throttle.local.limiters;

/**
 * The padding between {@link InUseWord#inUse} and a bulkhead's own fields, which with {@link InUseHeadPadding} leaves
 * the in-use word alone on its cache line.
 *
 * <p>When two cores share a bulkhead, that line moves between them on every take and give-back, and whatever else lies
 * on it misses with it. The object header's class word (read by every interface call's type check) and the limiter's
 * own fields (the spec, the waiter count, read on every take) did: two threads on one bulkhead took 38–72 ns a round
 * trip with them on the line, varying from one fork to the next (most above 50), and 47–52 with the word alone on it
 * ({@code PeerConcurrencyBenchmark.roundTripTwoThreads}, alternating runs). HotSpot lays a superclass's fields before
 * a subclass's, hence the hierarchy; the padding costs 112 bytes per bulkhead.
 */
abstract class PaddedInUse extends InUseWord {
    long p11;
    long p12;
    long p13;
    long p14;
    long p15;
    long p16;
    long p17;
}
