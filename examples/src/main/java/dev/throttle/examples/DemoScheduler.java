package dev.throttle.examples;

import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import java.util.PriorityQueue;

/**
 * A scheduler for a single-threaded simulation on a manual ticker: it remembers the delay of the last task it was
 * given (the wait a shaping queue assigned to a request) and runs tasks only when the simulation says time has come.
 * Not thread-safe: the demo's thread is the only one that schedules and runs tasks.
 */
final class DemoScheduler implements Scheduler {

    private final Ticker ticker;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long sequence;
    private long lastDelayNanos = -1;

    /**
     * A scheduler whose delays count from the given ticker's readings.
     *
     * @param ticker the simulation's clock
     */
    DemoScheduler(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        lastDelayNanos = delayNanos;
        Task scheduled = new Task(ticker.read() + delayNanos, sequence++, task);
        tasks.add(scheduled);
        return () -> tasks.remove(scheduled);
    }

    /**
     * The delay of the task scheduled since the last call, if any, and forgets it.
     *
     * @return the delay in nanoseconds, or -1 if nothing was scheduled
     */
    long takeLastDelay() {
        long delay = lastDelayNanos;
        lastDelayNanos = -1;
        return delay;
    }

    /**
     * Runs, in due order, every task due at or before {@code now}.
     *
     * @param now the ticker's current reading
     */
    void runDue(long now) {
        while (!tasks.isEmpty() && tasks.peek().due <= now) {
            tasks.poll().action.run();
        }
    }

    private record Task(long due, long order, Runnable action) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }
}
