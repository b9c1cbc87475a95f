package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The limits of a {@link TokenBudget}: requests per minute, tokens per minute, optionally a concurrency limit, and
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
public record TokenBudgetSpec(long requestsPerMinute, long tokensPerMinute, long maxConcurrent, List<Tier> tiers)
        implements LimitSpec {

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
    public TokenBudgetSpec {
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
    public static TokenBudgetSpec of(long requestsPerMinute, long tokensPerMinute) {
        return new TokenBudgetSpec(requestsPerMinute, tokensPerMinute, 0L, List.of());
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
    @Override
    public long capacity() {
        return tokensPerMinute;
    }

    /**
     * The time the slowest bucket, used to the full, takes to refill: about a minute, plus rounding.
     *
     * @return nanoseconds
     */
    @Override
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
