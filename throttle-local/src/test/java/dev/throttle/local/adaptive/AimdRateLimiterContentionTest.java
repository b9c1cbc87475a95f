package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Eight threads drop every permit they get for twelve phases, then close them for ten. Whatever the interleaving,
 * the cooldown lets exactly one drop per phase halve the rate, and each healthy evaluation adds exactly once. The
 * rate's period is one phase, so even the lowest rate (10 per period) refills permits in every phase: every dropping
 * phase really has drops, however the grants interleave with the rate changes. (With a one-second period the lowest
 * rate refilled one permit per phase, and a phase whose permit went to a grant made before a rate change saw no
 * grant at all: a healthy interval, rightly increased.)
 */
class AimdRateLimiterContentionTest {

    private static final long PHASE = 100_000_000L;
    private static final int THREADS = 8;
    private static final int DROPPING = 12;
    private static final int PHASES = 22;
    private static final long TIMEOUT_SECONDS = 20;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    @Test
    void concurrentDropsHalveTheRateOncePerCooldownAndHealthyIntervalsAddOnce() throws Exception {
        AtomicInteger decreases = new AtomicInteger();
        AimdRateLimiter limiter = AimdRateLimiter.builder("aimd", engine)
                .rates(10, 1000, 2000).period(Duration.ofNanos(PHASE)).increase(5).decreaseFactor(0.5).burst(100)
                .evaluationInterval(Duration.ofNanos(PHASE)).cooldown(Duration.ofNanos(PHASE))
                .listener(change -> {
                    if (change.cause() == RateSwitch.Cause.DECREASE) {
                        decreases.incrementAndGet();
                    }
                })
                .build();
        long[] rates = new long[PHASES];
        int[] phase = {0};
        CyclicBarrier barrier = new CyclicBarrier(THREADS, () -> {
            rates[phase[0]++] = limiter.currentPermitsPerPeriod();
            clock.advance(PHASE);
        });
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Thread[] workers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            workers[t] = new Thread(() -> {
                try {
                    for (int p = 0; p < PHASES; p++) {
                        for (int i = 0; i < 50; i++) {
                            Permit permit = limiter.tryAcquire();
                            if (p < DROPPING) {
                                permit.dropped();
                            } else {
                                permit.close();
                            }
                        }
                        barrier.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                    barrier.reset();
                }
            }, "aimd-hammer-" + t);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS * 2));
            assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
        }
        assertThat(failures).isEmpty();

        long[] expected = new long[PHASES];
        long rate = 1000;
        for (int p = 0; p < PHASES; p++) {
            if (p < DROPPING) {
                rate = Math.max(10, rate / 2);
            } else if (p > DROPPING) {
                rate += 5; // phase 12's evaluation still sees phase 11's drops
            }
            expected[p] = rate;
        }
        assertThat(rates).containsExactly(expected);
        assertThat(decreases.get()).isEqualTo(7); // 500, 250, 125, 62, 31, 15, 10
        assertThat(limiter.evaluations()).isEqualTo(PHASES - 1);
    }
}
