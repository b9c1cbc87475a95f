package dev.throttle;

import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock for testing code that uses limiters: a {@link Ticker} that moves only when told, and the {@link Scheduler}
 * that goes with it. {@link #advance} moves time forward and runs every task falling due on the way (a waiting
 * request's retry or reserved slot, a timeout), in due order, with the clock set to each task's due time. Nothing
 * sleeps, so timing is tested exactly and fast:
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
 * RateLimiter limiter = engine.rateLimiter("api", TokenBucket.of(1, Rate.perSecond(1)));
 * limiter.allow();                                         // true: the bucket starts full
 * CompletableFuture<Permit> next = limiter.acquireAsync(1, Duration.ofSeconds(2));
 * clock.advance(Duration.ofSeconds(1));                    // the reserved slot comes: next is granted
 * }</pre>
 * Thread-safe: any thread may read it while one advances it; tasks run on the advancing thread.
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
        Arguments.requireNonNull("task", task);
        Arguments.requireNonNegative("delayNanos", delayNanos);
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
        Arguments.requireNonNegative("nanos", nanos);
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
        return advance(Arguments.toNanos("duration", duration, 0L, Long.MAX_VALUE));
    }

    /**
     * The number of tasks waiting to fall due.
     *
     * @return the count
     */
    public synchronized int pendingTasks() {
        return tasks.size();
    }

    @Override
    public String toString() {
        return "ManualClock[" + now.get() + " ns, " + pendingTasks() + " tasks pending]";
    }

    private record Task(long due, long order, Runnable action) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(order, other.order);
        }
    }
}
