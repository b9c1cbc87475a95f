package dev.throttle;

/**
 * The single source of time for a limiter: a monotonic reading in nanoseconds.
 *
 * <p>Every engine reads time only through its ticker, so tests drive time with a {@link ManualClock}
 * instead of sleeping. Readings are only compared with each other; their origin is arbitrary.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * Returns the current reading in nanoseconds. Successive readings never decrease.
     *
     * @return nanoseconds since an arbitrary, fixed origin
     */
    long read();

    /**
     * Returns the ticker backed by {@link System#nanoTime()}.
     *
     * @return the system ticker
     */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

/** The system ticker as a singleton, so engines can recognise it. */
enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long read() {
        return System.nanoTime();
    }
}
