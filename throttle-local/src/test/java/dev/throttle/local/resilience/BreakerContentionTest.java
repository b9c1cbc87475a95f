package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.local.resilience.CircuitBreaker.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many threads on one window or one breaker: the counts must be exact. */
class BreakerContentionTest {

    private static final int THREADS = 8;

    /** A verdict that always opens, so that every record returns its counts. */
    private static final OutcomeWindow.Verdict ALWAYS = (calls, failures, slowCalls) -> true;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void shutDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Runs the task on every thread at once, returning what each returned. */
    private List<Long> hammer(Task task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
                assertThat(start.await(10, TimeUnit.SECONDS)).isTrue();
                return task.run();
            }));
        }
        start.countDown();
        List<Long> results = new ArrayList<>();
        for (Future<Long> future : futures) {
            results.add(future.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    @FunctionalInterface
    private interface Task {
        long run() throws Exception;
    }

    @Test
    void theCountWindowsCountsAlwaysMatchItsRing() throws Exception {
        CountWindow window = new CountWindow(64, ALWAYS);
        int perThread = 50_000;
        hammer(() -> {
            for (int i = 0; i < perThread; i++) {
                Tally tally = window.record(ThreadLocalRandom.current().nextInt(4), 0L);
                if (tally.failures() > tally.calls() || tally.slowCalls() > tally.calls() || tally.failures() < 0
                        || tally.slowCalls() < 0) {
                    return 1L; // an inconsistent snapshot
                }
            }
            return 0L;
        }).forEach(inconsistent -> assertThat(inconsistent).isZero());
        // Every record took the lock: a success skips it only in a window of 64 plain successes (odds of 4^-64 here).
        assertThat(window.records()).isEqualTo((long) THREADS * perThread);
        Tally tally = window.tally(0L);
        assertThat(window.recount()).containsExactly(tally.calls(), tally.failures(), tally.slowCalls());
        assertThat(tally.calls()).isEqualTo(64);
    }

    @Test
    void theCountWindowEndsWithExactlyTheLastOutcomes() throws Exception {
        CountWindow window = new CountWindow(100, ALWAYS);
        hammer(() -> {
            for (int i = 0; i < 10_000; i++) {
                window.record(Outcomes.FAILURE, 0L);
            }
            return 0L;
        });
        // Then every thread records successes only, more than the window holds: no failure may survive.
        hammer(() -> {
            for (int i = 0; i < 20; i++) {
                window.record(0, 0L);
            }
            return 0L;
        });
        assertThat(window.recount()).containsExactly(100L, 0L, 0L);
        assertThat(window.tally(0L).failures()).isZero();
    }

    @Test
    void aQuietWindowUnderContentionStaysExactThroughItsTransitions() throws Exception {
        CountWindow window = new CountWindow(100, ALWAYS);
        // Mostly plain successes, which skip the lock once the window is quiet, with a failure now and then.
        hammer(() -> {
            for (int i = 1; i <= 50_000; i++) {
                window.record(i % 997 == 0 ? Outcomes.FAILURE : 0, 0L);
            }
            return 0L;
        });
        Tally mixed = window.tally(0L);
        assertThat(window.recount()).containsExactly(mixed.calls(), mixed.failures(), mixed.slowCalls());
        // Then only successes, more than the window holds per thread: it must end quiet and exact.
        hammer(() -> {
            for (int i = 0; i < 1_000; i++) {
                window.record(0, 0L);
            }
            return 0L;
        });
        assertThat(window.tally(0L)).isEqualTo(new Tally(100, 0, 0));
        assertThat(window.recount()).containsExactly(100L, 0L, 0L);
        // A failure ends the quiet, and leaves after exactly 100 more records.
        assertThat(window.record(Outcomes.FAILURE, 0L)).isEqualTo(new Tally(100, 1, 0));
        for (int i = 0; i < 99; i++) {
            assertThat(window.record(0, 0L)).isEqualTo(new Tally(100, 1, 0));
        }
        assertThat(window.record(0, 0L)).isEqualTo(new Tally(100, 0, 0));
        assertThat(window.record(0, 0L)).isEqualTo(new Tally(100, 0, 0));
    }

    @Test
    void aCountWindowLargerThanTheRecordsCountsEveryOutcomeExactly() throws Exception {
        CountWindow window = new CountWindow(CircuitBreaker.Config.MAX_WINDOW_SIZE, ALWAYS);
        int perThread = 50_000;
        List<Long> failures = hammer(() -> {
            long failed = 0;
            for (int i = 0; i < perThread; i++) {
                int outcome = ThreadLocalRandom.current().nextInt(4);
                failed += Outcomes.failures(outcome);
                window.record(outcome, 0L);
            }
            return failed;
        });
        Tally tally = window.tally(0L);
        assertThat(tally.calls()).isEqualTo((long) THREADS * perThread);
        assertThat(tally.failures()).isEqualTo(failures.stream().mapToLong(Long::longValue).sum());
        assertThat(window.recount()).containsExactly(tally.calls(), tally.failures(), tally.slowCalls());
    }

    @Test
    void theTimeWindowLosesNoOutcome() throws Exception {
        ManualClock ticker = new ManualClock();
        TimeWindow window = new TimeWindow(Duration.ofSeconds(10).toNanos(), Duration.ofSeconds(1).toNanos(), ALWAYS);
        AtomicLong failures = new AtomicLong();
        int perThread = 20_000;
        hammer(() -> {
            for (int i = 0; i < perThread; i++) {
                boolean failure = ThreadLocalRandom.current().nextBoolean();
                if (failure) {
                    failures.incrementAndGet();
                }
                window.record(Outcomes.of(failure, false), ticker.read());
            }
            return 0L;
        });
        Tally tally = window.tally(ticker.read());
        assertThat(tally.calls()).isEqualTo((long) THREADS * perThread);
        assertThat(tally.failures()).isEqualTo(failures.get());
    }

    @Test
    void aHalfOpenBreakerLetsThroughExactlyItsProbes() throws Exception {
        ManualClock ticker = new ManualClock();
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(ticker)
                .config(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1)
                        .waitDurationInOpenState(Duration.ofSeconds(1)).permittedCallsInHalfOpenState(5).build())
                .build();
        breaker.onError(0, new IllegalStateException());
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        ticker.advance(Duration.ofSeconds(1));
        List<Long> granted = hammer(() -> {
            long count = 0;
            for (int i = 0; i < 1000; i++) {
                if (breaker.tryAcquirePermission()) {
                    count++;
                }
            }
            return count;
        });
        assertThat(granted.stream().mapToLong(Long::longValue).sum()).isEqualTo(5);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    }

    @Test
    void aBreakerUnderConcurrentFailuresOpensOnceAndRefusesAfter() throws Exception {
        ManualClock ticker = new ManualClock();
        AtomicLong transitions = new AtomicLong();
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(ticker)
                .config(CircuitBreaker.Config.builder().countWindow(50).minimumNumberOfCalls(50).build())
                .listener(event -> {
                    if (event.kind() == CircuitBreaker.Event.Kind.STATE_TRANSITION) {
                        transitions.incrementAndGet();
                    }
                })
                .build();
        List<Long> permitted = hammer(() -> {
            long count = 0;
            for (int i = 0; i < 1000; i++) {
                if (breaker.tryAcquirePermission()) {
                    count++;
                    breaker.onError(0, new IllegalStateException());
                }
            }
            return count;
        });
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(transitions.get()).isEqualTo(1);
        // At least the 50 calls needed to judge went through; at most those plus one in flight per other thread.
        assertThat(permitted.stream().mapToLong(Long::longValue).sum()).isBetween(50L, 50L + THREADS - 1);
    }
}
