package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;

/**
 * Concurrency limit (bulkhead): at most {@code limit} permits held at once; a permit is held from its grant until
 * {@link Permit#close()}. Requests that wait (with {@link Limiter#acquire}) queue, at most {@code maxQueue} of them,
 * served in {@code order}.
 *
 * @param limit the most permits held at once, from 1 to {@link Integer#MAX_VALUE}
 * @param maxQueue the most requests waiting at once, from 0 (no waiting) to {@link Integer#MAX_VALUE}
 * @param order the order in which waiters are served
 */
public record Concurrency(long limit, int maxQueue, QueueOrder order) implements LimitSpec {

    /** The order in which waiting requests are served. */
    public enum QueueOrder {
        /** Oldest waiter first: fair. */
        FIFO,
        /**
         * Newest waiter first: under overload, fresh requests (whose callers still wait) are served first; a request
         * that finds the queue full takes the place of the oldest waiter, which is refused.
         */
        LIFO,
        /** Highest priority first, FIFO among equals. */
        PRIORITY
    }

    /**
     * Validates the spec.
     *
     * @param limit the most permits held at once, from 1 to {@link Integer#MAX_VALUE}
     * @param maxQueue the most requests waiting at once, from 0 (no waiting) to {@link Integer#MAX_VALUE}
     * @param order the order in which waiters are served
     * @throws IllegalArgumentException if a parameter is null or out of range
     */
    public Concurrency {
        Arguments.requireInRange("limit", limit, 1, Integer.MAX_VALUE);
        Arguments.requireInRange("maxQueue", maxQueue, 0, Integer.MAX_VALUE);
        Arguments.requireNonNull("order", order);
    }

    /**
     * A concurrency limit without a queue.
     *
     * @param limit the most permits held at once
     * @return the spec
     */
    public static Concurrency of(long limit) {
        return new Concurrency(limit, 0, QueueOrder.FIFO);
    }

    /**
     * A concurrency limit with a FIFO queue.
     *
     * @param limit the most permits held at once
     * @param maxQueue the most requests waiting at once
     * @return the spec
     */
    public static Concurrency of(long limit, int maxQueue) {
        return new Concurrency(limit, maxQueue, QueueOrder.FIFO);
    }

    @Override
    public long capacity() {
        return limit;
    }

    @Override
    public long restNanos() {
        return 0;
    }

    /**
     * Permits are held until closed: not a rate.
     *
     * @return false
     */
    @Override
    public boolean isRate() {
        return false;
    }

    /**
     * The spec for logs: {@code Concurrency[limit=20, queue 100 FIFO]}, or {@code Concurrency[limit=20, no queue]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Concurrency[limit=" + limit + ", " + SpecText.queue(this) + "]";
    }

    /**
     * Calls the visitor's method for this kind of spec.
     *
     * @param visitor the visitor
     * @param <R> what it answers
     * @return its answer
     */
    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.concurrency(this);
    }
}
