package dev.throttle.local.limiters;

import dev.throttle.Permit;

/**
 * The encoding of one engine decision in a single {@code long}, so the hot path allocates nothing:
 * {@code >= 0} grants after that many nanoseconds of waiting (0: now); {@code < 0} refuses, the magnitude being the
 * nanoseconds until a retry could succeed ({@link Long#MIN_VALUE}: never).
 */
final class Decisions {

    /** Refused: the request exceeds the capacity. */
    static final long NEVER = Long.MIN_VALUE;

    private Decisions() {
    }

    /** A refusal; {@code retryAfterNanos} is raised to 1 so a refusal is never mistaken for a grant. */
    static long refused(long retryAfterNanos) {
        return retryAfterNanos == Permit.NEVER ? NEVER : -Math.max(1L, retryAfterNanos);
    }

    static boolean granted(long decision) {
        return decision >= 0;
    }

    /** Nanoseconds until a retry could succeed, or {@link Permit#NEVER}; only for refusals. */
    static long retryAfterNanos(long decision) {
        return decision == NEVER ? Permit.NEVER : -decision;
    }
}
