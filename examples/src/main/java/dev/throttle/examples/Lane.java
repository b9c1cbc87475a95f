package dev.throttle.examples;

import dev.throttle.LeakyBucket;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One column of the demo: a limiter and the way a request asks it. Rate limiters are asked with
 * {@link Limiter#tryAcquire()}; the shaping queue with {@link Limiter#acquireAsync}, so each request is given its
 * slot and the wait shows; the concurrency limiter's grants hold their permit for {@link AlgorithmsDemo#HOLD_NANOS}
 * and close it then.
 */
final class Lane {

    /** A granted concurrency permit and the time its work ends. */
    private record Held(Permit permit, long releaseAt) {
    }

    private final Limiter limiter;
    private final DemoScheduler scheduler;
    private final boolean shaping;
    private final boolean holdsPermits;
    private final ArrayDeque<Held> held = new ArrayDeque<>();

    /**
     * Creates the column's limiter.
     *
     * @param algorithm the column
     * @param engine the engine, on the simulation's clock and scheduler
     * @param scheduler that scheduler, to read the waits a shaping queue assigns
     */
    Lane(Algorithm algorithm, LocalEngine engine, DemoScheduler scheduler) {
        this.limiter = engine.limiter(algorithm.name(), algorithm.spec());
        this.scheduler = scheduler;
        this.shaping = algorithm.spec() instanceof LeakyBucket bucket && bucket.mode() == LeakyBucket.Mode.SHAPING;
        this.holdsPermits = !algorithm.spec().isRate();
    }

    /**
     * Asks for one permit at {@code now}.
     *
     * @param now the ticker's reading
     * @return the cell: {@code ✓}, {@code ✓ +300ms} (granted after queueing), {@code ✗ 150ms} (refused, retry after)
     */
    String ask(long now) {
        if (shaping) {
            return askShaping();
        }
        if (holdsPermits) {
            release(now);
        }
        Permit permit = limiter.tryAcquire();
        if (permit.granted() && holdsPermits) {
            held.addLast(new Held(permit, now + AlgorithmsDemo.HOLD_NANOS));
        }
        return Cells.of(permit);
    }

    private String askShaping() {
        scheduler.takeLastDelay();
        CompletableFuture<Permit> pending = limiter.acquireAsync(1, AlgorithmsDemo.SHAPING_MAX_DELAY);
        if (pending.isDone()) {
            return Cells.of(pending.join());
        }
        // Not done: the queue reserved a slot and scheduled the grant for it.
        return Cells.delayed(scheduler.takeLastDelay());
    }

    /** Ends the work of every request whose time is up: all hold for the same time, so in grant order. */
    private void release(long now) {
        while (!held.isEmpty() && held.peekFirst().releaseAt() <= now) {
            held.pollFirst().permit().close();
        }
    }
}
