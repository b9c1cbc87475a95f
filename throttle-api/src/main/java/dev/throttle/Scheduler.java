package dev.throttle;

import dev.throttle.kernel.Arguments;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay. Every engine's waiting acquisitions wait on one (a reserved slot coming due, or a
 * refused request retried at its retry time): no thread per waiter, no spinning. Tests give the engine a scheduler
 * driven by the same manual clock as its {@link Ticker}, so waits follow the clock the decisions read.
 */
@FunctionalInterface
public interface Scheduler {

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
     * A scheduler on an executor the caller owns (and shuts down).
     *
     * @param executor the executor
     * @return the scheduler
     * @throws IllegalArgumentException if the executor is null
     */
    static Scheduler of(ScheduledExecutorService executor) {
        Arguments.requireNonNull("executor", executor);
        return (task, delayNanos) -> {
            ScheduledFuture<?> future = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        };
    }

    /**
     * The JVM-wide scheduler: one daemon timer thread that hands each due task to the common fork-join pool, so a slow
     * callback never delays other waiters.
     *
     * @return the shared scheduler
     */
    static Scheduler shared() {
        return SharedScheduler.INSTANCE;
    }
}

/** The default {@link Scheduler}: a single daemon timer thread, created on first use. */
final class SharedScheduler implements Scheduler {

    static final SharedScheduler INSTANCE = new SharedScheduler();

    private final ScheduledThreadPoolExecutor timer;

    private SharedScheduler() {
        timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "throttle-scheduler");
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
