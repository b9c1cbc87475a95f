package dev.throttle.kernel;

/** Nanosecond spans as short, readable text for {@code toString()}s and messages: {@code 250 ms}, {@code 1.5 s}. */
public final class Durations {

    private Durations() {
    }

    /**
     * A span in the largest unit that keeps it at least one, with up to three significant decimals.
     *
     * @param nanos nanoseconds, 0 or more
     * @return the text, such as {@code 100 ns}, {@code 12.5 µs}, {@code 250 ms}, {@code 1.5 s}, {@code 2 min}
     */
    public static String text(long nanos) {
        if (nanos < 1_000L) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000L) {
            return decimal(nanos, 1_000L) + " µs";
        }
        if (nanos < 1_000_000_000L) {
            return decimal(nanos, 1_000_000L) + " ms";
        }
        if (nanos < 60_000_000_000L) {
            return decimal(nanos, 1_000_000_000L) + " s";
        }
        if (nanos < 3_600_000_000_000L) {
            return decimal(nanos, 60_000_000_000L) + " min";
        }
        if (nanos < 86_400_000_000_000L) {
            return decimal(nanos, 3_600_000_000_000L) + " h";
        }
        return decimal(nanos, 86_400_000_000_000L) + " d";
    }

    /** {@code nanos / unit} with at most three decimals, trailing zeros dropped. */
    private static String decimal(long nanos, long unit) {
        long whole = nanos / unit;
        long thousandths = (nanos % unit) * 1000L / unit;
        if (thousandths == 0L) {
            return Long.toString(whole);
        }
        String fraction = String.format("%03d", thousandths);
        int end = fraction.length();
        while (fraction.charAt(end - 1) == '0') {
            end--;
        }
        return whole + "." + fraction.substring(0, end);
    }
}
