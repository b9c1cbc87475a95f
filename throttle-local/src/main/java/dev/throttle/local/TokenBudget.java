package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Concurrency;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Throttling for LLM-style calls, where one call spends from several limits at once: requests per minute (RPM),
 * tokens per minute (TPM) and optionally a concurrency limit, all or nothing. The tokens a call will use are known
 * only once it has finished, so a call is admitted on an estimate and settled afterwards:
 * <pre>{@code
 * TokenBudget budget = TokenBudget.builder("gpt").requestsPerMinute(500).tokensPerMinute(90_000).build();
 * try (Permit permit = budget.acquire(estimatedTokens, Duration.ofSeconds(5))) {
 *     if (!permit.granted()) {
 *         throw new ThrottledException(permit);       // permit.limiter() names the limit that refused
 *     }
 *     Response response = client.call(request);
 *     permit.settle(response.usage().totalTokens());  // corrects the TPM limit only
 * }
 * }</pre>
 *
 * <h2>Accounting</h2>
 * <ul>
 *   <li>A request takes one request from the RPM limit, its estimate from the TPM limit (and from its tier's token
 *   limits), and a slot from the concurrency limit, or nothing at all: a refusal by any limit gives back what the
 *   others granted, exactly, and names the refusing limit ({@code <name>/rpm}, {@code <name>/tpm},
 *   {@code <name>/concurrency}, ...) with that limit's retry time.</li>
 *   <li>{@link Permit#settle(long)} with the tokens actually used corrects the token limits only: fewer than the
 *   estimate gives the difference back at once; more takes the extra, into debt if the bucket is empty, so later
 *   requests wait until the debt is paid at the TPM rate. Settling is allowed once (a second call throws
 *   {@link IllegalStateException}), before or after {@link Permit#close()}; closing without settling keeps the
 *   estimate.</li>
 *   <li>{@link Permit#close()} (or {@link Permit#dropped()}) gives the concurrency slot back.</li>
 * </ul>
 * Each per-minute limit is a token bucket holding one minute's worth ({@link TokenBudgetSpec}).
 *
 * <h2>Tiers</h2>
 * {@link #tier(String)} gives the limiter of a tier of the spec: a tier may have a token limit of its own, or a
 * reserved share of the budget's tokens that the other tiers cannot use (see {@link TokenBudgetSpec.Tier}). This
 * budget's own methods serve the default tier.
 *
 * <h2>Waiting</h2>
 * {@link #acquire(long, Duration)} and {@link #acquireAsync(long, Duration)} wait as {@link Limiters#allOf} does: the
 * whole request is asked again at the refusing limit's retry time, and a missing slot is queued for on the
 * concurrency limit (without bound on the queue's length: each waiter leaves at its own deadline). No thread sleeps.
 *
 * <p>The budget lives in {@code dev.throttle.local} because it is the engine's all-of composite with per-part
 * demands (a request count next to a token count), not a new algorithm. Thread-safe and lock-free, like its parts.
 */
public final class TokenBudget implements Limiter {

    private final String name;
    private final TokenBudgetSpec spec;
    private final RateLimiter requests;
    private final RateLimiter tokens;
    private final TokenBudgetTier defaultTier;
    private final Map<String, TokenBudgetTier> tiers;

    private TokenBudget(String name, TokenBudgetSpec spec, LocalEngine engine) {
        this.name = name;
        this.spec = spec;
        this.requests = new GcraLimiter(name + "/rpm", TokenBudgetSpec.perMinute(spec.requestsPerMinute()),
                engine.ticker(), engine.scheduler());
        this.tokens = new GcraLimiter(name + "/tpm", TokenBudgetSpec.perMinute(spec.tokensPerMinute()),
                engine.ticker(), engine.scheduler());
        RateLimiter unreserved = spec.unreservedTokensPerMinute() == spec.tokensPerMinute() ? null
                : new GcraLimiter(name + "/tpm-unreserved",
                        TokenBudgetSpec.perMinute(spec.unreservedTokensPerMinute()), engine.ticker(),
                        engine.scheduler());
        Limiter concurrency = spec.maxConcurrent() == 0L ? null
                : new ConcurrencyLimiter(name + "/concurrency",
                        new Concurrency(spec.maxConcurrent(), Integer.MAX_VALUE, Concurrency.QueueOrder.FIFO),
                        engine.ticker(), engine.scheduler());
        this.defaultTier = tier(name, null, unreserved, concurrency, engine);
        Map<String, TokenBudgetTier> byName = new HashMap<>();
        for (TokenBudgetSpec.Tier tier : spec.tiers()) {
            byName.put(tier.name(), tier(name + "[" + tier.name() + "]", tier, unreserved, concurrency, engine));
        }
        this.tiers = Map.copyOf(byName);
    }

    /**
     * Builds the composite of one tier: RPM, TPM, the unreserved share (tiers without a reserve), the tier's own
     * token limit, the concurrency limit; rate limits first so that a slot is never taken for a request they refuse.
     */
    private TokenBudgetTier tier(String tierName, TokenBudgetSpec.Tier tier, RateLimiter unreserved,
            Limiter concurrency, LocalEngine engine) {
        List<Limiter> parts = new ArrayList<>();
        List<Long> demands = new ArrayList<>();
        List<Integer> tokenParts = new ArrayList<>();
        long maxEstimate = spec.tokensPerMinute();
        parts.add(requests);
        demands.add(1L);
        tokenParts.add(parts.size());
        parts.add(tokens);
        demands.add(AllOfLimiter.AS_ASKED);
        if (unreserved != null && (tier == null || tier.reservedTokensPerMinute() == 0L)) {
            tokenParts.add(parts.size());
            parts.add(unreserved);
            demands.add(AllOfLimiter.AS_ASKED);
            maxEstimate = Math.min(maxEstimate, spec.unreservedTokensPerMinute());
        }
        if (tier != null && tier.tokensPerMinute() > 0L) {
            tokenParts.add(parts.size());
            parts.add(new GcraLimiter(tierName + "/tpm", TokenBudgetSpec.perMinute(tier.tokensPerMinute()),
                    engine.ticker(), engine.scheduler()));
            demands.add(AllOfLimiter.AS_ASKED);
            maxEstimate = Math.min(maxEstimate, tier.tokensPerMinute());
        }
        if (concurrency != null) {
            parts.add(concurrency);
            demands.add(1L);
        }
        long[] demandArray = demands.stream().mapToLong(Long::longValue).toArray();
        AllOfLimiter composite = new AllOfLimiter(tierName, engine.ticker(), engine.scheduler(), parts, demandArray);
        return new TokenBudgetTier(tierName, spec, composite, tokenParts.stream().mapToInt(Integer::intValue)
                .toArray(), maxEstimate);
    }

    /**
     * A budget enforcing a spec on an engine's clock and scheduler.
     *
     * @param name the budget's name; its limits are named after it
     * @param spec the limits
     * @param engine supplies the clock and the scheduler
     * @return the budget
     * @throws IllegalArgumentException if an argument is null or the name is empty
     */
    public static TokenBudget of(String name, TokenBudgetSpec spec, LocalEngine engine) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        Arguments.requireNonNull("engine", engine);
        return new TokenBudget(name, spec, engine);
    }

    /**
     * A builder, on the system clock and shared scheduler unless given an engine.
     *
     * @param name the budget's name
     * @return a new builder
     * @throws IllegalArgumentException if the name is null or empty
     */
    public static Builder builder(String name) {
        requireName(name);
        return new Builder(name);
    }

    /**
     * A budget per key (provider, model, tenant), all with one spec, in the default tier; a key is forgotten once
     * its budget is back at rest (about a minute after its last use, longer while in debt), as
     * {@link LocalEngine#keyed} does for any spec.
     *
     * @param name the name of every key's budget
     * @param spec the limits; without a concurrency limit, because a key's slots would not keep it from being
     *     forgotten
     * @param engine supplies the clock and the scheduler
     * @param <K> the key type
     * @return the keyed budgets
     * @throws IllegalArgumentException if an argument is null, the name is empty, or the spec has a concurrency limit
     */
    public static <K> KeyedLimiter<K> keyed(String name, TokenBudgetSpec spec, LocalEngine engine) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        Arguments.requireNonNull("engine", engine);
        if (spec.maxConcurrent() != 0L) {
            throw new IllegalArgumentException("maxConcurrent = " + spec.maxConcurrent()
                    + " is out of range for keyed budgets; allowed range is [0, 0]");
        }
        return new LocalKeyedLimiter<>(name, spec, KeyedOptions.defaults(), engine.ticker(),
                (keyName, keySpec) -> new TokenBudget(keyName, (TokenBudgetSpec) keySpec, engine));
    }

    /**
     * The limiter of a tier: its permits are this budget's, and count on the limits the tier's requests share with
     * every other tier.
     *
     * @param tier the tier's name, as in the spec
     * @return the tier's limiter
     * @throws IllegalArgumentException if the spec has no such tier
     */
    public Limiter tier(String tier) {
        TokenBudgetTier found = tiers.get(Arguments.requireNonNull("tier", tier));
        if (found == null) {
            throw new IllegalArgumentException("tier = " + tier + " is not one of " + tiers.keySet());
        }
        return found;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TokenBudgetSpec spec() {
        return spec;
    }

    /**
     * Asks for one request and {@code estimatedTokens} now, without waiting, in the default tier.
     *
     * @param estimatedTokens the tokens the call is expected to use, from 1 to the tier's largest token limit
     * @return the decision; a refusal names the limit that refused
     * @throws IllegalArgumentException if {@code estimatedTokens} is out of range
     */
    @Override
    public Permit tryAcquire(long estimatedTokens) {
        return defaultTier.tryAcquire(estimatedTokens);
    }

    /**
     * Asks for one request and {@code estimatedTokens}, waiting up to {@code maxWait}, in the default tier.
     *
     * @param estimatedTokens the tokens the call is expected to use, from 1 to the tier's largest token limit
     * @param maxWait how long to wait at most
     * @return the decision; a refusal names the limit that refused
     * @throws IllegalArgumentException if an argument is out of range
     */
    @Override
    public Permit acquire(long estimatedTokens, Duration maxWait) {
        return defaultTier.acquire(estimatedTokens, maxWait);
    }

    /**
     * Asks for one request and {@code estimatedTokens} without parking a thread, in the default tier.
     *
     * @param estimatedTokens the tokens the call is expected to use, from 1 to the tier's largest token limit
     * @param maxWait how long to wait at most
     * @return the future decision; cancelling it withdraws the request
     * @throws IllegalArgumentException if an argument is out of range
     */
    @Override
    public CompletableFuture<Permit> acquireAsync(long estimatedTokens, Duration maxWait) {
        return defaultTier.acquireAsync(estimatedTokens, maxWait);
    }

    /**
     * The tokens a request of the default tier could be granted now (zero when no request or slot is free).
     *
     * @return zero or more
     */
    @Override
    public long availablePermits() {
        return defaultTier.availablePermits();
    }

    /**
     * The requests the RPM limit could grant now.
     *
     * @return zero or more
     */
    public long availableRequests() {
        return requests.availablePermits();
    }

    /**
     * The tokens the TPM limit could grant now; zero while in debt.
     *
     * @return zero or more
     */
    public long availableTokens() {
        return tokens.availablePermits();
    }

    @Override
    public String toString() {
        return "TokenBudget[" + name + ": " + spec + "]";
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
    }

    /** Builds a {@link TokenBudget}; requests and tokens per minute are required. */
    public static final class Builder {
        private final String name;
        private LocalEngine engine;
        private long requestsPerMinute;
        private long tokensPerMinute;
        private long maxConcurrent;
        private final List<TokenBudgetSpec.Tier> tiers = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Sets the RPM limit.
         *
         * @param requestsPerMinute from 1 to {@value TokenBudgetSpec#MAX_PER_MINUTE}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder requestsPerMinute(long requestsPerMinute) {
            this.requestsPerMinute = Arguments.requireInRange("requestsPerMinute", requestsPerMinute, 1L,
                    TokenBudgetSpec.MAX_PER_MINUTE);
            return this;
        }

        /**
         * Sets the TPM limit, also the largest estimate one request may carry.
         *
         * @param tokensPerMinute from 1 to {@value TokenBudgetSpec#MAX_PER_MINUTE}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder tokensPerMinute(long tokensPerMinute) {
            this.tokensPerMinute = Arguments.requireInRange("tokensPerMinute", tokensPerMinute, 1L,
                    TokenBudgetSpec.MAX_PER_MINUTE);
            return this;
        }

        /**
         * Sets a concurrency limit (default: none).
         *
         * @param maxConcurrent from 1 to {@link Integer#MAX_VALUE}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxConcurrent(long maxConcurrent) {
            this.maxConcurrent = Arguments.requireInRange("maxConcurrent", maxConcurrent, 1L, Integer.MAX_VALUE);
            return this;
        }

        /**
         * Adds a tier with a token limit of its own.
         *
         * @param tier the tier's name
         * @param tokensPerMinute its own limit, from 1 to the budget's
         * @return this builder
         * @throws IllegalArgumentException if the name is empty or the limit out of range
         */
        public Builder tierTokensPerMinute(String tier, long tokensPerMinute) {
            tiers.add(TokenBudgetSpec.Tier.limited(tier, tokensPerMinute));
            return this;
        }

        /**
         * Adds a tier for which part of the budget's tokens is reserved: the tiers without a reserve share the rest.
         *
         * @param tier the tier's name
         * @param reservedTokensPerMinute the tokens reserved, 1 or more; the reserves together below the budget's
         * @return this builder
         * @throws IllegalArgumentException if the name is empty or the reserve out of range
         */
        public Builder reserveTokensPerMinute(String tier, long reservedTokensPerMinute) {
            tiers.add(TokenBudgetSpec.Tier.reserved(tier, reservedTokensPerMinute));
            return this;
        }

        /**
         * Adds a tier.
         *
         * @param tier the tier
         * @return this builder
         * @throws IllegalArgumentException if the tier is null
         */
        public Builder tier(TokenBudgetSpec.Tier tier) {
            tiers.add(Arguments.requireNonNull("tier", tier));
            return this;
        }

        /**
         * Sets the engine whose clock and scheduler the budget uses (default: {@link LocalEngine#create()}).
         *
         * @param engine the engine
         * @return this builder
         * @throws IllegalArgumentException if the engine is null
         */
        public Builder engine(LocalEngine engine) {
            this.engine = Arguments.requireNonNull("engine", engine);
            return this;
        }

        /**
         * The spec built so far.
         *
         * @return the spec
         * @throws IllegalArgumentException if the RPM or TPM limit is missing, or the tiers do not fit the limits
         */
        public TokenBudgetSpec spec() {
            if (requestsPerMinute == 0L || tokensPerMinute == 0L) {
                throw new IllegalArgumentException("requestsPerMinute and tokensPerMinute must both be set");
            }
            return new TokenBudgetSpec(requestsPerMinute, tokensPerMinute, maxConcurrent, tiers);
        }

        /**
         * Builds the budget, its limits full.
         *
         * @return the budget
         * @throws IllegalArgumentException if the RPM or TPM limit is missing, or the tiers do not fit the limits
         */
        public TokenBudget build() {
            return new TokenBudget(name, spec(), engine != null ? engine : LocalEngine.create());
        }
    }
}
