package dev.throttle;

import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Decides whether a unit of work may proceed now, later, or not at all.
 *
 * <p>Three ways to ask, all answering with a {@link Permit}:
 * <ul>
 *   <li>{@link #tryAcquire(long)} answers at once and never waits for permits;</li>
 *   <li>{@link #acquire(long, Duration)} waits up to a maximum for the permits;</li>
 *   <li>{@link #acquireAsync(long, Duration)} waits for the permits without parking any thread.</li>
 * </ul>
 * None of them waits for permits it was not asked to wait for, but a local limiter's decision that loses the
 * limiter's state to another thread deciding at the same instant may step aside for the shortest park the OS gives
 * (tens of microseconds) before it decides again: retrying at once would bounce the state's cache line between the
 * contending cores and slow both.
 *
 * <p>A request for less than one permit or more than the spec's {@link LimitSpec#capacity() capacity}, or with a
 * negative or absurd wait, is refused with an {@link IllegalArgumentException} and changes nothing. A refusal says
 * {@link Permit#NEVER} only when the capacity is not known at call time (it was lowered by a live reconfiguration, or
 * lives in a shared store) and the request exceeds it.
 *
 * <p>Implementations are thread-safe.
 */
public interface Limiter {

    /**
     * The limiter's name, used in permits, exceptions and metrics.
     *
     * @return the name, never null
     */
    String name();

    /**
     * The limit this limiter enforces.
     *
     * @return the spec
     */
    LimitSpec spec();

    /**
     * Asks for permits now, without waiting.
     *
     * @param permits how many, from 1 up to the capacity of the spec
     * @return the decision
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, capacity]}
     */
    Permit tryAcquire(long permits);

    /**
     * Asks for one permit now, without waiting.
     *
     * @return the decision
     */
    default Permit tryAcquire() {
        return tryAcquire(1);
    }

    /**
     * Asks for permits, waiting up to {@code maxWait} for them. Returns as soon as it is known that the
     * permits cannot be had within {@code maxWait}. If the waiting thread is interrupted, the request is withdrawn,
     * the interrupt flag is set again and a refused permit is returned.
     *
     * @param permits how many, from 1 up to the capacity of the spec
     * @param maxWait how long to wait at most; zero means do not wait
     * @return the decision
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, capacity]} or {@code maxWait} is null,
     *     negative or longer than
     *     {@link LimitSpec#MAX_DURATION}
     */
    Permit acquire(long permits, Duration maxWait);

    /**
     * Asks for permits, completing when they are granted or when it is known they cannot be had within
     * {@code maxWait}. No thread is parked while waiting. Cancelling the future withdraws the request and gives
     * back anything it had reserved.
     *
     * @param permits how many, from 1 up to the capacity of the spec
     * @param maxWait how long to wait at most; zero means do not wait
     * @return a future decision; it never completes exceptionally except when cancelled
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, capacity]} or {@code maxWait} is null,
     *     negative or longer than
     *     {@link LimitSpec#MAX_DURATION}
     */
    CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait);

    /**
     * An estimate of the permits a request could have now, for gauges and headers. Not a promise.
     *
     * @return zero or more
     */
    long availablePermits();

    /**
     * Runs a task under one permit, or refuses it.
     *
     * @param task the work to guard
     * @param <T> its result type
     * @return the task's result
     * @throws ThrottledException if no permit was granted; it carries the time until a retry could succeed
     * @throws Exception whatever the task throws
     */
    default <T> T call(Callable<T> task) throws Exception {
        Arguments.requireNonNull("task", task);
        try (Permit permit = tryAcquire(1)) {
            if (!permit.granted()) {
                throw new ThrottledException(permit);
            }
            return task.call();
        }
    }

    /**
     * Runs a task under one permit, or refuses it.
     *
     * @param task the work to guard
     * @throws ThrottledException if no permit was granted; it carries the time until a retry could succeed
     */
    default void run(Runnable task) {
        Arguments.requireNonNull("task", task);
        try (Permit permit = tryAcquire(1)) {
            if (!permit.granted()) {
                throw new ThrottledException(permit);
            }
            task.run();
        }
    }

    /**
     * Starts an asynchronous task under one permit held until the task's stage completes, or refuses it. A task
     * that throws instead of supplying a stage, or supplies {@code null}, gives the permit back at once and fails the
     * returned future with what it threw (an {@link IllegalArgumentException} for {@code null}), as
     * {@code CircuitBreaker.callAsync} and {@code Retry.callAsync} do: an asynchronous call reports every failure
     * through its future.
     *
     * @param task supplies the stage to guard; called only when a permit is granted
     * @param <T> the stage's result type
     * @return the task's outcome, or a future failed with {@link ThrottledException} or with the task's failure
     */
    default <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> task) {
        Arguments.requireNonNull("task", task);
        Permit permit = tryAcquire(1);
        if (!permit.granted()) {
            return CompletableFuture.failedFuture(new ThrottledException(permit));
        }
        CompletionStage<T> stage;
        try {
            stage = Arguments.requireNonNull("stage supplied by task", task.get());
        } catch (Throwable failure) {
            // The permit is held for the stage; without one, nothing will ever give it back but this.
            permit.close();
            return CompletableFuture.failedFuture(failure);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        stage.whenComplete((value, failure) -> {
            permit.close();
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        });
        return result;
    }
}
