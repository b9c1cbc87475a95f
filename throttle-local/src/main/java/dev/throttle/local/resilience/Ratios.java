package dev.throttle.local.resilience;

/** The checks of ratio parameters, which {@link dev.throttle.Arguments} (integral and durations only) lacks. */
final class Ratios {

    private Ratios() {
    }

    /**
     * Checks that a ratio lies in {@code (0, 1]}.
     *
     * @param name the parameter's name, for the message
     * @param ratio the value
     * @return the value
     * @throws IllegalArgumentException if it is NaN, zero, negative or above one
     */
    static double requireRatio(String name, double ratio) {
        if (!(ratio > 0.0 && ratio <= 1.0)) {
            throw new IllegalArgumentException(name + " = " + ratio + " is out of range; allowed range is (0, 1]");
        }
        return ratio;
    }

    /**
     * Checks that a ratio is finite and not negative.
     *
     * @param name the parameter's name, for the message
     * @param ratio the value
     * @param max the largest allowed value
     * @return the value
     * @throws IllegalArgumentException if it is NaN, negative or above {@code max}
     */
    static double requireNonNegative(String name, double ratio, double max) {
        if (!(ratio >= 0.0 && ratio <= max)) {
            throw new IllegalArgumentException(name + " = " + ratio + " is out of range; allowed range is [0, " + max
                    + "]");
        }
        return ratio;
    }
}
