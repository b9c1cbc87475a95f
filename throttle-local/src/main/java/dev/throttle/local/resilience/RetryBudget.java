package dev.throttle.local.resilience;

import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.Durations;
import dev.throttle.kernel.EventLog;
import dev.throttle.kernel.SpecText;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

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
 *
 * <p>It logs (to the {@code dev.throttle.local.resilience} logger) when it runs dry, at WARN, and when it allows
 * retries again, at INFO, with how many retries it refused meanwhile: never a line per retry, and at most one line of
 * each kind every ten seconds.
 */
public final class RetryBudget {

    private static final int BUCKETS = 10;

    /** Where budgets log unless a test says otherwise: the package's logger. */
    private static final System.Logger LOGGER = System.getLogger(RetryBudget.class.getPackageName());

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
    private final System.Logger logger;
    private final EventLog log;
    /** While dry: when it ran dry (on the ticker), and the retries refused since; null while retries are allowed. */
    private final AtomicReference<Dry> dry = new AtomicReference<>();

    /** A dry spell: when it began, and the retries it refused. */
    private static final class Dry {
        final long since;
        final AtomicLong refused = new AtomicLong(1L);

        Dry(long since) {
            this.since = since;
        }
    }

    private RetryBudget(double ratio, long minRetriesPerSecond, long windowNanos, Ticker ticker,
            System.Logger logger) {
        this.ratio = ratio;
        this.minRetriesPerSecond = minRetriesPerSecond;
        this.windowNanos = windowNanos;
        this.bucketNanos = windowNanos / BUCKETS;
        this.reserve = reserve(minRetriesPerSecond, windowNanos);
        this.ticker = ticker;
        this.ledger = new AtomicReference<>(new Ledger(Math.floorDiv(ticker.read(), bucketNanos),
                new long[2 * BUCKETS], 0L, 0L));
        this.logger = logger;
        this.log = EventLog.of(logger, ticker);
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
        return of(ratio, minRetriesPerSecond, window, ticker, LOGGER);
    }

    /** A budget writing to another logger than the package's: for tests, which capture its lines. */
    static RetryBudget of(double ratio, long minRetriesPerSecond, Duration window, Ticker ticker,
            System.Logger logger) {
        Ratios.requireNonNegative("ratio", ratio, 1000.0);
        Arguments.requireInRange("minRetriesPerSecond", minRetriesPerSecond, 0, 1_000_000_000L);
        long windowNanos = Arguments.toNanos("window", window, BUCKETS, Arguments.MAX_DURATION_NANOS);
        Arguments.requireNonNull("ticker", ticker);
        Arguments.requireNonNull("logger", logger);
        return new RetryBudget(ratio, minRetriesPerSecond, windowNanos, ticker, logger);
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
        return tryWithdraw(null);
    }

    /**
     * Takes one retry from the budget if it has one, for the retry of this name (named in the log line when the
     * budget runs dry).
     *
     * @param retry the name of the {@link Retry} asking, or null
     * @return true if the retry may be made
     */
    boolean tryWithdraw(String retry) {
        long reading = ticker.read();
        long now = Math.floorDiv(reading, bucketNanos);
        for (;;) {
            Ledger current = ledger.get();
            Ledger advanced = advance(current, now);
            if (!allows(advanced.retries + 1, advanced.calls)) {
                if (advanced == current || ledger.compareAndSet(current, advanced)) {
                    ranDry(advanced, reading, retry);
                    return false;
                }
                continue;
            }
            if (ledger.compareAndSet(current, add(advanced, 0, 1))) {
                if (dry.get() != null) {
                    recovered(reading);
                }
                return true;
            }
        }
    }

    /** A refusal: the first of a dry spell is logged, the others counted for the line that ends it. */
    private void ranDry(Ledger spent, long reading, String retry) {
        Dry spell = dry.get();
        if (spell != null) {
            spell.refused.incrementAndGet();
            return;
        }
        if (dry.compareAndSet(null, new Dry(reading))) {
            write("dry", Level.WARNING, () -> "Retry budget (" + terms() + ") ran dry"
                    + (retry == null ? "" : " at a retry of " + retry) + ": " + spent.retries
                    + (spent.retries == 1 ? " retry" : " retries") + " for " + spent.calls
                    + (spent.calls == 1 ? " call" : " calls") + " in the last " + Durations.text(windowNanos)
                    + "; failures are returned without retrying until calls earn more retries");
        } else {
            ranDry(spent, reading, retry); // another refusal began the spell first: count this one in it
        }
    }

    /** The first retry allowed after a dry spell ends it, with one line saying how long it lasted. */
    private void recovered(long reading) {
        Dry spell = dry.getAndSet(null);
        if (spell != null) {
            long refused = spell.refused.get();
            // A reading taken before another thread began the spell would make the span negative.
            long lasted = Math.max(0L, reading - spell.since);
            write("recovered", Level.INFO, () -> "Retry budget (" + terms() + ") allows retries again after "
                    + Durations.text(lasted) + "; " + refused
                    + (refused == 1 ? " retry was" : " retries were") + " refused meanwhile");
        }
    }

    /** Writes the line of an event unless the rate limit holds it back; a failing logger changes nothing. */
    private void write(String kind, Level level, Supplier<String> message) {
        String line = log.admit(kind, level, message);
        if (line != null) {
            try {
                logger.log(level, line);
            } catch (RuntimeException ignored) {
                // Logging must not change what the budget decides.
            }
        }
    }

    /** The budget's terms in words: {@code 20% of calls + 10/s over 10 s}. */
    String terms() {
        return SpecText.percent(ratio) + " of calls + " + minRetriesPerSecond + "/s over "
                + Durations.text(windowNanos);
    }

    /**
     * The retries the budget would allow now.
     *
     * @return 0 or more
     */
    public long available() {
        Ledger now = advance(ledger.get(), Math.floorDiv(ticker.read(), bucketNanos));
        long allowed = (long) Math.floor(ratio * now.calls + reserve);
        // The product may round a whole allowance just below itself (0.29 × 100 is 28.999999999999996): settle it
        // by the same quotient test a withdrawal makes.
        while (allowed > 0 && !allows(allowed, now.calls)) {
            allowed--;
        }
        if (allows(allowed + 1, now.calls)) {
            allowed++;
        }
        return Math.max(0L, allowed - now.retries);
    }

    /**
     * Gives back a retry withdrawn but not made (its wait was interrupted), to the newest bucket, never below zero.
     */
    void refund() {
        for (;;) {
            Ledger current = ledger.get();
            int slot = (int) Math.floorMod(current.newest, (long) BUCKETS);
            if (current.counts[2 * slot + 1] == 0) {
                return; // withdrawn in a bucket the window has left: nothing of it is still counted
            }
            if (ledger.compareAndSet(current, add(current, 0, -1))) {
                return;
            }
        }
    }

    /**
     * The budget for logs: its terms and the retries it allows now, for example
     * {@code RetryBudget[20% of calls + 10/s over 10 s; 100 retries available]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "RetryBudget[" + terms() + "; " + available() + " retries available]";
    }

    /**
     * Whether {@code retries} fit {@code ratio × calls + reserve}, decided by a quotient rather than a product, as
     * the breaker judges its thresholds: {@code (retries − reserve) / calls} rounds to the same double as a decimal
     * ratio equal to it (29 / 100 and 0.29), where {@code 0.29 × 100} rounds below 29 and would refuse the 29th.
     */
    private boolean allows(long retries, long calls) {
        double beyondReserve = retries - reserve;
        return beyondReserve <= 0 || (calls > 0 && beyondReserve / calls <= ratio);
    }

    /**
     * {@code minRetriesPerSecond × window}, from the exact product where it fits (100/s over 290 ms is 29, not less).
     */
    private static double reserve(long minRetriesPerSecond, long windowNanos) {
        long high = Math.multiplyHigh(minRetriesPerSecond, windowNanos);
        long product = minRetriesPerSecond * windowNanos;
        return high == 0 && product >= 0 ? product / 1e9 : minRetriesPerSecond * (windowNanos / 1e9);
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
