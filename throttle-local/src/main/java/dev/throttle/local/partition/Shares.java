package dev.throttle.local.partition;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Turns partitions' shares into guaranteed permits. A share is read as the decimal it is written as
 * ({@code 0.29} is exactly 29/100, not the binary double below it), so {@code floor(share × limit)} never loses a
 * permit to rounding error. Since every guarantee is rounded down, {@code Σ guarantee ≤ floor(Σ share × limit) ≤ limit}:
 * the guarantees never exceed the limit.
 */
final class Shares {

    private Shares() {
    }

    /**
     * Checks one share: a number in {@code (0, 1]}.
     *
     * @return the share as an exact decimal
     */
    static BigDecimal requireShare(String name, double share) {
        if (!(share > 0.0 && share <= 1.0)) { // also refuses NaN
            throw new IllegalArgumentException(name + " = " + share + " is out of range; allowed range is (0, 1]");
        }
        return BigDecimal.valueOf(share);
    }

    /** Checks that shares sum to at most one. */
    static void requireSumAtMostOne(BigDecimal[] shares) {
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal share : shares) {
            sum = sum.add(share);
        }
        if (sum.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("shares sum to " + sum.toPlainString()
                    + ", out of range; allowed range is (0, 1]");
        }
    }

    /** The guaranteed permits of each partition under a limit: {@code floor(share × limit)}. */
    static long[] guarantees(BigDecimal[] shares, long limit) {
        long[] guarantees = new long[shares.length];
        BigDecimal total = BigDecimal.valueOf(limit);
        for (int p = 0; p < shares.length; p++) {
            guarantees[p] = shares[p].multiply(total).setScale(0, RoundingMode.FLOOR).longValueExact();
        }
        return guarantees;
    }
}
