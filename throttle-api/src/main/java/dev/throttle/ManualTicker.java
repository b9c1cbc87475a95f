package dev.throttle;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread-safe ticker that moves only when told to: the way to test time-dependent logic without sleeping.
 */
public final class ManualTicker implements Ticker {

    private final AtomicLong nanos;

    /** Creates a ticker reading zero. */
    public ManualTicker() {
        this(0L);
    }

    /**
     * Creates a ticker with the given reading.
     *
     * @param startNanos the first reading
     */
    public ManualTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    /**
     * Moves time forward.
     *
     * @param nanosToAdd how far, in nanoseconds; zero or more
     * @return the new reading
     * @throws IllegalArgumentException if {@code nanosToAdd} is negative
     */
    public long advance(long nanosToAdd) {
        Arguments.requireNonNegative("nanosToAdd", nanosToAdd);
        return nanos.addAndGet(nanosToAdd);
    }

    /**
     * Moves time forward.
     *
     * @param duration how far; zero or more
     * @return the new reading
     * @throws IllegalArgumentException if {@code duration} is null or negative
     */
    public long advance(Duration duration) {
        return advance(Arguments.toNanos("duration", duration, 0L, Long.MAX_VALUE));
    }

    @Override
    public String toString() {
        return "ManualTicker[" + nanos.get() + "ns]";
    }
}
