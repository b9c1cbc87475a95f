package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One tier of a {@link TokenBudget}: an all-of composite over the limits its requests count on, asking the request
 * limits for one request and the token limits for the estimate. Its permits are {@link TokenBudgetPermit}s.
 */
final class TokenBudgetTier implements Limiter {

    private final String name;
    private final TokenBudgetSpec spec;
    private final AllOfLimiter composite;
    private final int[] tokenParts;
    private final long maxEstimate;

    TokenBudgetTier(String name, TokenBudgetSpec spec, AllOfLimiter composite, int[] tokenParts, long maxEstimate) {
        this.name = name;
        this.spec = spec;
        this.composite = composite;
        this.tokenParts = tokenParts;
        this.maxEstimate = maxEstimate;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TokenBudgetSpec spec() {
        return spec;
    }

    /** The largest estimate this tier accepts: the smallest of its token limits. */
    long maxEstimate() {
        return maxEstimate;
    }

    @Override
    public Permit tryAcquire(long estimatedTokens) {
        requireEstimate(estimatedTokens);
        return wrap(composite.tryAcquire(estimatedTokens), estimatedTokens);
    }

    @Override
    public Permit acquire(long estimatedTokens, Duration maxWait) {
        Arguments.waitNanos("maxWait", maxWait);
        requireEstimate(estimatedTokens);
        return wrap(composite.acquire(estimatedTokens, maxWait), estimatedTokens);
    }

    /**
     * Waits through the composite's own acquisition; cancelling the returned future cancels it, and a grant arriving
     * after that is given back whole.
     */
    @Override
    public CompletableFuture<Permit> acquireAsync(long estimatedTokens, Duration maxWait) {
        Arguments.waitNanos("maxWait", maxWait);
        requireEstimate(estimatedTokens);
        CompletableFuture<Permit> inner = composite.acquireAsync(estimatedTokens, maxWait);
        CompletableFuture<Permit> outer = new CompletableFuture<>();
        inner.whenComplete((permit, failure) -> {
            if (failure != null) {
                outer.completeExceptionally(failure);
            } else if (!outer.complete(wrap(permit, estimatedTokens)) && permit.granted()) {
                permit.giveBack();
            }
        });
        outer.whenComplete((permit, failure) -> {
            if (outer.isCancelled()) {
                inner.cancel(false);
            }
        });
        return outer;
    }

    /**
     * The tokens a request could be granted now, if the request limits and the slot allow one request at all.
     *
     * @return zero or more
     */
    @Override
    public long availablePermits() {
        return composite.availablePermits();
    }

    private void requireEstimate(long estimatedTokens) {
        Arguments.requireInRange("estimatedTokens", estimatedTokens, 1L, maxEstimate);
    }

    private Permit wrap(Permit decision, long estimatedTokens) {
        if (decision instanceof AllOfPermit grant) {
            return TokenBudgetPermit.granted(name, grant, tokenParts);
        }
        return TokenBudgetPermit.refused(decision, estimatedTokens);
    }

    @Override
    public String toString() {
        return "TokenBudget[" + name + ": " + spec + "]";
    }
}
