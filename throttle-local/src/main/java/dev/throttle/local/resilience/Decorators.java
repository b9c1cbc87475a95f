package dev.throttle.local.resilience;

import dev.throttle.Limiter;
import dev.throttle.Scheduler;
import dev.throttle.ThrottledException;
import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Wraps a call in resilience layers, always composed in this order from the outside in, whatever the order of the
 * {@code with...} calls:
 * <pre>
 * fallback → retry → circuit breaker → rate limiter → bulkhead → timeout → the call
 * </pre>
 * Each layer is optional; setting one twice keeps the last. Why this order:
 * <ul>
 *   <li><b>Fallback outermost</b>: it sees the final outcome, after every retry, including a
 *   {@link CallNotPermittedException} from an open breaker and a {@link ThrottledException} from a limiter.</li>
 *   <li><b>Retry outside the breaker</b>: every attempt passes the breaker, so the breaker judges each one, and an
 *   open breaker stops the retries at once (a {@link CallNotPermittedException} is not retried by default) instead
 *   of letting them hammer a failing service.</li>
 *   <li><b>Retry outside the rate limiter</b>: a limiter's refusal is retried after its retry-after, which the retry
 *   honours.</li>
 *   <li><b>Breaker outside the rate limiter and bulkhead</b>: an open breaker refuses before the limiters are asked,
 *   so a call that will not be made spends no rate permit and takes no slot. A refusal by a limiter gives the
 *   breaker's permission back without recording an outcome: our own throttling says nothing about the service's
 *   health, and must not trip the breaker nor use up a half-open probe.</li>
 *   <li><b>Rate limiter outside the bulkhead</b>: a call refused by the rate never occupies a concurrency slot; a call
 *   refused by the bulkhead gets its rate permit refunded ({@link dev.throttle.Permit#settle(long) settle(0)}).</li>
 *   <li><b>Timeout innermost</b>: the deadline bounds the call alone, and a timeout is a failure the breaker counts
 *   and the retry may retry. The bulkhead's slot is released when the attempt ends, timeout included (as
 *   {@link dev.throttle.Permit#dropped() dropped}, so an adaptive limiter sees the overload); an abandoned
 *   asynchronous call may then still be running outside the bulkhead's count.</li>
 * </ul>
 * Resilience4j documents its default order as {@code Retry(CircuitBreaker(RateLimiter(TimeLimiter(Bulkhead(fn)))))};
 * this chain is the same but for the timeout, which it puts inside the bulkhead so the deadline covers the call
 * alone. (Neither limiter waits here: both are asked with {@link Limiter#tryAcquire(long)}, the semantics of
 * {@link Limiter#call}.)
 *
 * <p>Timeouts: asynchronous calls are completed with a {@link java.util.concurrent.TimeoutException} by a task on the
 * {@link Scheduler} (no thread waits; the call's own stage is not cancelled), at the deadline counted from the
 * attempt's start, supplier included. Cancelling the returned future does not cancel the call either: the breaker
 * still judges its outcome, a timeout included. A synchronous call cannot be stopped
 * from outside without interrupting or abandoning the caller's thread, which this chain does not do: the call runs to
 * its end on the caller's thread, and a result that arrives at or after the deadline is replaced by a
 * {@link java.util.concurrent.TimeoutException}.
 *
 * <pre>{@code
 * Callable<Quote> guarded = Decorators.ofCallable(() -> pricing.quote(item))
 *         .withRetry(retry)
 *         .withCircuitBreaker(breaker)
 *         .withRateLimiter(perSecond)
 *         .withBulkhead(tenAtOnce)
 *         .withTimeout(Duration.ofSeconds(2))
 *         .withFallback(failure -> Quote.UNAVAILABLE)
 *         .decorate();
 * }</pre>
 */
public final class Decorators {

    private Decorators() {
    }

    /**
     * Starts decorating a callable.
     *
     * @param call the call
     * @param <T> its result type
     * @return the builder
     * @throws IllegalArgumentException if the call is null
     */
    public static <T> ForCallable<T> ofCallable(Callable<T> call) {
        return new ForCallable<>(Arguments.requireNonNull("call", call));
    }

    /**
     * Starts decorating a supplier.
     *
     * @param call the call
     * @param <T> its result type
     * @return the builder
     * @throws IllegalArgumentException if the call is null
     */
    public static <T> ForSupplier<T> ofSupplier(Supplier<T> call) {
        return new ForSupplier<>(Arguments.requireNonNull("call", call));
    }

    /**
     * Starts decorating an asynchronous call.
     *
     * @param call supplies the call's stage; called once per attempt
     * @param <T> its result type
     * @return the builder
     * @throws IllegalArgumentException if the call is null
     */
    public static <T> ForCompletionStage<T> ofCompletionStage(Supplier<? extends CompletionStage<T>> call) {
        return new ForCompletionStage<>(Arguments.requireNonNull("call", call));
    }

    /**
     * The layers, common to every kind of call. Each setter checks its argument at once.
     *
     * @param <T> the call's result type
     * @param <B> the concrete builder
     */
    public abstract static class Builder<T, B extends Builder<T, B>> {

        private Retry retry;
        private CircuitBreaker breaker;
        private Limiter rateLimiter;
        private Limiter bulkhead;
        private long timeoutNanos = Layers.NO_TIMEOUT;
        private Predicate<? super Throwable> fallbackOn;
        private Function<? super Throwable, ? extends T> fallback;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler = Scheduler.shared();

        Builder() {
        }

        abstract B self();

        /**
         * Retries failed attempts.
         *
         * @param retry the retry
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withRetry(Retry retry) {
            this.retry = Arguments.requireNonNull("retry", retry);
            return self();
        }

        /**
         * Guards each attempt with a circuit breaker.
         *
         * @param breaker the breaker
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withCircuitBreaker(CircuitBreaker breaker) {
            this.breaker = Arguments.requireNonNull("breaker", breaker);
            return self();
        }

        /**
         * Takes one permit of a rate limiter per attempt, without waiting; a refusal is a {@link ThrottledException}.
         *
         * @param limiter the rate limiter
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withRateLimiter(Limiter limiter) {
            this.rateLimiter = Arguments.requireNonNull("limiter", limiter);
            return self();
        }

        /**
         * Holds one permit of a concurrency limiter for the length of each attempt, without waiting for it; a
         * refusal is a {@link ThrottledException}.
         *
         * @param limiter the concurrency limiter
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withBulkhead(Limiter limiter) {
            this.bulkhead = Arguments.requireNonNull("limiter", limiter);
            return self();
        }

        /**
         * Bounds each attempt's duration: see the class comment for what a timeout does to a synchronous call.
         *
         * @param timeout from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if null or out of range
         */
        public B withTimeout(Duration timeout) {
            this.timeoutNanos = Arguments.periodNanos("timeout", timeout);
            return self();
        }

        /**
         * Replaces any exception of the whole chain with a value.
         *
         * @param fallback computes the value from the exception
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withFallback(Function<? super Throwable, ? extends T> fallback) {
            return withFallback(failure -> true, fallback);
        }

        /**
         * Replaces the exceptions of the whole chain that a predicate accepts with a value; {@link Error}s never are.
         *
         * @param on true for the exceptions to replace
         * @param fallback computes the value from the exception
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withFallback(Predicate<? super Throwable> on, Function<? super Throwable, ? extends T> fallback) {
            this.fallbackOn = Arguments.requireNonNull("on", on);
            this.fallback = Arguments.requireNonNull("fallback", fallback);
            return self();
        }

        /**
         * The source of time of the timeout's deadline: a synchronous call's, and the part of an asynchronous attempt
         * spent in its supplier (the breaker times calls with its own ticker).
         *
         * @param ticker the ticker
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withTicker(Ticker ticker) {
            this.ticker = Arguments.requireNonNull("ticker", ticker);
            return self();
        }

        /**
         * Where asynchronous timeouts are scheduled (retries wait on their {@link Retry}'s scheduler).
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public B withScheduler(Scheduler scheduler) {
            this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
            return self();
        }

        Layers<T> layers() {
            return new Layers<>(retry, breaker, rateLimiter, bulkhead, timeoutNanos, fallbackOn, fallback, ticker,
                    scheduler);
        }
    }

    /**
     * Decorates a {@link Callable}.
     *
     * @param <T> its result type
     */
    public static final class ForCallable<T> extends Builder<T, ForCallable<T>> {

        private final Callable<T> call;

        ForCallable(Callable<T> call) {
            this.call = call;
        }

        @Override
        ForCallable<T> self() {
            return this;
        }

        /**
         * The decorated callable, reusable and thread-safe; later changes to this builder do not affect it.
         *
         * @return the decorated callable
         */
        public Callable<T> decorate() {
            return new SyncChain<>(layers(), call);
        }

        /**
         * Decorates and calls once.
         *
         * @return the result or the fallback's value
         * @throws Exception what the chain throws
         */
        public T call() throws Exception {
            return decorate().call();
        }
    }

    /**
     * Decorates a {@link Supplier}. A checked exception of the chain (only a synchronous timeout's
     * {@link java.util.concurrent.TimeoutException} can occur) reaches the caller wrapped in a
     * {@link CompletionException} unless the fallback handles it.
     *
     * @param <T> its result type
     */
    public static final class ForSupplier<T> extends Builder<T, ForSupplier<T>> {

        private final Supplier<T> call;

        ForSupplier(Supplier<T> call) {
            this.call = call;
        }

        @Override
        ForSupplier<T> self() {
            return this;
        }

        /**
         * The decorated supplier, reusable and thread-safe; later changes to this builder do not affect it.
         *
         * @return the decorated supplier
         */
        public Supplier<T> decorate() {
            Callable<T> chain = new SyncChain<>(layers(), call::get);
            return () -> {
                try {
                    return chain.call();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            };
        }

        /**
         * Decorates and calls once.
         *
         * @return the result or the fallback's value
         */
        public T get() {
            return decorate().get();
        }
    }

    /**
     * Decorates an asynchronous call: no thread waits for retries nor timeouts.
     *
     * @param <T> its result type
     */
    public static final class ForCompletionStage<T> extends Builder<T, ForCompletionStage<T>> {

        private final Supplier<? extends CompletionStage<T>> call;

        ForCompletionStage(Supplier<? extends CompletionStage<T>> call) {
            this.call = call;
        }

        @Override
        ForCompletionStage<T> self() {
            return this;
        }

        /**
         * The decorated call, reusable and thread-safe; later changes to this builder do not affect it. Each
         * {@code get()} starts a call; its future never throws from {@code get()} itself, failures complete it.
         *
         * @return the decorated call
         */
        public Supplier<CompletableFuture<T>> decorate() {
            return new AsyncChain<>(layers(), call);
        }

        /**
         * Decorates and starts one call.
         *
         * @return its outcome
         */
        public CompletableFuture<T> get() {
            return decorate().get();
        }
    }
}
