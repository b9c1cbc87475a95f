package dev.throttle;

import java.time.Duration;

/**
 * An immutable description of a limit: an algorithm and its parameters, validated when built. Specs are values
 * (records): equal parameters make equal specs. Engines enforce them: {@link Engine#limiter(String, LimitSpec)}.
 *
 * <p>The set of specs is closed: every engine handles each of them, and maps a spec to its implementation in one
 * place, a {@link Visitor}, so a new spec does not compile until every engine handles it.
 *
 * <table>
 *   <caption>The specs</caption>
 *   <tr><th>spec</th><th>what it limits</th></tr>
 *   <tr><td>{@link FixedWindow}</td><td>permits per window of the clock</td></tr>
 *   <tr><td>{@link SlidingLog}</td><td>permits in any window of a given length, exactly</td></tr>
 *   <tr><td>{@link SlidingWindow}</td><td>permits in a sliding window, approximated from two counters</td></tr>
 *   <tr><td>{@link TokenBucket}</td><td>a rate, with bursts up to a capacity</td></tr>
 *   <tr><td>{@link LeakyBucket}</td><td>a rate, as a meter (same as a token bucket) or a shaping queue</td></tr>
 *   <tr><td>{@link Concurrency}</td><td>permits held at once (a bulkhead)</td></tr>
 *   <tr><td>{@link AllOf}</td><td>several of the above at once, all or nothing</td></tr>
 *   <tr><td>{@link ClientSideThrottling}</td><td>a client's own refusals, as its backend rejects it (local engine
 *   only)</td></tr>
 * </table>
 */
public sealed interface LimitSpec
        permits FixedWindow, SlidingLog, SlidingWindow, TokenBucket, LeakyBucket, Concurrency, AllOf,
        ClientSideThrottling {

    /**
     * The longest duration any limit or wait accepts: ten years. It keeps every nanosecond computation (a window, a
     * capacity times an interval, a deadline) far from {@code long} overflow.
     */
    Duration MAX_DURATION = Duration.ofDays(3650);

    /**
     * The most permits one request can ever be granted; a larger request is refused with an
     * {@link IllegalArgumentException}.
     *
     * @return the capacity, 1 or more
     */
    long capacity();

    /**
     * How long, in nanoseconds, a limiter of this spec that has been used to the full takes to return to rest
     * (the state of a new limiter) when nothing more is asked. Engines use it to forget idle keys and to expire
     * keys. Concurrency specs return 0: they are at rest when no permit is held.
     *
     * @return nanoseconds, 0 or more
     */
    long restNanos();

    /**
     * Calls the visitor's method for this kind of spec: the one way to tell specs apart.
     *
     * @param visitor the visitor
     * @param <R> what it answers
     * @return the visitor's answer
     */
    <R> R accept(Visitor<R> visitor);

    /**
     * Whether the spec limits a rate (windows and buckets, or an all-of composite of rates only), whose permits are
     * spent when granted, rather than permits held until closed.
     *
     * @return true for a rate spec
     */
    default boolean isRate() {
        return true;
    }

    /**
     * One method per kind of spec: engines map each spec to its implementation with one, so adding a spec breaks
     * the build of every engine until it handles it.
     *
     * @param <R> what the visitor answers
     */
    interface Visitor<R> {

        /**
         * A fixed window.
         *
         * @param spec the spec
         * @return the answer
         */
        R fixedWindow(FixedWindow spec);

        /**
         * A sliding log.
         *
         * @param spec the spec
         * @return the answer
         */
        R slidingLog(SlidingLog spec);

        /**
         * A sliding window counter.
         *
         * @param spec the spec
         * @return the answer
         */
        R slidingWindow(SlidingWindow spec);

        /**
         * A token bucket.
         *
         * @param spec the spec
         * @return the answer
         */
        R tokenBucket(TokenBucket spec);

        /**
         * A leaky bucket, meter or shaping queue.
         *
         * @param spec the spec
         * @return the answer
         */
        R leakyBucket(LeakyBucket spec);

        /**
         * A concurrency limit.
         *
         * @param spec the spec
         * @return the answer
         */
        R concurrency(Concurrency spec);

        /**
         * An all-of composite.
         *
         * @param spec the spec
         * @return the answer
         */
        R allOf(AllOf spec);

        /**
         * Client-side throttling.
         *
         * @param spec the spec
         * @return the answer
         */
        R clientSideThrottling(ClientSideThrottling spec);
    }
}
