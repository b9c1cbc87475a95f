package dev.throttle;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * The answer of a limiter to one request for permits.
 *
 * <p>A granted permit is a lease: {@link #close()} ends the use (it gives a concurrency permit back and reports
 * success to an adaptive limiter), {@link #dropped()} ends it reporting overload instead, and
 * {@link #settle(long)} reconciles an estimate with the permits actually used (for example the tokens an LLM call
 * really consumed). A refused permit says when a retry could succeed: {@link #retryAfterNanos()}, or
 * {@link #NEVER} when the request exceeds what the limiter can ever grant.
 *
 * <p>Closing is idempotent and never throws, so permits fit try-with-resources:
 * <pre>{@code
 * try (Permit permit = limiter.tryAcquire(1)) {
 *     if (permit.granted()) {
 *         callTheService();
 *     }
 * }
 * }</pre>
 */
public interface Permit extends AutoCloseable {

    /** The value of {@link #retryAfterNanos()} for a request that can never succeed. */
    long NEVER = Long.MAX_VALUE;

    /**
     * Tells whether the permits were granted.
     *
     * @return true if the caller may proceed
     */
    boolean granted();

    /**
     * The permits this answer is about: those asked for, or held when granted.
     *
     * @return the number of permits
     */
    long permits();

    /**
     * Time until the same request could succeed, in nanoseconds: 0 when granted, {@link #NEVER} when the request
     * exceeds the limiter's capacity as it is when deciding (see {@link #never()}). It is the earliest moment a retry
     * can succeed if nobody else takes the permits first, so a retry at that time may still be refused under
     * contention.
     *
     * @return nanoseconds, 0 or more, or {@link #NEVER}
     */
    long retryAfterNanos();

    /**
     * {@link #retryAfterNanos()} as a duration; {@link ChronoUnit#FOREVER}'s duration stands for {@link #NEVER}.
     *
     * @return the time until a retry could succeed
     */
    default Duration retryAfter() {
        long nanos = retryAfterNanos();
        return nanos == NEVER ? ChronoUnit.FOREVER.getDuration() : Duration.ofNanos(nanos);
    }

    /**
     * Tells whether the request can never succeed, because it asks for more than the limiter's capacity as it is when
     * deciding. A request above the spec's capacity is not refused this way: {@link Limiter#tryAcquire(long)} and the
     * other ways to ask throw an {@link IllegalArgumentException} before deciding. So this is for a capacity not
     * known when the request was checked (see {@link Limiter}): for example one lowered by a live reconfiguration
     * while the request waited, or the slower step of an adaptive rate limiter.
     *
     * @return true if {@link #retryAfterNanos()} is {@link #NEVER}
     */
    default boolean never() {
        return retryAfterNanos() == NEVER;
    }

    /**
     * Permits still available right after this decision (for rate limiters: in the current window or bucket;
     * for concurrency limiters: free slots). Meant for headers such as {@code RateLimit-Remaining}.
     *
     * @return zero or more
     */
    long remaining();

    /**
     * The limit this decision was made against (window limit, bucket capacity, concurrency limit).
     *
     * @return the limit
     */
    long limit();

    /**
     * The name of the limiter that made the decision; for a composite limiter's refusal, the name of the limit
     * that refused.
     *
     * @return the limiter's name, never null
     */
    String limiterName();

    /**
     * Ends the use of a granted permit, reporting success: gives concurrency permits back and feeds the
     * round-trip time to adaptive limiters. Idempotent; does nothing on a refused permit.
     */
    @Override
    void close();

    /**
     * Ends the use of a granted permit, reporting that the protected resource was overloaded (a timeout, a 503,
     * a rejection). Adaptive limiters shrink on it; other limiters treat it as {@link #close()}.
     */
    void dropped();

    /**
     * Reconciles the permits this grant was estimated at with those actually used. Using fewer gives the
     * difference back; for a rate limiter, using more takes the extra from the limiter even if that puts it into
     * debt (later requests wait for it). A concurrency permit cannot grow: it holds what it was granted. Can be
     * called once; a refused permit ignores it.
     *
     * @param actualPermits the permits actually used, zero or more (at most {@link #permits()} for a concurrency
     *     permit)
     * @throws IllegalArgumentException if {@code actualPermits} is negative, or above the permits held by a
     *     concurrency permit
     * @throws IllegalStateException if the permit was already settled
     */
    void settle(long actualPermits);

    /**
     * Gives an unused grant back whole, as if it had never been asked for: settles it at zero permits (a rate limiter
     * takes its permits back) and closes it (a concurrency limiter frees its slots). For a grant that turns out not
     * to be needed: a later limit of the same request refused, or the caller gave up. Settling is best effort (a
     * permit already settled, or a store that cannot be reached, still gets closed); closing always happens. Does
     * nothing on a refused permit.
     */
    default void giveBack() {
        if (!granted()) {
            return;
        }
        try {
            settle(0L);
        } catch (RuntimeException notSettled) {
            // Closing below still ends the permit: a concurrency slot is freed whatever settling could do.
        } finally {
            close();
        }
    }
}
