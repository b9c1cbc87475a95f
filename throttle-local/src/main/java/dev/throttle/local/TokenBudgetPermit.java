package dev.throttle.local;

import dev.throttle.AbstractPermit;
import dev.throttle.Permit;

/**
 * A {@link TokenBudget}'s answer. A grant holds one grant of the all-of composite (a request, the estimated tokens,
 * maybe a slot); settling it corrects only the token parts. A refusal repeats the refusing part's name, retry time,
 * remaining and limit, for the estimate that was asked.
 */
final class TokenBudgetPermit extends AbstractPermit {

    /** The composite's grant; null for a refusal. */
    private final AllOfPermit grant;
    /** The indices, in {@link #grant}, of the parts that count tokens. */
    private final int[] tokenParts;

    private TokenBudgetPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit, AllOfPermit grant, int[] tokenParts) {
        super(limiter, granted, permits, retryAfterNanos, remaining, limit);
        this.grant = grant;
        this.tokenParts = tokenParts;
    }

    /** A grant: remaining and limit in tokens, from the token part with the fewest tokens left. */
    static Permit granted(String limiter, AllOfPermit grant, int[] tokenParts) {
        Permit tightest = grant.part(tokenParts[0]);
        for (int index : tokenParts) {
            if (grant.part(index).remaining() < tightest.remaining()) {
                tightest = grant.part(index);
            }
        }
        return new TokenBudgetPermit(limiter, true, grant.permits(), 0L, tightest.remaining(), tightest.limit(),
                grant, tokenParts);
    }

    /** A refusal of {@code estimatedTokens}, in the refusing part's own terms (requests, tokens or slots). */
    static Permit refused(Permit refusal, long estimatedTokens) {
        return new TokenBudgetPermit(refusal.limiter(), false, estimatedTokens, refusal.retryAfterNanos(),
                refusal.remaining(), refusal.limit(), null, null);
    }

    /** Ends the request: gives its concurrency slot back, if the budget has one. Idempotent. */
    @Override
    public void close() {
        if (grant != null) {
            grant.close();
        }
    }

    /** The same as {@link #close()}: the budget's limits do not adapt to overload. */
    @Override
    public void dropped() {
        if (grant != null) {
            grant.dropped();
        }
    }

    /**
     * Sets the tokens the request actually used, on every token limit it counted on; the request itself stays
     * counted. Fewer than estimated gives the difference back; more takes the extra, into debt if need be. Allowed
     * once, before or after {@link #close()}.
     *
     * @param actualPermits the tokens actually used, zero or more
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        if (!claimSettle(actualPermits)) {
            return;
        }
        for (int index : tokenParts) {
            grant.part(index).settle(actualPermits);
        }
    }
}
