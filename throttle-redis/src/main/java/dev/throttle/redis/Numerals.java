package dev.throttle.redis;

/**
 * Decimal text of the numbers scripts are called with. The usual ones (a few permits, no wait) are kept as constants,
 * so a typical call formats nothing.
 */
final class Numerals {

    /** Numbers from 0 below this are cached. */
    private static final int CACHED = 256;

    private static final String[] SMALL = new String[CACHED];

    static {
        for (int i = 0; i < CACHED; i++) {
            SMALL[i] = Integer.toString(i);
        }
    }

    private Numerals() {
    }

    /** The decimal text of {@code value}, as {@link Long#toString(long)}. */
    static String of(long value) {
        return value >= 0L && value < CACHED ? SMALL[(int) value] : Long.toString(value);
    }
}
