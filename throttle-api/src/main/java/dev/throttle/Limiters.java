package dev.throttle;

import dev.throttle.kernel.AllOfLimiter;
import dev.throttle.kernel.Arguments;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Limiters built from limiters already made, of any engine: an all-of composition and a dry run. To compose specs,
 * let the engine build the composite from an {@link AllOf} spec instead ({@link Engine#limiter}): on Redis it is then
 * decided in one script call.
 */
public final class Limiters {

    private Limiters() {
    }

    /**
     * All or nothing over limiters already made, of any engines: a request is granted only if every limiter grants
     * it; on a refusal the permits the others granted are given back, and the refusal names the limiter that refused.
     * Waits on the system clock and the shared scheduler.
     *
     * @param name the composite's name, for its grants
     * @param limiters the limiters, asked in this order; at least one
     * @return the composite; a {@link RateLimiter} when every limiter is one
     * @throws IllegalArgumentException if the name is null or empty, or {@code limiters} is null, empty or holds a
     *     null
     * @see #allOf(String, Ticker, Scheduler, List)
     */
    public static Limiter allOf(String name, Limiter... limiters) {
        Arguments.requireNonNull("limiters", limiters);
        return allOf(name, Arrays.asList(limiters));
    }

    /**
     * All or nothing over limiters already made; see {@link #allOf(String, Limiter...)}.
     *
     * @param name the composite's name, for its grants
     * @param limiters the limiters, asked in this order; at least one
     * @return the composite; a {@link RateLimiter} when every limiter is one
     * @throws IllegalArgumentException if the name is null or empty, or {@code limiters} is null, empty or holds a
     *     null
     */
    public static Limiter allOf(String name, List<? extends Limiter> limiters) {
        return allOf(name, Ticker.system(), Scheduler.shared(), limiters);
    }

    /**
     * All or nothing over limiters already made, waiting on a given clock and scheduler (an engine's, so tests drive
     * it with a manual clock). A request is asked of each limiter in order with {@link Limiter#tryAcquire(long)}; at
     * the first refusal the permits already granted are given back whole and that refusal is returned. A granted
     * permit ends, is dropped or is settled on every limiter at once; its remaining and limit are those of the
     * limiter with the fewest permits left. A waiting request is asked again, whole, when the refusal says a retry
     * could succeed; no thread is parked meanwhile. The composite's spec is an {@link AllOf} of the limiters' specs; a
     * request for more than its capacity (the smallest of the limiters') is refused with an
     * {@link IllegalArgumentException}.
     *
     * @param name the composite's name, for its grants
     * @param ticker the clock measuring waits
     * @param scheduler runs the retries of waiting requests
     * @param limiters the limiters, asked in this order; at least one
     * @return the composite; a {@link RateLimiter} when every limiter is one
     * @throws IllegalArgumentException if an argument is null, the name is empty, or {@code limiters} is empty or
     *     holds a null
     */
    public static Limiter allOf(String name, Ticker ticker, Scheduler scheduler, List<? extends Limiter> limiters) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
        Arguments.requireNonNull("ticker", ticker);
        Arguments.requireNonNull("scheduler", scheduler);
        Arguments.requireNonNull("limiters", limiters);
        if (limiters.isEmpty() || limiters.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("limiters must hold at least one limiter and no null");
        }
        return AllOfLimiter.of(name, ticker, scheduler, List.copyOf(limiters));
    }

    /**
     * A dry run of a limiter: it evaluates every request, counts and reports those it would refuse, and grants all.
     *
     * @param delegate the limiter to evaluate
     * @param listener told of each request that would have been refused (on the thread that learnt of it; what it
     *     throws is ignored, so a dry run never fails a request)
     * @return the shadow limiter; a {@link ShadowLimiter.OfRateLimiter} when the delegate is a {@link RateLimiter}
     * @throws IllegalArgumentException if an argument is null
     */
    public static ShadowLimiter shadow(Limiter delegate, Consumer<Permit> listener) {
        return ShadowLimiter.of(delegate, listener);
    }

    /**
     * A dry run of a limiter that only counts what it would refuse ({@link ShadowLimiter#wouldHaveRefused()}).
     *
     * @param delegate the limiter to evaluate
     * @return the shadow limiter; a {@link ShadowLimiter.OfRateLimiter} when the delegate is a {@link RateLimiter}
     * @throws IllegalArgumentException if {@code delegate} is null
     */
    public static ShadowLimiter shadow(Limiter delegate) {
        return ShadowLimiter.of(delegate, ShadowLimiter.COUNT_ONLY);
    }

    /**
     * A dry run of a rate limiter, still a rate limiter: {@link ShadowLimiter.OfRateLimiter#allow(long) allow} asks the real
     * limiter, reports a refusal to the listener, and answers true.
     *
     * @param delegate the rate limiter to evaluate
     * @param listener told of each request that would have been refused (on the thread that learnt of it; what it
     *     throws is ignored, so a dry run never fails a request)
     * @return the shadow rate limiter
     * @throws IllegalArgumentException if an argument is null
     */
    public static ShadowLimiter.OfRateLimiter shadow(RateLimiter delegate, Consumer<Permit> listener) {
        return (ShadowLimiter.OfRateLimiter) ShadowLimiter.of(delegate, listener);
    }

    /**
     * A dry run of a rate limiter that only counts what it would refuse ({@link ShadowLimiter#wouldHaveRefused()}),
     * still a rate limiter: {@link ShadowLimiter.OfRateLimiter#allow(long) allow} asks the real limiter, counts a refusal, and
     * answers true, allocating nothing.
     *
     * @param delegate the rate limiter to evaluate
     * @return the shadow rate limiter
     * @throws IllegalArgumentException if {@code delegate} is null
     */
    public static ShadowLimiter.OfRateLimiter shadow(RateLimiter delegate) {
        return (ShadowLimiter.OfRateLimiter) ShadowLimiter.of(delegate, ShadowLimiter.COUNT_ONLY);
    }
}
