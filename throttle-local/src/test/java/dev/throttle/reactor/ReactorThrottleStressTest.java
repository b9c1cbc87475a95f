package dev.throttle.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.ThrottledException;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Eight threads subscribe to guarded {@code Mono}s on one bulkhead and end them every way at random, from every thread:
 * complete, fail, cancel while holding the permit, cancel while waiting in the queue (racing the grant that a release
 * on another thread makes), refused at once. No permit may be
 * lost or counted twice: never more than the limit inside at once, and at the end every permit free and the queue
 * empty. The clock never moves, so a waiter leaves the queue only by a grant or its own cancel.
 */
class ReactorThrottleStressTest {

    private static final int LIMIT = 4;
    private static final int THREADS = 8;
    private static final int SUBSCRIPTIONS_EACH = 5_000;

    @Test
    void randomEndsFromEightThreadsLoseNoPermit() throws Exception {
        ManualClock clock = new ManualClock();
        LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        Limiter bulkhead = engine.limiter("stress", Concurrency.of(LIMIT, 1_000));
        ReactorThrottle waiting = ReactorThrottle.of(bulkhead).maxWait(Duration.ofHours(1));
        ReactorThrottle atOnce = ReactorThrottle.of(bulkhead);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        /** Sources still running, ended later by any thread (sinks and disposables are thread-safe). */
        List<Runnable> pending = java.util.Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random random = new Random(17 + t);
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < SUBSCRIPTIONS_EACH; i++) {
                        // Half the sources end by themselves as soon as they run (a value, or a failure); the
                        // others run until cancelled, now or later, by this thread or another.
                        int kind = random.nextInt(4);
                        Mono<String> source = kind == 0 ? Mono.just("done")
                                : kind == 1 ? Mono.error(new IllegalStateException("failed")) : Mono.never();
                        // Counted in from its subscription until its end reaches the guard, which then releases the
                        // permit (a release can grant a waiter at once, on this thread: counting out in doFinally would
                        // count the next one in first); a cancel after the end is not counted out twice.
                        AtomicBoolean in = new AtomicBoolean();
                        Runnable out = () -> {
                            if (in.compareAndSet(true, false)) {
                                inside.decrementAndGet();
                            }
                        };
                        Mono<String> guarded = source
                                .doOnSubscribe(subscription -> {
                                    in.set(true);
                                    mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                                })
                                .doOnTerminate(out)
                                .doOnCancel(out)
                                .transform((random.nextInt(4) == 0 ? atOnce : waiting).mono());
                        Disposable running = guarded.subscribe(value -> completed.incrementAndGet(), failure -> {
                            if (failure instanceof ThrottledException) {
                                refused.incrementAndGet();
                            } else if (!"failed".equals(failure.getMessage())) {
                                unexpected.compareAndSet(null, failure);
                            }
                        });
                        Runnable end = running::dispose; // holding its permit, still waiting for one, or over already
                        if (random.nextBoolean()) {
                            end.run();
                        } else {
                            pending.add(end);
                        }
                        // Now and then end a source another thread left running.
                        if (random.nextInt(3) == 0) {
                            Runnable other = takeAny(pending, random);
                            if (other != null) {
                                other.run();
                            }
                        }
                    }
                } catch (Throwable e) {
                    unexpected.compareAndSet(null, e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join(60_000);
        }
        for (Runnable end; (end = takeAny(pending, null)) != null; ) {
            end.run();
        }

        assertThat(unexpected.get()).isNull();
        assertThat(bulkhead.availablePermits()).as("every permit free again").isEqualTo(LIMIT);
        assertThat(((ConcurrencyStats) bulkhead).inFlight()).isZero();
        assertThat(((ConcurrencyStats) bulkhead).queueLength()).as("nobody left waiting").isZero();
        assertThat(inside.get()).as("sources still running").isZero();
        assertThat(mostInside.get()).as("sources running at once").isBetween(1, LIMIT);
        assertThat(completed.get()).as("completed").isPositive();
        assertThat(refused.get()).as("refused at once").isPositive();
    }

    /** Removes and returns one of the pending ends (a random one, or the last), or null if none is left. */
    private static Runnable takeAny(List<Runnable> pending, Random random) {
        synchronized (pending) {
            if (pending.isEmpty()) {
                return null;
            }
            return pending.remove(random == null ? pending.size() - 1 : random.nextInt(pending.size()));
        }
    }
}
