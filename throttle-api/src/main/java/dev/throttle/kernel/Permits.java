package dev.throttle.kernel;

import dev.throttle.Permit;

/** Giving grants back, for every permit of every engine and for permits of limiters the kernel does not know. */
public final class Permits {

    private Permits() {
    }

    /**
     * Gives back a grant its caller will never hold (its acquisition was cancelled, or the grant came after its
     * decision timed out), without waiting for a store and without reporting an outcome. A permit of another
     * library is given back with {@link Permit#giveBack()}. Never throws; does nothing on a refusal.
     *
     * @param permit the grant
     */
    public static void withdraw(Permit permit) {
        if (permit instanceof AbstractPermit own) {
            own.withdraw();
        } else if (permit instanceof ObservedPermit observed) {
            observed.withdraw();
        } else if (permit != null) {
            try {
                permit.giveBack();
            } catch (RuntimeException failure) {
                // A foreign permit's failure to give back keeps its permits taken, which never over-admits.
            }
        }
    }

    /**
     * Gives back, latest first, the first {@code count} grants of {@code granted} (nulls skipped), whole, as
     * {@link Permit#giveBack()} does: for the parts an all-of request took before a later part refused.
     *
     * @param granted the grants, in the order they were taken
     * @param count how many of them to give back
     */
    public static void giveBackAll(Permit[] granted, int count) {
        for (int i = count - 1; i >= 0; i--) {
            if (granted[i] != null) {
                granted[i].giveBack();
            }
        }
    }

    /**
     * Withdraws, latest first, the first {@code count} grants of {@code granted} (nulls skipped).
     *
     * @param granted the grants, in the order they were taken
     * @param count how many of them to withdraw
     */
    public static void withdrawAll(Permit[] granted, int count) {
        for (int i = count - 1; i >= 0; i--) {
            withdraw(granted[i]);
        }
    }
}
