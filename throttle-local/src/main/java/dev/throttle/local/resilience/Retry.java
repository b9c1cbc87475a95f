package dev.throttle.local.resilience;

import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.ThrottledException;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.Durations;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Calls again, after a backoff, a call that failed with a retryable exception or returned a retryable result.
 *
 * <p>Before retry {@code n} it waits the jittered exponential backoff of its {@link Config}; for a
 * {@link ThrottledException} it waits at least the exception's retry-after (a retry sooner is bound to be refused),
 * and gives up at once when the retry-after is {@link Permit#NEVER} or longer than the max delay. With a
 * {@link RetryBudget}, every call deposits into it and every retry must withdraw from it: when the budget is spent,
 * the failure is returned as is. When attempts run out, the last failure is thrown or the last result returned.
 *
 * <p>{@link #call} waits on the calling thread through its {@link Sleeper} (by default parking it); an interrupt
 * during the wait, or one an attempt left set, stops the retries: the last failure is thrown (or the last result
 * returned) with the thread's interrupt flag set. An attempt that throws {@link InterruptedException} is never
 * retried, whatever {@code retryOn} says: it is thrown as is. {@link #callAsync} waits on its {@link Scheduler} and
 * parks no thread. Thread-safe: a Retry holds no per-call state and can be shared.
 *
 * <pre>{@code
 * Retry retry = Retry.builder().name("billing")
 *         .config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(50)).build())
 *         .budget(RetryBudget.defaults(Ticker.system()))
 *         .build();
 * Invoice invoice = retry.call(() -> billing.fetch(id));
 * }</pre>
 */
public final class Retry {

    /** Returned by the delay computations to say: do not retry. */
    static final long GIVE_UP = -1L;

    private final String name;
    private final Config config;
    /** The config's values, read directly on every attempt. */
    private final RetrySettings settings;
    private final RetryBudget budget;
    /** The jitter's source; null for the drawing thread's own {@link ThreadLocalRandom}. */
    private final RandomGenerator random;
    private final Sleeper sleeper;
    private final Scheduler scheduler;

    private Retry(Builder builder) {
        this.name = builder.name;
        this.config = builder.config;
        this.settings = config.settings;
        this.budget = builder.budget;
        this.random = builder.random;
        this.sleeper = builder.sleeper;
        this.scheduler = builder.scheduler;
    }

    /**
     * A builder: name "retry", the default policy, no budget, thread-local jitter, a parking sleeper and the shared
     * scheduler.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The retry's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The retry's policy.
     *
     * @return the policy
     */
    public Config config() {
        return config;
    }

    /**
     * Calls the task, retrying it as the policy says, waiting on the calling thread between attempts.
     *
     * @param task the call
     * @param <T> its result type
     * @return the first result not retried, or the last result
     * @throws Exception the first failure not retried, or the last failure
     */
    public <T> T call(Callable<T> task) throws Exception {
        Arguments.requireNonNull("task", task);
        if (budget != null) {
            budget.deposit();
        }
        for (int attempt = 1;; attempt++) {
            T result;
            long delay;
            try {
                result = task.call();
            } catch (Exception failure) {
                delay = delayAfterFailure(attempt, failure);
                if (delay == GIVE_UP || !sleep(delay)) {
                    throw failure;
                }
                continue;
            }
            delay = delayAfterResult(attempt, result);
            if (delay == GIVE_UP || !sleep(delay)) {
                return result;
            }
        }
    }

    /**
     * Runs the task, retrying it as the policy says, waiting on the calling thread between attempts.
     *
     * @param task the task
     * @throws RuntimeException the first failure not retried, or the last failure
     */
    public void run(Runnable task) {
        Arguments.requireNonNull("task", task);
        try {
            call(() -> {
                task.run();
                return null;
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception impossible) {
            throw new IllegalStateException(impossible); // a Runnable throws no checked exception
        }
    }

    /**
     * Starts the call, retrying it as the policy says; waits between attempts on the scheduler, parking no thread.
     * Cancelling the returned future stops the retries.
     *
     * @param task supplies each attempt's stage
     * @param <T> the result type
     * @return the first result not retried or the last result; or the first failure not retried or the last failure
     */
    public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> task) {
        Arguments.requireNonNull("task", task);
        if (budget != null) {
            budget.deposit();
        }
        return new AsyncRetry<>(this, task, scheduler).start();
    }

    /**
     * The retry for logs: its name, its policy in words and its budget, for example
     * {@code Retry[billing: 3 attempts, backoff 100 ms doubling up to 10 s, full jitter; budget 20% of calls + 10/s
     * over 10 s]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Retry[" + name + ": " + settings.maxAttempts + (settings.maxAttempts == 1 ? " attempt" : " attempts")
                + ", backoff " + Durations.text(settings.baseDelayNanos) + " doubling up to "
                + Durations.text(settings.maxDelayNanos) + ", full jitter"
                + (budget == null ? "" : "; budget " + budget.terms()) + "]";
    }

    /**
     * The wait before retrying a failed attempt.
     *
     * @param attempt the attempt that failed, 1 for the first
     * @param failure its failure
     * @return nanoseconds, or {@link #GIVE_UP}
     */
    long delayAfterFailure(int attempt, Throwable failure) {
        // An InterruptedException says the thread was asked to stop, whatever retryOn says: retrying would swallow
        // the request (the exception cleared the flag), and shutdownNow() could never stop the loop.
        if (attempt >= settings.maxAttempts || !(failure instanceof Exception)
                || failure instanceof InterruptedException || !settings.retryOn.test(failure)) {
            return GIVE_UP;
        }
        long atLeast = 0L;
        if (failure instanceof ThrottledException) {
            long retryAfter = ((ThrottledException) failure).retryAfterNanos();
            if (retryAfter == Permit.NEVER || retryAfter > settings.maxDelayNanos) {
                return GIVE_UP;
            }
            atLeast = retryAfter;
        }
        return withdraw(Math.max(atLeast, backoff(attempt)));
    }

    /**
     * The wait before retrying an attempt that returned a result.
     *
     * @param attempt the attempt, 1 for the first
     * @param result its result
     * @return nanoseconds, or {@link #GIVE_UP}
     */
    long delayAfterResult(int attempt, Object result) {
        if (attempt >= settings.maxAttempts || !settings.retryOnResult.test(result)) {
            return GIVE_UP;
        }
        return withdraw(backoff(attempt));
    }

    /** The full-jitter backoff before the retry following {@code attempt}: uniform in {@code [0, cap]}. */
    private long backoff(int attempt) {
        long cap = settings.backoffCapNanos(attempt);
        if (cap == 0) {
            return 0L;
        }
        // ThreadLocalRandom.current() is looked up on the drawing thread at each draw, never captured: on a thread
        // that never called current() itself, a captured instance draws from an unseeded state that is the same in
        // every JVM, so the clients of a fleet would retry in step, the very waves full jitter exists to break.
        RandomGenerator source = random != null ? random : ThreadLocalRandom.current();
        return source.nextLong(cap + 1);
    }

    /** Gives back to the budget a retry withdrawn but not made (its wait was interrupted or cancelled). */
    void refund() {
        if (budget != null) {
            budget.refund();
        }
    }

    /** Takes the retry from the budget last, so a retry the policy refuses anyway costs nothing. */
    private long withdraw(long delay) {
        return budget == null || budget.tryWithdraw(name) ? delay : GIVE_UP;
    }

    /**
     * Waits before a retry; false if the thread is interrupted, before the wait or during it (the flag is kept), so
     * the caller stops retrying: whether an interrupted thread goes on must not depend on drawing a delay of 0. A
     * retry not made gives back what it took from the budget.
     */
    private boolean sleep(long delay) {
        boolean waited;
        if (Thread.currentThread().isInterrupted()) {
            waited = false;
        } else if (delay == 0) {
            waited = true;
        } else {
            try {
                sleeper.sleep(delay);
                waited = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                waited = false;
            }
        }
        if (!waited) {
            refund();
        }
        return waited;
    }

    /** Builds a {@link Retry}; each setter checks its argument at once. */
    public static final class Builder {

        private String name = "retry";
        private Config config = Config.defaults();
        private RetryBudget budget;
        /** Null: the drawing thread's own ThreadLocalRandom, looked up at each draw (see backoff). */
        private RandomGenerator random;
        private Sleeper sleeper = Sleeper.parking();
        private Scheduler scheduler = Scheduler.shared();

        private Builder() {
        }

        /**
         * The retry's name.
         *
         * @param name not null nor empty
         * @return this builder
         * @throws IllegalArgumentException if null or empty
         */
        public Builder name(String name) {
            Arguments.requireNonNull("name", name);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = name;
            return this;
        }

        /**
         * The policy.
         *
         * @param config the policy
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder config(Config config) {
            this.config = Arguments.requireNonNull("config", config);
            return this;
        }

        /**
         * A budget the retries must fit in, typically shared by every Retry calling one service.
         *
         * @param budget the budget
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder budget(RetryBudget budget) {
            this.budget = Arguments.requireNonNull("budget", budget);
            return this;
        }

        /**
         * The source of the jitter; by default, the {@link ThreadLocalRandom} of the thread drawing. A source set
         * here is shared by every thread using the retry, so it must be thread-safe; inject a scripted one to test
         * exact delays.
         *
         * @param random the source
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder random(RandomGenerator random) {
            this.random = Arguments.requireNonNull("random", random);
            return this;
        }

        /**
         * How {@link Retry#call} waits between attempts.
         *
         * @param sleeper the sleeper
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Arguments.requireNonNull("sleeper", sleeper);
            return this;
        }

        /**
         * Where {@link Retry#callAsync} waits between attempts.
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
            return this;
        }

        /**
         * Builds the retry.
         *
         * @return the retry
         */
        public Retry build() {
            return new Retry(this);
        }
    }

    /**
     * How a synchronous {@link Retry} waits between attempts. The default parks the calling thread; tests inject one
     * that advances a manual clock instead, so they never sleep.
     */
    @FunctionalInterface
    public interface Sleeper {

        /**
         * Waits.
         *
         * @param nanos how long, 0 or more
         * @throws InterruptedException if the waiting thread is interrupted
         */
        void sleep(long nanos) throws InterruptedException;

        /**
         * Parks the calling thread with {@link LockSupport#parkNanos(long)} until the delay has passed on
         * {@link System#nanoTime()}, or throws {@link InterruptedException} (clearing the flag) when interrupted.
         *
         * @return the default sleeper
         */
        static Sleeper parking() {
            return nanos -> {
                long deadline = System.nanoTime() + nanos;
                // parkNanos may return early (spuriously, or on unpark): loop until the deadline has really passed.
                for (;;) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException("interrupted while waiting to retry");
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    LockSupport.parkNanos(left);
                }
            };
        }
    }

    /**
     * The immutable policy of a retry: how many attempts, how long to wait between them, and which outcomes are
     * worth another attempt. One policy can be shared by many retries.
     *
     * <p>The wait before retry {@code n} (the first retry is {@code n = 1}) is exponential backoff with full jitter,
     * as in the AWS Architecture Blog's "Exponential Backoff And Jitter" (Marc Brooker, 2015):
     * {@code delay_n = random(0, min(maxDelay, baseDelay · 2^(n−1)))}, bounds included. Spreading the retries of
     * many clients uniformly over the whole backoff interval is what keeps them from retrying in synchronized waves.
     *
     * <p>Defaults: 3 attempts, base delay 100 ms, max delay 10 s, every exception retried except
     * {@link CallNotPermittedException} (an open breaker says the service is down: retrying it only adds load), no
     * result retried.
     */
    public static final class Config {

        private static final Config DEFAULTS = new Config(RetrySettings.DEFAULTS);

        /** The checked values and the backoff arithmetic; see {@code RetrySettings}. */
        final RetrySettings settings;

        private Config(RetrySettings settings) {
            this.settings = settings;
        }

        /**
         * The default policy.
         *
         * @return the defaults
         */
        public static Config defaults() {
            return DEFAULTS;
        }

        /**
         * A builder starting from the defaults.
         *
         * @return the builder
         */
        public static Builder builder() {
            return new Builder(RetrySettings.DEFAULTS);
        }

        /**
         * A builder starting from this policy.
         *
         * @return the builder
         */
        public Builder toBuilder() {
            return new Builder(settings);
        }

        /**
         * The most attempts per call, the first one included.
         *
         * @return 1 or more
         */
        public int maxAttempts() {
            return settings.maxAttempts;
        }

        /**
         * The backoff of the first retry, doubled for each retry after.
         *
         * @return the base delay
         */
        public Duration baseDelay() {
            return Duration.ofNanos(settings.baseDelayNanos);
        }

        /**
         * The cap of the backoff; also the longest {@link ThrottledException#retryAfter()} worth waiting for.
         *
         * @return the max delay
         */
        public Duration maxDelay() {
            return Duration.ofNanos(settings.maxDelayNanos);
        }

        /**
         * Which exceptions are retried.
         *
         * @return the predicate
         */
        public Predicate<Throwable> retryOn() {
            return settings.retryOn;
        }

        /**
         * Which results are retried (for example an HTTP 503 returned rather than thrown).
         *
         * @return the predicate, over any result
         */
        public Predicate<Object> retryOnResult() {
            return settings.retryOnResult;
        }

        @Override
        public String toString() {
            return settings.toString();
        }

        /**
         * Builds a {@link Config}; each setter checks its argument at once, and one that throws leaves the builder
         * unchanged.
         */
        public static final class Builder {

            private RetrySettings settings;

            private Builder(RetrySettings settings) {
                this.settings = settings;
            }

            /**
             * The most attempts per call, the first one included; 1 means no retry.
             *
             * @param attempts from 1 to 1000
             * @return this builder
             * @throws IllegalArgumentException if out of range
             */
            public Builder maxAttempts(int attempts) {
                settings = settings.maxAttempts(attempts);
                return this;
            }

            /**
             * The backoff of the first retry (zero: retry at once), doubled for each retry after, up to the max delay.
             *
             * @param delay from 0 to {@link dev.throttle.LimitSpec#MAX_DURATION}
             * @return this builder
             * @throws IllegalArgumentException if null or out of range
             */
            public Builder baseDelay(Duration delay) {
                settings = settings.baseDelay(delay);
                return this;
            }

            /**
             * The cap of the backoff. A {@link ThrottledException} whose retry-after exceeds it is not retried: no
             * attempt within the policy's patience could succeed.
             *
             * @param delay from 0 to {@link dev.throttle.LimitSpec#MAX_DURATION}
             * @return this builder
             * @throws IllegalArgumentException if null or out of range
             */
            public Builder maxDelay(Duration delay) {
                settings = settings.maxDelay(delay);
                return this;
            }

            /**
             * Which exceptions are retried. {@link Error}s never are.
             *
             * @param predicate true to retry
             * @return this builder
             * @throws IllegalArgumentException if null
             */
            public Builder retryOn(Predicate<Throwable> predicate) {
                settings = settings.retryOn(predicate);
                return this;
            }

            /**
             * Which results are retried: results of {@code type} the predicate accepts (an HTTP response with status
             * 503, returned rather than thrown); null and results of other types are not. When attempts run out, the
             * last result is returned. Default: no result is retried.
             *
             * @param type the results' type
             * @param predicate true to retry
             * @param <T> the results' type
             * @return this builder
             * @throws IllegalArgumentException if an argument is null
             */
            public <T> Builder retryOnResult(Class<T> type, Predicate<? super T> predicate) {
                Arguments.requireNonNull("type", type);
                Arguments.requireNonNull("retryOnResult", predicate);
                settings = settings.retryOnResult(
                        result -> type.isInstance(result) && predicate.test(type.cast(result)));
                return this;
            }

            /**
             * Builds the policy.
             *
             * @return the policy
             * @throws IllegalArgumentException if the base delay exceeds the max delay
             */
            public Config build() {
                return new Config(settings.requireConsistent());
            }
        }
    }
}
