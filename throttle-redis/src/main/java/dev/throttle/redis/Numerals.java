package dev.throttle.redis;

/**
 * Decimal text of the numbers scripts are called with. The usual ones (a few permits, no wait) are kept as constants,
 * so a typical call formats nothing.
 */
final class Numerals {

    /** Numbers from 0 below this are cached. */
    private static final int CACHED = 256;
    /** Negative numbers down to minus this are cached (a multi-key call's compact entries name their spec so). */
    private static final int CACHED_NEGATIVE = 16;

    private static final String[] SMALL = new String[CACHED];
    private static final String[] NEGATIVE = new String[CACHED_NEGATIVE + 1];

    static {
        for (int i = 0; i < CACHED; i++) {
            SMALL[i] = Integer.toString(i);
        }
        for (int i = 1; i <= CACHED_NEGATIVE; i++) {
            NEGATIVE[i] = Integer.toString(-i);
        }
    }

    private Numerals() {
    }

    /** The decimal text of {@code value}, as {@link Long#toString(long)}. */
    static String of(long value) {
        if (value >= 0L) {
            return value < CACHED ? SMALL[(int) value] : Long.toString(value);
        }
        return value >= -CACHED_NEGATIVE ? NEGATIVE[(int) -value] : Long.toString(value);
    }
}
