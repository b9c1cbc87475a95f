package dev.throttle.kernel;

import java.util.OptionalLong;

/**
 * A rate grant: its permits were spent when granted, so closing and dropping it change nothing. Settling reconciles
 * the estimate with the permits actually used, once, through the {@link Account} of the limiter that granted it (a
 * local limiter's state, a Redis script's adjust mode, or nothing for a grant made without a store).
 */
public final class RatePermit extends AbstractPermit {

    /**
     * Where a rate limiter takes back, or charges, the difference between a grant and what was used.
     */
    public interface Account {

        /** The account of a grant that took nothing anywhere (a fail-open grant, a dry run's): nothing to settle. */
        Account NONE = new Account() {
            @Override
            public void adjust(long delta, long grantedAt) {
                // Nothing was taken.
            }

            @Override
            public String toString() {
                return "nothing";
            }
        };

        /**
         * Takes {@code delta} more permits ({@code delta > 0}, into debt if need be) or gives {@code -delta} back
         * ({@code delta < 0}), with the algorithm's rules for where a give-back may land.
         *
         * @param delta permits to take (positive) or give back (negative), not 0
         * @param grantedAt the clock reading of the decision that granted the permits
         * @throws RuntimeException if a store failed to apply it
         */
        void adjust(long delta, long grantedAt);

        /**
         * Gives a whole grant back without waiting and without throwing (a withdrawn grant). Defaults to
         * {@link #adjust(long, long)}, which a local limiter applies at once.
         *
         * @param permits the permits of the grant, 1 or more
         * @param grantedAt the clock reading of the decision that granted them
         */
        default void withdraw(long permits, long grantedAt) {
            try {
                adjust(-permits, grantedAt);
            } catch (RuntimeException failure) {
                // The permits stay taken, which never over-admits.
            }
        }

        /**
         * How long after a decision the limit will have more quota than that decision left, where the limiter can
         * tell: the end of a fixed window, a bucket's next permit. For the RateLimit field's {@code t}. Defaults to
         * empty (not known: a store's grant).
         *
         * @param grantedAt the clock reading of the decision
         * @return nanoseconds from {@code grantedAt}, 1 or more; empty when not known or when no more can come (a full
         *     bucket)
         */
        default OptionalLong refillNanos(long grantedAt) {
            return OptionalLong.empty();
        }
    }

    private final Account account;
    private final long grantedAt;

    /**
     * A grant.
     *
     * @param limiter the name of the limiter that granted it
     * @param permits the permits granted
     * @param remaining the permits still available right after the grant
     * @param limit the limit of the decision
     * @param account where settling goes
     * @param grantedAt the clock reading of the decision, handed back to the account
     */
    public RatePermit(String limiter, long permits, long remaining, long limit, Account account, long grantedAt) {
        super(limiter, permits, remaining, limit);
        this.account = account;
        this.grantedAt = grantedAt;
    }

    /**
     * A grant.
     *
     * @return true
     */
    @Override
    public boolean granted() {
        return true;
    }

    /**
     * A grant needs no retry.
     *
     * @return 0
     */
    @Override
    public long retryAfterNanos() {
        return 0L;
    }

    /**
     * The clock reading of the decision that granted the permits.
     *
     * @return the reading
     */
    public long grantedAt() {
        return grantedAt;
    }

    /**
     * How long after this grant the limit will have more quota than it left, where its limiter can tell
     * ({@link Account#refillNanos}).
     *
     * @return nanoseconds from the grant, or empty when not known
     */
    public OptionalLong refillNanos() {
        return account.refillNanos(grantedAt);
    }

    /** A rate permit is spent when granted: nothing to give back. */
    @Override
    public void close() {
        // Spent when granted.
    }

    /** Rate limits do not learn from overload: nothing to do. */
    @Override
    public void dropped() {
        // Rate limits do not learn from overload.
    }

    /**
     * Charges or gives back {@code actualPermits − permits()} through the limiter's account, once; settling to the
     * estimate costs nothing.
     *
     * @param actualPermits the permits actually used, zero or more
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     * @throws IllegalStateException if the permit was already settled or withdrawn
     */
    @Override
    public void settle(long actualPermits) {
        if (claimSettle(actualPermits) && actualPermits != permits()) {
            account.adjust(actualPermits - permits(), grantedAt);
        }
    }

    /**
     * Settles below the grant without waiting: gives {@code permits() − actualPermits} back through the account's
     * {@link Account#withdraw}, which a store sends without awaiting it (if it fails, the permits stay taken, which
     * never over-admits). For grants returned in the background, such as the unused rest of a lease.
     *
     * @param actualPermits the permits actually used, from zero to {@link #permits()}
     * @throws IllegalArgumentException if {@code actualPermits} is negative or more than {@link #permits()}
     * @throws IllegalStateException if the permit was already settled or withdrawn
     */
    public void settleWithoutWaiting(long actualPermits) {
        if (actualPermits > permits()) {
            throw new IllegalArgumentException("actualPermits = " + actualPermits + " is out of range; allowed range"
                    + " is [0, " + permits() + "]");
        }
        if (claimSettle(actualPermits) && actualPermits != permits()) {
            account.withdraw(permits() - actualPermits, grantedAt);
        }
    }

    /** Gives the whole grant back through the account without waiting, unless it was settled already. */
    @Override
    public void withdraw() {
        if (claimWithdrawal()) {
            account.withdraw(permits(), grantedAt);
        }
    }
}
