package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;

/**
 * Checks of the algorithms' settings that {@link Arguments} does not cover: fractions and factors given as
 * {@code double}, and the order of the minimum, initial and maximum limits. Failures read like those of
 * {@link Arguments}: the parameter, the value and the allowed range.
 */
final class AlgorithmChecks {

    private AlgorithmChecks() {
    }

    /** Checks {@code min <= value <= max}, refusing NaN. */
    static double requireInRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range; allowed range is [" + min
                    + ", " + max + "]");
        }
        return value;
    }

    /** Checks {@code min < value <= max}, refusing NaN. */
    static double requireAboveUpTo(String name, double value, double min, double max) {
        if (!(value > min && value <= max)) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range; allowed range is (" + min
                    + ", " + max + "]");
        }
        return value;
    }

    /** Checks {@code min <= value < max}, refusing NaN. */
    static double requireFromBelow(String name, double value, double min, double max) {
        if (!(value >= min && value < max)) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range; allowed range is [" + min
                    + ", " + max + ")");
        }
        return value;
    }

    /** Checks that a limit setting is a positive {@code int}. */
    static int requireLimit(String name, int value) {
        return (int) Arguments.requireInRange(name, value, 1, Integer.MAX_VALUE);
    }

    /** Checks {@code minLimit <= initialLimit <= maxLimit}, once all three are known. */
    static void requireOrdered(int minLimit, int initialLimit, int maxLimit) {
        Arguments.requireInRange("maxLimit", maxLimit, minLimit, Integer.MAX_VALUE);
        Arguments.requireInRange("initialLimit", initialLimit, minLimit, maxLimit);
    }

    /** Keeps an estimate within the limits. */
    static double clamp(double estimate, int minLimit, int maxLimit) {
        return Math.max(minLimit, Math.min(maxLimit, estimate));
    }

    /** Moves part of the way from the current estimate to the target: {@code smoothing} 1 goes all the way. */
    static double smooth(double current, double target, double smoothing) {
        return current + smoothing * (target - current);
    }

    /** {@code a + b} for non-negative {@code b}, saturating instead of overflowing. */
    static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }
}
