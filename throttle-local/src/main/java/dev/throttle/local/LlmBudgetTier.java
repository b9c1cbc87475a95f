package dev.throttle.local;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.AllOfLimiter;
import dev.throttle.kernel.AllOfPermit;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.RefusedPermit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One tier of a {@link LlmBudget}: the kernel's all-of composite over the limits its requests count on, asking the
 * request limits for one request and the token limits for the estimate. A grant settles its token parts only
 * ({@link AllOfPermit#settling}); a refusal names the refusing limit, restated for the estimate asked.
 */
final class LlmBudgetTier extends AllOfLimiter {

    private final LimitSpec tokenLimit;
    private final int[] tokenParts;

    LlmBudgetTier(String name, Ticker ticker, Scheduler scheduler, List<Limiter> parts, long[] demands,
            int[] tokenParts, long maxEstimate) {
        super(name, ticker, scheduler, parts, demands);
        this.tokenParts = tokenParts.clone();
        this.tokenLimit = LlmBudget.Spec.perMinute(maxEstimate);
    }

    /**
     * The tightest token limit its requests count on: a bucket of the largest estimate this tier accepts per minute.
     *
     * @return the bucket
     */
    @Override
    public LimitSpec spec() {
        return tokenLimit;
    }

    @Override
    public Permit tryAcquire(long estimatedTokens) {
        requireEstimate(estimatedTokens);
        return super.tryAcquire(estimatedTokens);
    }

    @Override
    public Permit acquire(long estimatedTokens, Duration maxWait) {
        Arguments.waitNanos("maxWait", maxWait);
        requireEstimate(estimatedTokens);
        return super.acquire(estimatedTokens, maxWait);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long estimatedTokens, Duration maxWait) {
        Arguments.waitNanos("maxWait", maxWait);
        requireEstimate(estimatedTokens);
        return super.acquireAsync(estimatedTokens, maxWait);
    }

    private void requireEstimate(long estimatedTokens) {
        Arguments.requireInRange("estimatedTokens", estimatedTokens, 1L, capacity());
    }

    /** A grant in tokens: remaining and limit from the token part with the fewest tokens left. */
    @Override
    protected Permit grant(long permits, Permit[] granted) {
        return AllOfPermit.settling(name(), permits, granted, tokenParts);
    }

    /** The refusing limit's own terms (requests, tokens or slots), for the estimate that was asked. */
    @Override
    protected Permit refusal(Permit partRefusal, long permits) {
        return RefusedPermit.of(partRefusal.limiterName(), permits, partRefusal.retryAfterNanos(),
                partRefusal.remaining(), partRefusal.limit());
    }

    /**
     * The tier for logs, for example {@code Limiter[chat: LLM budget tier, up to 4000 tokens a request; 1234 tokens
     * available]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + name() + ": LLM budget tier, up to " + capacity() + " tokens a request; "
                + availablePermits() + " tokens available]";
    }
}
