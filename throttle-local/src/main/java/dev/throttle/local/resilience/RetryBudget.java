package dev.throttle.local.resilience;

import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Caps retries at a share of calls, so retries cannot multiply the load on a service that is already failing.
 *
 * <p>Over a sliding window of time, a retry is allowed only while
 * {@code retries + 1 <= ratio × calls + minRetriesPerSecond × windowSeconds}: the ratio lets a healthy client retry
 * its occasional failures, the reserve lets a client with little traffic retry at all, and when everything fails the
 * retries stay near {@code ratio} of the calls instead of {@code maxAttempts − 1} times them. This is the retry budget
 * of Twitter's Finagle ({@code RetryBudget(ttl, minRetriesPerSec, percentCanRetry)}, defaults 10 s, 10/s, 20 %, also
 * the defaults here) and the idea behind gRPC's retry throttling (gRFC A6, where each failure costs a token and each
 * success earns a fraction of one). One budget is meant to be shared by every {@link Retry} calling one service.
 *
 * <p>The window is cut into ten buckets: a call or retry leaves it between 9/10 and 10/10 of the window after it
 * happened. The whole ledger is an immutable snapshot swapped by CAS, so the check and the withdrawal are one atomic
 * step and the cap is exact under any interleaving (each operation copies twenty longs). Time is read only through
 * the ticker.
 */
public final class RetryBudget {

    private static final int BUCKETS = 10;

    /** Calls and retries per bucket, for the buckets {@code newest − 9 .. newest}, and their totals. */
    private static final class Ledger {
        final long newest;
        /** Slot {@code i % BUCKETS}: calls at {@code 2·slot}, retries at {@code 2·slot + 1}. */
        final long[] counts;
        final long calls;
        final long retries;

        Ledger(long newest, long[] counts, long calls, long retries) {
            this.newest = newest;
            this.counts = counts;
            this.calls = calls;
            this.retries = retries;
        }
    }

    private final double ratio;
    private final long minRetriesPerSecond;
    private final long windowNanos;
    private final long bucketNanos;
    /** The retries allowed beyond the ratio over one window. */
    private final double reserve;
    private final Ticker ticker;
    private final AtomicReference<Ledger> ledger;

    private RetryBudget(double ratio, long minRetriesPerSecond, long windowNanos, Ticker ticker) {
        this.ratio = ratio;
        this.minRetriesPerSecond = minRetriesPerSecond;
        this.windowNanos = windowNanos;
        this.bucketNanos = windowNanos / BUCKETS;
        this.reserve = minRetriesPerSecond * (windowNanos / 1e9);
        this.ticker = ticker;
        this.ledger = new AtomicReference<>(new Ledger(Math.floorDiv(ticker.read(), bucketNanos),
                new long[2 * BUCKETS], 0L, 0L));
    }

    /**
     * A budget with Finagle's defaults: 20 % of the calls, plus 10 retries per second, over 10 s.
     *
     * @param ticker the source of time
     * @return the budget
     * @throws IllegalArgumentException if the ticker is null
     */
    public static RetryBudget defaults(Ticker ticker) {
        return of(0.2, 10, Duration.ofSeconds(10), ticker);
    }

    /**
     * A budget.
     *
     * @param ratio the retries allowed per call, from 0 to 1000
     * @param minRetriesPerSecond the retries allowed per second of window whatever the calls, 0 or more
     * @param window the sliding window, from 10 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
     * @param ticker the source of time
     * @return the budget
     * @throws IllegalArgumentException if a parameter is null or out of range
     */
    public static RetryBudget of(double ratio, long minRetriesPerSecond, Duration window, Ticker ticker) {
        Ratios.requireNonNegative("ratio", ratio, 1000.0);
        Arguments.requireInRange("minRetriesPerSecond", minRetriesPerSecond, 0, 1_000_000_000L);
        long windowNanos = Arguments.toNanos("window", window, BUCKETS, Arguments.MAX_DURATION_NANOS);
        Arguments.requireNonNull("ticker", ticker);
        return new RetryBudget(ratio, minRetriesPerSecond, windowNanos, ticker);
    }

    /** Counts a call (once per call, not per attempt): it earns {@code ratio} of a retry. */
    public void deposit() {
        long now = Math.floorDiv(ticker.read(), bucketNanos);
        for (;;) {
            Ledger current = ledger.get();
            Ledger next = add(advance(current, now), 1, 0);
            if (ledger.compareAndSet(current, next)) {
                return;
            }
        }
    }

    /**
     * Takes one retry from the budget if it has one.
     *
     * @return true if the retry may be made
     */
    public boolean tryWithdraw() {
        long now = Math.floorDiv(ticker.read(), bucketNanos);
        for (;;) {
            Ledger current = ledger.get();
            Ledger advanced = advance(current, now);
            if (advanced.retries + 1 > allowance(advanced)) {
                if (advanced == current || ledger.compareAndSet(current, advanced)) {
                    return false;
                }
                continue;
            }
            if (ledger.compareAndSet(current, add(advanced, 0, 1))) {
                return true;
            }
        }
    }

    /**
     * The retries the budget would allow now.
     *
     * @return 0 or more
     */
    public long available() {
        Ledger now = advance(ledger.get(), Math.floorDiv(ticker.read(), bucketNanos));
        return Math.max(0L, (long) Math.floor(allowance(now)) - now.retries);
    }

    @Override
    public String toString() {
        return "RetryBudget[ratio=" + ratio + ", minRetriesPerSecond=" + minRetriesPerSecond + ", window="
                + Duration.ofNanos(windowNanos) + "]";
    }

    private double allowance(Ledger ledger) {
        return ratio * ledger.calls + reserve;
    }

    /** The ledger with the buckets older than the window emptied; a stale reading of time changes nothing. */
    private static Ledger advance(Ledger ledger, long now) {
        if (now <= ledger.newest) {
            return ledger;
        }
        long[] counts = ledger.counts.clone();
        long calls = ledger.calls;
        long retries = ledger.retries;
        long steps = Math.min(now - ledger.newest, BUCKETS);
        for (long i = 1; i <= steps; i++) {
            int slot = (int) Math.floorMod(ledger.newest + i, (long) BUCKETS);
            calls -= counts[2 * slot];
            retries -= counts[2 * slot + 1];
            counts[2 * slot] = 0;
            counts[2 * slot + 1] = 0;
        }
        return new Ledger(now, counts, calls, retries);
    }

    private static Ledger add(Ledger ledger, long calls, long retries) {
        long[] counts = ledger.counts.clone();
        int slot = (int) Math.floorMod(ledger.newest, (long) BUCKETS);
        counts[2 * slot] += calls;
        counts[2 * slot + 1] += retries;
        return new Ledger(ledger.newest, counts, ledger.calls + calls, ledger.retries + retries);
    }
}
