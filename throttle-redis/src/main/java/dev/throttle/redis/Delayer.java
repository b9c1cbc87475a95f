package dev.throttle.redis;

import dev.throttle.Arguments;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay: the Redis engine's waiting acquisitions wait on it (a reserved slot coming due, or a
 * refused request retried at its retry time) without parking a thread. Tests adapt a manual clock to it, so waits
 * follow the clock the decisions read.
 */
@FunctionalInterface
public interface Delayer {

    /**
     * Runs {@code task} once, about {@code delayNanos} from now.
     *
     * @param task the task; it must be short, or hand its work to another executor
     * @param delayNanos the delay in nanoseconds, 0 or more
     * @return a handle that cancels the task if it has not run yet
     */
    Cancellable schedule(Runnable task, long delayNanos);

    /** A handle on a scheduled task. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels the task if it has not started; does nothing otherwise. */
        void cancel();
    }

    /**
     * A delayer on an executor the caller owns (and shuts down).
     *
     * @param executor the executor
     * @return the delayer
     * @throws IllegalArgumentException if the executor is null
     */
    static Delayer of(ScheduledExecutorService executor) {
        Arguments.requireNonNull("executor", executor);
        return (task, delayNanos) -> {
            ScheduledFuture<?> future = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        };
    }

    /**
     * The JVM-wide delayer: one daemon timer thread that hands each due task to the common fork-join pool, so a slow
     * callback never delays other waiters.
     *
     * @return the shared delayer
     */
    static Delayer shared() {
        return SharedDelayer.INSTANCE;
    }
}

/** The default {@link Delayer}: a single daemon timer thread, created on first use. */
final class SharedDelayer implements Delayer {

    static final SharedDelayer INSTANCE = new SharedDelayer();

    private final ScheduledThreadPoolExecutor timer;

    private SharedDelayer() {
        timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "throttle-redis-delayer");
            thread.setDaemon(true);
            return thread;
        });
        // Cancelled waiters must not pile up in the timer's queue until their deadline.
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        ScheduledFuture<?> future = timer.schedule(
                () -> ForkJoinPool.commonPool().execute(task), delayNanos, TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }
}
