package dev.throttle.local.adaptive;

import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The ratio of failed calls among the calls recorded in a sliding window of time, as a {@link HealthSignal}: 0.0 all
 * succeeded, 1.0 all failed, {@link Double#NaN} while the window holds fewer than the minimum calls.
 *
 * <p>The window is a ring of buckets of time (see {@link #over}); recording is lock-free and allocates only when it
 * opens a new bucket (once per bucket width, per slot). The counts are exact: a reading sums every outcome recorded
 * in the buckets of the window, and forgets a bucket as soon as it leaves. A recorder whose thread stalled so long
 * that its bucket left the window meanwhile loses its outcome, which belonged to the past anyway.
 *
 * <p>Feed it from your own calls ({@link #recordSuccess()}, {@link #recordFailure()}), or let a limiter feed it from
 * its permits' {@code close()} and {@code dropped()}.
 */
final class ErrorRatioSignal implements HealthSignal.ErrorRatio {

    /** One bucket of time's counts; replaced whole when its slot is reused. */
    private static final class Bucket {
        private static final VarHandle CALLS;
        private static final VarHandle FAILURES;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                CALLS = lookup.findVarHandle(Bucket.class, "calls", long.class);
                FAILURES = lookup.findVarHandle(Bucket.class, "failures", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long index;
        @SuppressWarnings("unused") // through CALLS
        private volatile long calls;
        @SuppressWarnings("unused") // through FAILURES
        private volatile long failures;

        Bucket(long index) {
            this.index = index;
        }

        void add(boolean failed) {
            // The call is counted before its failure, so a reader taking failures first never sees more failures
            // than calls.
            CALLS.getAndAdd(this, 1L);
            if (failed) {
                FAILURES.getAndAdd(this, 1L);
            }
        }
    }

    private final Ticker ticker;
    private final TimeBuckets buckets;
    private final long minimumCalls;
    private final AtomicReferenceArray<Bucket> ring;

    private ErrorRatioSignal(Ticker ticker, TimeBuckets buckets, long minimumCalls) {
        this.ticker = ticker;
        this.buckets = buckets;
        this.minimumCalls = minimumCalls;
        this.ring = new AtomicReferenceArray<>(buckets.count);
    }

    /**
     * An error ratio over a sliding window.
     *
     * @param ticker the clock outcomes are stamped with; the limiter's own, so that its readings line up
     * @param window the length of the window, a whole number of nanoseconds per bucket
     * @param buckets how many buckets of time the window is cut into, from 1 to 3600: more buckets forget more
     *     smoothly; the window at a moment spans between {@code (buckets − 1)/buckets} and all of {@code window}
     * @param minimumCalls the calls the window must hold for a reading, 1 or more; fewer read as NaN
     * @return the signal
     * @throws IllegalArgumentException if an argument is null or out of range
     */
    static ErrorRatioSignal over(Ticker ticker, Duration window, int buckets, long minimumCalls) {
        Arguments.requireNonNull("ticker", ticker);
        TimeBuckets cut = new TimeBuckets(window, buckets);
        Arguments.requirePositive("minimumCalls", minimumCalls);
        return new ErrorRatioSignal(ticker, cut, minimumCalls);
    }

    /** Records a call that succeeded. */
    @Override
    public void recordSuccess() {
        record(false);
    }

    /** Records a call that failed (an error, a timeout, an overload answer). */
    @Override
    public void recordFailure() {
        record(true);
    }

    /**
     * Records one call's outcome now.
     *
     * @param failed true if the call failed
     */
    @Override
    public void record(boolean failed) {
        long index = buckets.index(ticker.read());
        int slot = buckets.slot(index);
        for (;;) {
            Bucket present = ring.get(slot);
            if (present != null && present.index == index) {
                present.add(failed);
                return;
            }
            if (present != null && present.index > index) {
                return; // a stale reading of time: its bucket has left the window
            }
            ring.compareAndSet(slot, present, new Bucket(index));
        }
    }

    /**
     * The calls in the window at a moment.
     *
     * @param nowNanos a ticker reading
     * @return zero or more
     */
    @Override
    public long calls(long nowNanos) {
        return sum(nowNanos, false);
    }

    /**
     * The failed calls in the window at a moment.
     *
     * @param nowNanos a ticker reading
     * @return zero up to the calls
     */
    @Override
    public long failures(long nowNanos) {
        return sum(nowNanos, true);
    }

    /**
     * {@inheritDoc}
     *
     * @return failures / calls in the window, or NaN below the minimum calls
     */
    @Override
    public double read(long nowNanos) {
        long failures = failures(nowNanos);
        long calls = calls(nowNanos);
        if (calls < minimumCalls) {
            return Double.NaN;
        }
        return Math.min(1.0, (double) failures / calls);
    }

    private long sum(long now, boolean failures) {
        long newest = buckets.index(now);
        long total = 0;
        for (int slot = 0; slot < buckets.count; slot++) {
            Bucket bucket = ring.get(slot);
            if (bucket != null && buckets.live(bucket.index, newest)) {
                total += failures ? (long) Bucket.FAILURES.getVolatile(bucket) : (long) Bucket.CALLS.getVolatile(bucket);
            }
        }
        return total;
    }

    @Override
    public String toString() {
        long now = ticker.read();
        return "ErrorRatioSignal[" + failures(now) + "/" + calls(now) + " over " + buckets.count + " x "
                + buckets.width + "ns]";
    }
}
