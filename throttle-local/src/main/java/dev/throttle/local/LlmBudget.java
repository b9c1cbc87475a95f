package dev.throttle.local;

import dev.throttle.Concurrency;
import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.AllOfLimiter;
import dev.throttle.kernel.Arguments;
import dev.throttle.local.limiters.LocalKeyedLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Throttling for LLM-style calls, where one call spends from several limits at once: requests per minute (RPM),
 * tokens per minute (TPM) and optionally a concurrency limit, all or nothing. The tokens a call will use are known
 * only once it has finished, so a call is admitted on an estimate and settled afterwards:
 * <pre>{@code
 * LlmBudget budget = LlmBudget.builder("gpt").requestsPerMinute(500).tokensPerMinute(90_000).build();
 * try (Permit permit = budget.acquire(estimatedTokens, Duration.ofSeconds(5))) {
 *     if (!permit.granted()) {
 *         throw new ThrottledException(permit);       // permit.limiterName() names the limit that refused
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
 * Each per-minute limit is a token bucket holding one minute's worth ({@link Spec}).
 *
 * <h2>Tiers</h2>
 * {@link #tier(String)} gives the limiter of a tier of the spec: a tier may have a token limit of its own, or a
 * reserved share of the budget's tokens that the other tiers cannot use (see {@link Spec.Tier}). This
 * budget's own methods serve the default tier.
 *
 * <h2>Waiting</h2>
 * {@link #acquire(long, Duration)} and {@link #acquireAsync(long, Duration)} wait as {@link dev.throttle.Limiters#allOf} does: the
 * whole request is asked again at the refusing limit's retry time, and a missing slot is queued for on the
 * concurrency limit (without bound on the queue's length: each waiter leaves at its own deadline). No thread sleeps.
 *
 * <p>The budget lives in {@code dev.throttle.local} because it is the engine's all-of composite with per-part
 * demands (a request count next to a token count), not a new algorithm. Thread-safe and lock-free, like its parts.
 */
public final class LlmBudget implements Limiter {

    private final String name;
    private final Spec spec;
    private final RateLimiter requests;
    private final RateLimiter tokens;
    private final LlmBudgetTier defaultTier;
    private final Map<String, LlmBudgetTier> tiers;

    private LlmBudget(String name, Spec spec, LocalEngine engine) {
        this.name = name;
        this.spec = spec;
        this.requests = engine.rateLimiter(name + "/rpm", Spec.perMinute(spec.requestsPerMinute()));
        this.tokens = engine.rateLimiter(name + "/tpm", Spec.perMinute(spec.tokensPerMinute()));
        RateLimiter unreserved = spec.unreservedTokensPerMinute() == spec.tokensPerMinute() ? null
                : engine.rateLimiter(name + "/tpm-unreserved",
                        Spec.perMinute(spec.unreservedTokensPerMinute()));
        Limiter concurrency = spec.maxConcurrent() == 0L ? null
                : engine.limiter(name + "/concurrency",
                        new Concurrency(spec.maxConcurrent(), Integer.MAX_VALUE, Concurrency.QueueOrder.FIFO));
        this.defaultTier = tier(name, null, unreserved, concurrency, engine);
        Map<String, LlmBudgetTier> byName = new HashMap<>();
        for (Spec.Tier tier : spec.tiers()) {
            byName.put(tier.name(), tier(name + "[" + tier.name() + "]", tier, unreserved, concurrency, engine));
        }
        this.tiers = Map.copyOf(byName);
    }

    /**
     * Builds the composite of one tier: RPM, TPM, the unreserved share (tiers without a reserve), the tier's own
     * token limit, the concurrency limit; rate limits first so that a slot is never taken for a request they refuse.
     */
    private LlmBudgetTier tier(String tierName, Spec.Tier tier, RateLimiter unreserved,
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
            parts.add(engine.rateLimiter(tierName + "/tpm", Spec.perMinute(tier.tokensPerMinute())));
            demands.add(AllOfLimiter.AS_ASKED);
            maxEstimate = Math.min(maxEstimate, tier.tokensPerMinute());
        }
        if (concurrency != null) {
            parts.add(concurrency);
            demands.add(1L);
        }
        long[] demandArray = demands.stream().mapToLong(Long::longValue).toArray();
        return new LlmBudgetTier(tierName, engine.ticker(), engine.scheduler(), parts, demandArray,
                tokenParts.stream().mapToInt(Integer::intValue).toArray(), maxEstimate);
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
    public static LlmBudget of(String name, Spec spec, LocalEngine engine) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        Arguments.requireNonNull("engine", engine);
        return new LlmBudget(name, spec, engine);
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
    public static <K> KeyedLimiter<K> keyed(String name, Spec spec, LocalEngine engine) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        Arguments.requireNonNull("engine", engine);
        if (spec.maxConcurrent() != 0L) {
            throw new IllegalArgumentException("maxConcurrent = " + spec.maxConcurrent()
                    + " is out of range for keyed budgets; allowed range is [0, 0]");
        }
        LlmBudget probe = new LlmBudget(name, spec, engine); // what every key's budget is
        return new LocalKeyedLimiter<>(name, probe.spec(),
                new LocalKeyedLimiter.KeyState(spec.restNanos(), false), LocalEngine.KeyedOptions.defaults(), engine.ticker(),
                () -> new LlmBudget(name, spec, engine));
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
        LlmBudgetTier found = tiers.get(Arguments.requireNonNull("tier", tier));
        if (found == null) {
            throw new IllegalArgumentException("tier = " + tier + " is not one of " + tiers.keySet());
        }
        return found;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The token limit of the default tier: a bucket of the largest estimate a request may carry, per minute. The
     * whole budget is {@link #budget()}.
     *
     * @return the bucket
     */
    @Override
    public LimitSpec spec() {
        return defaultTier.spec();
    }

    /**
     * The limits of this budget: requests and tokens per minute, the concurrency limit, the tiers.
     *
     * @return the budget's spec
     */
    public Spec budget() {
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

    /**
     * The budget for logs: its name, its limits and the tokens it could grant now, for example
     * {@code Limiter[chat: LLM budget 60 requests and 100000 tokens per minute, 5 at once; 1234 tokens available]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + name + ": LLM budget " + spec.requestsPerMinute() + " requests and "
                + spec.tokensPerMinute() + " tokens per minute" + (spec.maxConcurrent() == 0L ? ""
                : ", " + spec.maxConcurrent() + " at once") + "; " + availableTokens() + " tokens available]";
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
    }

    /**
     * The limits of a {@link LlmBudget}: requests per minute, tokens per minute, optionally a concurrency limit, and
     * tiers. Each per-minute limit is a token bucket holding one minute's worth and refilled continuously at its rate, so
     * a caller idle for a minute may spend a whole minute's worth at once, and no minute-long interval ever admits more
     * than twice the rate.
     *
     * @param requestsPerMinute requests per minute, from 1 to {@value #MAX_PER_MINUTE}
     * @param tokensPerMinute tokens per minute, from 1 to {@value #MAX_PER_MINUTE}; also the largest estimate one request
     *     may carry
     * @param maxConcurrent the most requests in flight at once, from 1 to {@link Integer#MAX_VALUE}, or 0 for no
     *     concurrency limit
     * @param tiers the tiers, by distinct non-empty names; requests outside every tier use the default tier, which has
     *     no limit of its own and no reserve
     */
    public record Spec(long requestsPerMinute, long tokensPerMinute, long maxConcurrent, List<Tier> tiers) {

        /** The fastest per-minute rate: one per nanosecond. */
        public static final long MAX_PER_MINUTE = 60_000_000_000L;

        /**
         * A class of requests with a token limit of its own, or a share of the budget's tokens reserved for it.
         *
         * <p>A tier with {@code tokensPerMinute > 0} also consumes from a bucket of that size of its own. Tiers with a
         * reserve ({@code reservedTokensPerMinute > 0}) are the only ones that may use the reserved tokens: every other
         * tier, the default one included, shares a bucket of {@code tokensPerMinute − Σ reserves} of the budget's tokens,
         * so the reserved tiers together always find their reserves free, and may also use whatever the others leave.
         * The reserved tiers are not protected from one another.
         *
         * @param name the tier's name, not empty
         * @param tokensPerMinute the tier's own token limit, from 1 to the budget's, or 0 for none
         * @param reservedTokensPerMinute the budget's tokens reserved for this tier, or 0 for none
         */
        public record Tier(String name, long tokensPerMinute, long reservedTokensPerMinute) {

            /**
             * Validates the tier on its own; the budget checks it against its limits.
             *
             * @param name the tier's name, not empty
             * @param tokensPerMinute the tier's own token limit, or 0 for none
             * @param reservedTokensPerMinute the budget's tokens reserved for this tier, or 0 for none
             * @throws IllegalArgumentException if the name is null or empty or a count is out of range
             */
            public Tier {
                if (name == null || name.isEmpty()) {
                    throw new IllegalArgumentException("tier name must not be null or empty");
                }
                Arguments.requireInRange("tokensPerMinute", tokensPerMinute, 0L, MAX_PER_MINUTE);
                Arguments.requireInRange("reservedTokensPerMinute", reservedTokensPerMinute, 0L, MAX_PER_MINUTE);
            }

            /**
             * A tier with its own token limit.
             *
             * @param name the tier's name
             * @param tokensPerMinute the tier's own token limit, from 1 to the budget's
             * @return the tier
             */
            public static Tier limited(String name, long tokensPerMinute) {
                Arguments.requirePositive("tokensPerMinute", tokensPerMinute);
                return new Tier(name, tokensPerMinute, 0L);
            }

            /**
             * A tier with a reserved share of the budget's tokens.
             *
             * @param name the tier's name
             * @param reservedTokensPerMinute the tokens reserved for it, 1 or more
             * @return the tier
             */
            public static Tier reserved(String name, long reservedTokensPerMinute) {
                Arguments.requirePositive("reservedTokensPerMinute", reservedTokensPerMinute);
                return new Tier(name, 0L, reservedTokensPerMinute);
            }
        }

        /**
         * Validates the spec.
         *
         * @param requestsPerMinute requests per minute, from 1 to {@value #MAX_PER_MINUTE}
         * @param tokensPerMinute tokens per minute, from 1 to {@value #MAX_PER_MINUTE}
         * @param maxConcurrent from 1 to {@link Integer#MAX_VALUE}, or 0 for no concurrency limit
         * @param tiers the tiers, by distinct names; a tier's own limit at most {@code tokensPerMinute}, the reserves
         *     together at most {@code tokensPerMinute − 1} (the other tiers keep at least one token per minute)
         * @throws IllegalArgumentException if a parameter is null or out of range, or two tiers share a name
         */
        public Spec {
            Arguments.requireInRange("requestsPerMinute", requestsPerMinute, 1L, MAX_PER_MINUTE);
            Arguments.requireInRange("tokensPerMinute", tokensPerMinute, 1L, MAX_PER_MINUTE);
            Arguments.requireInRange("maxConcurrent", maxConcurrent, 0L, Integer.MAX_VALUE);
            Arguments.requireNonNull("tiers", tiers);
            Set<String> names = new HashSet<>();
            long reserved = 0L;
            for (Tier tier : tiers) {
                Arguments.requireNonNull("tier", tier);
                if (!names.add(tier.name())) {
                    throw new IllegalArgumentException("tier " + tier.name() + " is defined twice");
                }
                Arguments.requireInRange(tier.name() + ".tokensPerMinute", tier.tokensPerMinute(), 0L, tokensPerMinute);
                reserved += tier.reservedTokensPerMinute(); // each is at most MAX_PER_MINUTE: no overflow for any list
                Arguments.requireInRange("reservedTokensPerMinute (sum over tiers)", reserved, 0L, tokensPerMinute - 1);
            }
            tiers = List.copyOf(tiers);
        }

        /**
         * A spec without concurrency limit and without tiers.
         *
         * @param requestsPerMinute requests per minute
         * @param tokensPerMinute tokens per minute
         * @return the spec
         * @throws IllegalArgumentException if a parameter is out of range
         */
        public static Spec of(long requestsPerMinute, long tokensPerMinute) {
            return new Spec(requestsPerMinute, tokensPerMinute, 0L, List.of());
        }

        /**
         * A tier by name.
         *
         * @param name the tier's name
         * @return the tier, or empty if the spec has no such tier
         */
        public Optional<Tier> tier(String name) {
            return tiers.stream().filter(tier -> tier.name().equals(name)).findFirst();
        }

        /**
         * The tokens per minute the tiers without a reserve share: {@code tokensPerMinute − Σ reserves}.
         *
         * @return 1 or more; equal to {@code tokensPerMinute} when nothing is reserved
         */
        public long unreservedTokensPerMinute() {
            long reserved = 0L;
            for (Tier tier : tiers) {
                reserved += tier.reservedTokensPerMinute();
            }
            return tokensPerMinute - reserved;
        }

        /**
         * The largest estimate one request may carry: {@code tokensPerMinute}. A tier may allow less (its own limit, or
         * the unreserved share).
         *
         * @return tokens, 1 or more
         */
        public long capacity() {
            return tokensPerMinute;
        }

        /**
         * The time the slowest bucket, used to the full, takes to refill: about a minute, plus rounding.
         *
         * @return nanoseconds
         */
        public long restNanos() {
            long rest = Math.max(perMinute(requestsPerMinute).restNanos(), perMinute(tokensPerMinute).restNanos());
            for (Tier tier : tiers) {
                if (tier.tokensPerMinute() > 0L) {
                    rest = Math.max(rest, perMinute(tier.tokensPerMinute()).restNanos());
                }
            }
            long unreserved = unreservedTokensPerMinute();
            return Math.max(rest, perMinute(unreserved).restNanos());
        }

        /** A bucket holding one minute's worth, refilled at that rate. */
        static TokenBucket perMinute(long perMinute) {
            return TokenBucket.of(perMinute, Rate.perMinute(perMinute));
        }
    }

    /** Builds a {@link LlmBudget}; requests and tokens per minute are required. */
    public static final class Builder {
        private final String name;
        private LocalEngine engine;
        private long requestsPerMinute;
        private long tokensPerMinute;
        private long maxConcurrent;
        private final List<Spec.Tier> tiers = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Sets the RPM limit.
         *
         * @param requestsPerMinute from 1 to {@value Spec#MAX_PER_MINUTE}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder requestsPerMinute(long requestsPerMinute) {
            this.requestsPerMinute = Arguments.requireInRange("requestsPerMinute", requestsPerMinute, 1L,
                    Spec.MAX_PER_MINUTE);
            return this;
        }

        /**
         * Sets the TPM limit, also the largest estimate one request may carry.
         *
         * @param tokensPerMinute from 1 to {@value Spec#MAX_PER_MINUTE}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder tokensPerMinute(long tokensPerMinute) {
            this.tokensPerMinute = Arguments.requireInRange("tokensPerMinute", tokensPerMinute, 1L,
                    Spec.MAX_PER_MINUTE);
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
            tiers.add(Spec.Tier.limited(tier, tokensPerMinute));
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
            tiers.add(Spec.Tier.reserved(tier, reservedTokensPerMinute));
            return this;
        }

        /**
         * Adds a tier.
         *
         * @param tier the tier
         * @return this builder
         * @throws IllegalArgumentException if the tier is null
         */
        public Builder tier(Spec.Tier tier) {
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
        public Spec spec() {
            if (requestsPerMinute == 0L || tokensPerMinute == 0L) {
                throw new IllegalArgumentException("requestsPerMinute and tokensPerMinute must both be set");
            }
            return new Spec(requestsPerMinute, tokensPerMinute, maxConcurrent, tiers);
        }

        /**
         * Builds the budget, its limits full.
         *
         * @return the budget
         * @throws IllegalArgumentException if the RPM or TPM limit is missing, or the tiers do not fit the limits
         */
        public LlmBudget build() {
            return new LlmBudget(name, spec(), engine != null ? engine : LocalEngine.create());
        }
    }
}
