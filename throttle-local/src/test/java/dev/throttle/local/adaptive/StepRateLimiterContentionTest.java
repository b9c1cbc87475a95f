package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Eight threads hammer one step limiter while its signal moves it. Time moves only between phases (a barrier action
 * advances the manual clock by one evaluation interval), so each phase's grants and evaluations can be counted
 * exactly.
 */
class StepRateLimiterContentionTest {

    private static final long PHASE = 100_000_000L;
    private static final int THREADS = 8;
    private static final int PHASES = 105;
    private static final int ATTEMPTS = 200;
    private static final long TIMEOUT_SECONDS = 20;
    /** Burst per step, equal to the permits one phase refills: a drained bucket is full again next phase. */
    private static final long[] CAPACITY = {1000, 500, 100, 10};

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final Queue<RateSwitch> switches = new ConcurrentLinkedQueue<>();

    /** Bad at phases 15, 30 and 45, well at 60, 75 and 90, inside the band otherwise. */
    private static double script(long now) {
        long phase = now / PHASE;
        if (phase == 15 || phase == 30 || phase == 45) {
            return 1.0;
        }
        return phase == 60 || phase == 75 || phase == 90 ? 0.0 : 0.3;
    }

    private static int expectedStep(int phase) {
        int[] starts = {15, 30, 45, 60, 75, 90};
        int[] steps = {1, 2, 3, 2, 1, 0};
        int step = 0;
        for (int i = 0; i < starts.length; i++) {
            if (phase >= starts[i]) {
                step = steps[i];
            }
        }
        return step;
    }

    @Test
    void eightThreadsSeeOneEvaluationPerIntervalAndNeverMoreThanTheActiveStepsAllow() throws Exception {
        StepRateLimiter limiter = StepRateLimiter.builder("hammered", engine)
                .signal(StepRateLimiterContentionTest::script)
                .thresholds(0.5, 0.1)
                .step(TokenBucket.of(CAPACITY[0], Rate.perSecond(10_000)))
                .step(TokenBucket.of(CAPACITY[1], Rate.perSecond(5_000)))
                .step(TokenBucket.of(CAPACITY[2], Rate.perSecond(1_000)))
                .step(TokenBucket.of(CAPACITY[3], Rate.perSecond(100)))
                .evaluationInterval(Duration.ofNanos(PHASE))
                .cooldowns(Duration.ZERO, Duration.ZERO)
                .listener(switches::add)
                .build();
        long[] grants = hammer(limiter);

        assertThat(limiter.evaluations()).isEqualTo(PHASES - 1); // one per phase after the first interval
        assertThat(switches).extracting(RateSwitch::atNanos)
                .containsExactly(15 * PHASE, 30 * PHASE, 45 * PHASE, 60 * PHASE, 75 * PHASE, 90 * PHASE);
        assertThat(switches).extracting(s -> s.fromLevel() + "->" + s.toLevel())
                .isEqualTo(List.of("0->1", "1->2", "2->3", "3->2", "2->1", "1->0"));
        assertThat(limiter.switches()).isEqualTo(6);
        long allowed = 0;
        long total = 0;
        int lastSwitch = 0;
        for (int phase = 0; phase < PHASES; phase++) {
            int step = expectedStep(phase);
            int before = phase == 0 ? 0 : expectedStep(phase - 1);
            if (step != before) {
                lastSwitch = phase;
            }
            // A phase that switches may grant at either step's burst; permits granted at the faster rate are then
            // owed and paid back at the slower one.
            long cap = Math.max(CAPACITY[step], CAPACITY[before]);
            assertThat(grants[phase]).as("phase %s", phase).isLessThanOrEqualTo(cap);
            if (phase == 0 || phase - lastSwitch > 10) {
                assertThat(grants[phase]).as("steady phase %s", phase).isEqualTo(CAPACITY[step]);
            }
            allowed += cap;
            total += grants[phase];
        }
        assertThat(total).isLessThanOrEqualTo(allowed);
        assertThat(limiter.currentStep()).isZero();
    }

    private long[] hammer(StepRateLimiter limiter) throws InterruptedException {
        AtomicLongArray counted = new AtomicLongArray(PHASES);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CyclicBarrier barrier = new CyclicBarrier(THREADS, () -> clock.advance(PHASE));
        Thread[] workers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            workers[t] = new Thread(() -> {
                try {
                    for (int phase = 0; phase < PHASES; phase++) {
                        long granted = 0;
                        for (int i = 0; i < ATTEMPTS; i++) {
                            if (limiter.allow()) {
                                granted++;
                            }
                        }
                        counted.addAndGet(phase, granted);
                        barrier.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                    barrier.reset();
                }
            }, "step-hammer-" + t);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS * 2));
            assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
        }
        assertThat(failures).isEmpty();
        long[] result = new long[PHASES];
        for (int phase = 0; phase < PHASES; phase++) {
            result[phase] = counted.get(phase);
        }
        return result;
    }
}
