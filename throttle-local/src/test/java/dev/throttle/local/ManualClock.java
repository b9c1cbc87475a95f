package dev.throttle.local;

import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A manual ticker and the scheduler that goes with it, for tests: time moves only through {@link #advance}, which
 * runs every task falling due on the way, in due order, with the clock set to each task's due time. Nothing sleeps.
 * Published in the test jar for the other engines' tests.
 */
public final class ManualClock implements Ticker, Scheduler {

    private final AtomicLong now;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long sequence;

    /** A clock at zero. */
    public ManualClock() {
        this(0L);
    }

    /**
     * A clock at a given reading.
     *
     * @param startNanos the first reading
     */
    public ManualClock(long startNanos) {
        this.now = new AtomicLong(startNanos);
    }

    @Override
    public long read() {
        return now.get();
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayNanos) {
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos = " + delayNanos + " is negative");
        }
        Task scheduled = new Task(now.get() + delayNanos, sequence++, task);
        tasks.add(scheduled);
        return () -> {
            synchronized (ManualClock.this) {
                tasks.remove(scheduled);
            }
        };
    }

    /**
     * Moves time forward, running the tasks that fall due on the way.
     *
     * @param nanos how far
     * @return the new reading
     */
    public long advance(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos = " + nanos + " is negative");
        }
        long target = now.get() + nanos;
        for (;;) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    break;
                }
                tasks.poll();
            }
            now.accumulateAndGet(next.due, Math::max);
            next.action.run();
        }
        now.accumulateAndGet(target, Math::max);
        return now.get();
    }

    /**
     * Moves time forward, running the tasks that fall due on the way.
     *
     * @param duration how far
     * @return the new reading
     */
    public long advance(Duration duration) {
        return advance(duration.toNanos());
    }

    /**
     * The number of tasks waiting to fall due.
     *
     * @return the count
     */
    public synchronized int pendingTasks() {
        return tasks.size();
    }

    private record Task(long due, long order, Runnable action) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }
}
