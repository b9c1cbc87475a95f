package dev.throttle.local.resilience;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.ThrottledException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Calls again, after a backoff, a call that failed with a retryable exception or returned a retryable result.
 *
 * <p>Before retry {@code n} it waits the jittered exponential backoff of its {@link RetryConfig}; for a
 * {@link ThrottledException} it waits at least the exception's retry-after (a retry sooner is bound to be refused),
 * and gives up at once when the retry-after is {@link Permit#NEVER} or longer than the max delay. With a
 * {@link RetryBudget}, every call deposits into it and every retry must withdraw from it: when the budget is spent,
 * the failure is returned as is. When attempts run out, the last failure is thrown or the last result returned.
 *
 * <p>{@link #call} waits on the calling thread through its {@link Sleeper} (by default parking it); an interrupt
 * during the wait stops the retries: the last failure is thrown (or the last result returned) with the thread's
 * interrupt flag set. {@link #callAsync} waits on its {@link Scheduler} and parks no thread. Thread-safe: a Retry holds
 * no per-call state and can be shared.
 */
public final class Retry {

    /** Returned by the delay computations to say: do not retry. */
    static final long GIVE_UP = -1L;

    private final String name;
    private final RetryConfig config;
    private final RetryBudget budget;
    private final RandomSource random;
    private final Sleeper sleeper;
    private final Scheduler scheduler;

    private Retry(Builder builder) {
        this.name = builder.name;
        this.config = builder.config;
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
    public RetryConfig config() {
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

    @Override
    public String toString() {
        return "Retry[" + name + ", " + config + "]";
    }

    /**
     * The wait before retrying a failed attempt.
     *
     * @param attempt the attempt that failed, 1 for the first
     * @param failure its failure
     * @return nanoseconds, or {@link #GIVE_UP}
     */
    long delayAfterFailure(int attempt, Throwable failure) {
        if (attempt >= config.maxAttempts() || !(failure instanceof Exception) || !config.retryOn().test(failure)) {
            return GIVE_UP;
        }
        long atLeast = 0L;
        if (failure instanceof ThrottledException) {
            long retryAfter = ((ThrottledException) failure).retryAfterNanos();
            if (retryAfter == Permit.NEVER || retryAfter > config.maxDelayNanos()) {
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
        if (attempt >= config.maxAttempts() || !config.retryOnResult().test(result)) {
            return GIVE_UP;
        }
        return withdraw(backoff(attempt));
    }

    /** The full-jitter backoff before the retry following {@code attempt}: uniform in {@code [0, cap]}. */
    private long backoff(int attempt) {
        long cap = config.backoffCapNanos(attempt);
        return cap == 0 ? 0L : random.nextLong(cap + 1);
    }

    /** Takes the retry from the budget last, so a retry the policy refuses anyway costs nothing. */
    private long withdraw(long delay) {
        return budget == null || budget.tryWithdraw() ? delay : GIVE_UP;
    }

    /** Waits; false if interrupted (the flag is set again), so the caller stops retrying. */
    private boolean sleep(long delay) {
        if (delay == 0) {
            return true;
        }
        try {
            sleeper.sleep(delay);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Builds a {@link Retry}; each setter checks its argument at once. */
    public static final class Builder {

        private String name = "retry";
        private RetryConfig config = RetryConfig.defaults();
        private RetryBudget budget;
        private RandomSource random = RandomSource.threadLocal();
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
        public Builder config(RetryConfig config) {
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
         * The source of the jitter.
         *
         * @param random the source
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder random(RandomSource random) {
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
}
