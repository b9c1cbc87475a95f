package dev.throttle.kernel;

import dev.throttle.Permit;

/**
 * The grant of an all-of composite: one granted permit per part, ended together. Its {@link #remaining()} and
 * {@link #limit()} are those of the tightest settled part (the one with the fewest permits left).
 *
 * <p>Settling applies to the parts that count what the caller settles: every part for a plain composite; only the
 * token limits of a token budget, whose request-count and concurrency parts hold a fixed demand.
 */
public final class AllOfPermit extends AbstractPermit {

    private final Permit[] parts;
    /** The indices of the parts that settle; null for all of them. */
    private final int[] settled;

    private AllOfPermit(String limiter, long permits, Permit tightest, Permit[] parts, int[] settled) {
        super(limiter, permits, tightest.remaining(), tightest.limit());
        this.parts = parts;
        this.settled = settled;
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
     * A composite grant whose every part settles.
     *
     * @param limiter the composite's name
     * @param permits the permits granted
     * @param parts the parts' grants, in the order they were asked
     * @return the grant
     */
    public static AllOfPermit of(String limiter, long permits, Permit[] parts) {
        return new AllOfPermit(limiter, permits, tightest(parts, null), parts, null);
    }

    /**
     * A composite grant whose listed parts settle and tell {@link #remaining()} and {@link #limit()}.
     *
     * @param limiter the composite's name
     * @param permits the permits granted, in the settled parts' unit
     * @param parts the parts' grants, in the order they were asked
     * @param settled the indices of the parts that settle, at least one
     * @return the grant
     */
    public static AllOfPermit settling(String limiter, long permits, Permit[] parts, int[] settled) {
        return new AllOfPermit(limiter, permits, tightest(parts, settled), parts, settled);
    }

    private static Permit tightest(Permit[] parts, int[] among) {
        Permit min = null;
        int count = among == null ? parts.length : among.length;
        for (int i = 0; i < count; i++) {
            Permit part = parts[among == null ? i : among[i]];
            if (min == null || part.remaining() < min.remaining()) {
                min = part;
            }
        }
        return min;
    }

    /**
     * The grant of one part.
     *
     * @param index the part's position, in the order the parts were asked
     * @return its permit
     */
    public Permit part(int index) {
        return parts[index];
    }

    /**
     * Ends every part's grant, latest first, as giving back does. Idempotent, as each part's is.
     *
     * <p>Why latest first: ending a part can hand its permits to a request of this same composite waiting on that
     * part, which then asks the later parts at once, on this thread. Ended first to last, the later parts would
     * still be held by this very grant and refuse it; last to first, they are free by then.
     */
    @Override
    public void close() {
        for (int i = parts.length - 1; i >= 0; i--) {
            parts[i].close();
        }
    }

    /** Ends every part's grant reporting overload, latest first (see {@link #close()}). */
    @Override
    public void dropped() {
        for (int i = parts.length - 1; i >= 0; i--) {
            parts[i].dropped();
        }
    }

    /**
     * Settles every settling part at {@code actualPermits}, once.
     *
     * @param actualPermits the permits actually used, zero or more (at most the grant when a part is a slot lease)
     * @throws IllegalArgumentException if {@code actualPermits} is out of a part's range
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        claimSettle(actualPermits);
        if (settled == null) {
            for (Permit part : parts) {
                part.settle(actualPermits);
            }
        } else {
            for (int index : settled) {
                parts[index].settle(actualPermits);
            }
        }
    }

    /** Gives every part's grant back, latest first, without waiting. */
    @Override
    public void withdraw() {
        claimWithdrawal();
        Permits.withdrawAll(parts, parts.length);
    }
}
