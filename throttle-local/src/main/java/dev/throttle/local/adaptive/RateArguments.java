package dev.throttle.local.adaptive;

/**
 * Checks of the floating-point arguments of this package (thresholds, ratios, percentiles), in the wording of
 * {@link dev.throttle.Arguments}: the parameter, the value and the allowed range. {@code Arguments} checks only
 * integers and durations; everything else here goes through it.
 */
final class RateArguments {

    private RateArguments() {
    }

    /** Checks that a value is a finite number. */
    static double requireFinite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range; allowed range is ("
                    + -Double.MAX_VALUE + ", " + Double.MAX_VALUE + ")");
        }
        return value;
    }

    /** Checks {@code min < value < max}, both bounds excluded. */
    static double requireBetweenExclusive(String name, double value, double min, double max) {
        if (!(value > min && value < max)) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range; allowed range is ("
                    + min + ", " + max + ")");
        }
        return value;
    }

    /** Checks {@code min < value <= max}. */
    static double requireAboveAtMost(String name, double value, double min, double max) {
        if (!(value > min && value <= max)) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range; allowed range is ("
                    + min + ", " + max + "]");
        }
        return value;
    }

    /** Checks that a value is a number, possibly infinite. */
    static double requireNumber(String name, double value) {
        if (Double.isNaN(value)) {
            throw new IllegalArgumentException(name + " = NaN is out of range; allowed range is [-Infinity, Infinity]");
        }
        return value;
    }

    /** Checks the hysteresis band of a step: a recover threshold strictly below the degrade one. */
    static void requireBand(String prefix, double degradeAt, double recoverBelow) {
        requireNumber(prefix + "degradeAt", degradeAt);
        requireNumber(prefix + "recoverBelow", recoverBelow);
        if (!(recoverBelow < degradeAt)) {
            throw new IllegalArgumentException(prefix + "recoverBelow = " + recoverBelow
                    + " is out of range; allowed range is [-Infinity, " + degradeAt
                    + "), below " + prefix + "degradeAt, so that a hysteresis band separates the thresholds");
        }
    }
}
