package dev.throttle.redis;

import dev.throttle.Ticker;

/**
 * The clock decisions are made on, and its unit inside the scripts. By default the Redis server's clock: the script
 * reads TIME and counts microseconds since 2026-01-01, and every interval and window is converted to whole
 * microseconds, rounded up (so decisions equal the local engine's when intervals are whole microseconds). In
 * client-time mode the ticker's nanoseconds are passed to the script, and nothing is rounded.
 *
 * <p>Lua numbers are doubles, exact for integers below 2^53: readings and every product the scripts form are kept
 * below {@link #MAX_EXACT}.
 */
final class Timebase {

    /** The largest value a script computes with; leaves a factor two of headroom under 2^53. */
    static final long MAX_EXACT = 1L << 52;

    private final Ticker ticker;
    private final long nanosPerUnit;

    private Timebase(Ticker ticker, long nanosPerUnit) {
        this.ticker = ticker;
        this.nanosPerUnit = nanosPerUnit;
    }

    /** The server's clock, in microseconds. */
    static Timebase server() {
        return new Timebase(null, 1_000L);
    }

    /** A client ticker, in nanoseconds. */
    static Timebase client(Ticker ticker) {
        return new Timebase(ticker, 1L);
    }

    boolean clientTime() {
        return ticker != null;
    }

    /** The clock argument of a script: the client reading, or empty for the server's clock. */
    String nowArgument() {
        if (ticker == null) {
            return "";
        }
        long now = ticker.read();
        if (now < 0 || now > MAX_EXACT) {
            throw new IllegalStateException("ticker reading " + now + " is outside [0, 2^52]: the Redis engine's"
                    + " client-time mode needs readings the scripts can hold exactly");
        }
        return Long.toString(now);
    }

    /** The clock unit, for messages: microseconds on the server's clock, nanoseconds on a client ticker. */
    String unitName() {
        return nanosPerUnit == 1L ? "ns" : "µs";
    }

    /** Clock units per millisecond, for expiries. */
    long unitsPerMilli() {
        return 1_000_000L / nanosPerUnit;
    }

    /** A period (interval, window) in clock units, rounded up so a limit is never loosened. */
    long periodUnits(long nanos) {
        return (nanos + nanosPerUnit - 1) / nanosPerUnit;
    }

    /** A bound on a wait in clock units, rounded down so a wait is never longer than accepted. */
    long waitUnits(long nanos) {
        return nanos / nanosPerUnit;
    }

    /** Clock units back to nanoseconds. */
    long nanos(long units) {
        return units * nanosPerUnit;
    }
}
