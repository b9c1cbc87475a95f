package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.LeakyBucket;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Eight threads drain a token bucket and an equal leaky bucket meter with {@code allow(1..3)} while a coordinator
 * advances the clock in phases; within a phase the clock stands still, so every grant of the phase shares one
 * reading and the exact number of permits the buckets can give is known.
 *
 * <p>Arithmetic: the buckets start full ({@code C} permits) at phase 0, and each of the {@code P} later phases
 * first advances the clock by {@code d}. A thread leaves a phase only when {@code allow(1)} is refused: the bucket
 * then holds less than one whole permit, and nothing can refill while the clock stands still, so demand always
 * takes every whole permit. The fraction left over carries to the next phase (the buckets never overflow since
 * {@code d < (C − 1)·T}), hence after phase {@code j} exactly {@code C + floor(j·d / T)} permits were granted.
 */
class TokenBucketContentionTest {

    private static final int THREADS = 8;
    private static final int PHASES = 40;
    private static final long CAPACITY = 1000;
    private static final Rate RATE = Rate.perSecond(1_000_000);
    private static final long INTERVAL = RATE.intervalNanos();
    /** 345.678 permits' worth: not a whole number, so fractions must carry exactly from phase to phase. */
    private static final long STEP = 345_678L;

    @Test
    void threadsDrainingBothBucketsGetExactlyWhatTheRateAllows() throws Exception {
        ManualClock clock = new ManualClock(777_000_000_123L);
        LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        RateLimiter[] limiters = {
            engine.rateLimiter("token", TokenBucket.of(CAPACITY, RATE)),
            engine.rateLimiter("leaky", LeakyBucket.meter(CAPACITY, RATE)),
        };
        AtomicLongArray[] granted = {new AtomicLongArray(PHASES + 1), new AtomicLongArray(PHASES + 1)};
        Phaser phaser = new Phaser(THREADS + 1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = t;
                workers.add(pool.submit(() -> {
                    try {
                        work(new SplittableRandom(seed), limiters, granted, phaser);
                    } catch (Throwable failure) {
                        phaser.forceTermination(); // releases everyone instead of hanging the test
                        throw failure;
                    }
                    return null;
                }));
            }
            try {
                coordinate(clock, limiters, granted, phaser);
            } catch (IllegalStateException terminated) {
                for (Future<?> worker : workers) {
                    worker.get(10, TimeUnit.SECONDS); // surfaces the worker's failure
                }
                throw terminated;
            }
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long total = CAPACITY + PHASES * STEP / INTERVAL;
        assertThat(total).isEqualTo(1000 + 13_827); // 40 · 345.678 = 13_827.12 permits refilled
        for (int l = 0; l < limiters.length; l++) {
            long sum = 0;
            for (int phase = 0; phase <= PHASES; phase++) {
                sum += granted[l].get(phase);
            }
            assertThat(sum).as("total granted by %s", limiters[l].name()).isEqualTo(total);
            assertThat(limiters[l].availablePermits()).isZero();
        }
    }

    /** Moves the clock phase by phase and checks each phase's grants against the arithmetic and the buckets. */
    private static void coordinate(ManualClock clock, RateLimiter[] limiters, AtomicLongArray[] granted,
            Phaser phaser) throws Exception {
        for (int phase = 0; phase <= PHASES; phase++) {
            if (phase > 0) {
                clock.advance(STEP);
            }
            long expected = phase == 0
                    ? CAPACITY
                    : phase * STEP / INTERVAL - (phase - 1) * STEP / INTERVAL;
            long[] held = {limiters[0].availablePermits(), limiters[1].availablePermits()};
            await(phaser); // start the phase
            await(phaser); // every worker found both buckets empty
            for (int l = 0; l < limiters.length; l++) {
                assertThat(granted[l].get(phase)).as("%s in phase %d", limiters[l].name(), phase)
                        .isEqualTo(expected)
                        .isEqualTo(held[l]);
            }
        }
    }

    /** One worker: in each phase, asks both buckets for 1 to 3 permits at random until each refuses one permit. */
    private static void work(SplittableRandom random, RateLimiter[] limiters, AtomicLongArray[] granted,
            Phaser phaser) throws Exception {
        for (int phase = 0; phase <= PHASES; phase++) {
            await(phaser);
            boolean[] open = {true, true};
            while (open[0] || open[1]) {
                int l = open[0] && open[1] ? random.nextInt(2) : open[0] ? 0 : 1;
                long permits = 1 + random.nextInt(3);
                if (limiters[l].allow(permits)) {
                    granted[l].addAndGet(phase, permits);
                } else if (permits == 1) {
                    open[l] = false;
                }
            }
            await(phaser);
        }
    }

    /** Arrives and waits for the others, failing instead of hanging if they do not come. */
    private static void await(Phaser phaser) throws Exception {
        int arrived = phaser.arrive();
        if (arrived < 0 || phaser.awaitAdvanceInterruptibly(arrived, 10, TimeUnit.SECONDS) < 0) {
            throw new IllegalStateException("a participant failed; the phaser was terminated");
        }
    }
}
