package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter;
import dev.throttle.local.adaptive.AimdAlgorithm;
import dev.throttle.local.adaptive.GradientAlgorithm;
import dev.throttle.local.adaptive.LimitAlgorithm;
import dev.throttle.local.adaptive.VegasAlgorithm;
import dev.throttle.local.partition.PartitionedLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * Behaviours checked by Netflix concurrency-limits' AIMDLimitTest, VegasLimitTest, SimpleLimiterTest and
 * AbstractPartitionedLimiterTest, restated against throttle's adaptive algorithms, bulkhead and partitions. The
 * latency algorithms here first measure their no-load latency (a probe of one sample at a limit of 1).
 */
class PeerNetflixConcurrencyLimitsTest {

    private static final long MS = 1_000_000L;

    // --- AIMDLimitTest --------------------------------------------------------------------------------------

    @Test
    void aimdStartsAtItsInitialLimit() {
        assertThat(AimdAlgorithm.builder().initialLimit(10).build().start(0).limit()).isEqualTo(10);
    }

    @Test
    void aimdIncreasesOnSuccess() {
        LimitAlgorithm.State s = AimdAlgorithm.builder().initialLimit(20).build().start(0);
        assertThat(s.onSample(MS, 0, MS, 10, false).limit()).isEqualTo(21);
    }

    @Test
    void aimdDecreasesOnDrop() {
        LimitAlgorithm.State s = AimdAlgorithm.builder().initialLimit(30).build().start(0);
        assertThat(s.onSample(0, 0, 1, 0, true).limit()).isEqualTo(27);
    }

    @Test
    void aimdSuccessAtTheMaximumStaysThere() {
        LimitAlgorithm.State s = AimdAlgorithm.builder().initialLimit(21).maxLimit(21).minLimit(1).build().start(0);
        assertThat(s.onSample(MS, 0, MS, 10, false).limit()).isEqualTo(21);
    }

    @Test
    void aimdMinLimitZeroIsRefused() {
        // Netflix accepts minLimit(0); throttle requires 1 or more.
        assertThatThrownBy(() -> AimdAlgorithm.builder().minLimit(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AimdAlgorithm.builder().initialLimit(5).minLimit(6).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aimdSlowSampleCountsAsOverloadAndDropsStayAboveMin() {
        AimdAlgorithm aimd = AimdAlgorithm.builder().initialLimit(10).minLimit(3).timeout(Duration.ofMillis(100))
                .build();
        LimitAlgorithm.State s = aimd.start(0);
        s = s.onSample(200 * MS, 0, 200 * MS, 10, false);
        assertThat(s.limit()).isEqualTo(9);
        long t = 200 * MS;
        for (int i = 0; i < 50; i++) {
            t += MS;
            s = s.onSample(t, t, 1, 1, true);
        }
        assertThat(s.limit()).isEqualTo(3);
    }

    @Test
    void aimdEndToEndSuccessGrowsAndDropShrinks() {
        ManualClock clock = new ManualClock(0);
        AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter
                .builder("aimd", AimdAlgorithm.builder().initialLimit(20).build())
                .ticker(clock).scheduler(clock).build();
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            held.add(limiter.tryAcquire(1));
        }
        clock.advance(MS);
        held.get(9).close(); // granted with 10 in flight: the limit is in use
        assertThat(limiter.limit()).isEqualTo(21);
        held.get(8).dropped();
        assertThat(limiter.limit()).isLessThan(21);
    }

    // --- VegasLimitTest ------------------------------------------------------------------------------------

    /** Netflix's test settings (alpha 3, beta 6, smoothing 1, initial 10, max 20), with a one-sample probe. */
    private static VegasAlgorithm.Builder vegas(int initial, int max) {
        return VegasAlgorithm.builder().initialLimit(initial).maxLimit(max).thresholds(1, 3, 6).smoothing(1.0)
                .minWindowSamples(1).noLoadProbe(Duration.ofHours(1), 0.0, 1, 1);
    }

    /** The state after a probe measured the no-load latency at 10 ms, at time 10 ms. */
    private static LimitAlgorithm.State probed(LimitAlgorithm algorithm) {
        LimitAlgorithm.State s = algorithm.start(0);
        assertThat(s.measuringNoLoad()).isTrue();
        s = s.onSample(10 * MS, 0, 10 * MS, 1, false);
        assertThat(s.measuringNoLoad()).isFalse();
        return s;
    }

    /** Enough samples granted at {@code at} to fill a window for the current limit. */
    private static LimitAlgorithm.State window(LimitAlgorithm.State s, long at, long rtt, long inFlight) {
        int n = Math.max(1, (s.limit() + 1) / 2);
        for (int i = 0; i < n; i++) {
            s = s.onSample(at + rtt, at, rtt, inFlight, false);
        }
        return s;
    }

    @Test
    void vegasFirstMeasurementKeepsTheInitialLimit() {
        assertThat(probed(vegas(10, 20).build()).limit()).isEqualTo(10);
    }

    @Test
    void vegasInSlowStartDoublesWithoutQueueing() {
        LimitAlgorithm.State s = window(probed(vegas(10, 20).build()), 20 * MS, 10 * MS, 11);
        // Netflix: 10 + beta = 16. Throttle starts in slow start and doubles (to the max of 20).
        assertThat(s.limit()).isEqualTo(20);
    }

    @Test
    void vegasDecreasesWhenTheQueueExceedsBeta() {
        LimitAlgorithm.State s = window(probed(vegas(10, 20).build()), 20 * MS, 50 * MS, 11);
        assertThat(s.limit()).isEqualTo(9);
    }

    @Test
    void vegasAfterSlowStartIncreasesByBeta() {
        LimitAlgorithm.State s = window(probed(vegas(10, 20).build()), 20 * MS, 50 * MS, 11);
        assertThat(s.limit()).isEqualTo(9);
        s = window(s, 200 * MS, 10 * MS, 9);
        assertThat(s.limit()).isEqualTo(15); // queue 0 <= threshold: 9 + beta 6
    }

    @Test
    void vegasNoChangeWithinThresholds() {
        LimitAlgorithm.State s = window(probed(vegas(10, 20).build()), 20 * MS, 14 * MS, 14);
        assertThat(s.limit()).isEqualTo(10);
    }

    @Test
    void vegasDropsWithSmoothing() {
        // Netflix: decrease function current / 2 with smoothing 0.5: 100, 75, 56. Throttle: backoff ratio 0.5.
        LimitAlgorithm.State s = probed(VegasAlgorithm.builder().initialLimit(100).maxLimit(200).smoothing(0.5)
                .backoffRatio(0.5).minWindowSamples(1).noLoadProbe(Duration.ofHours(1), 0.0, 1, 1).build());
        assertThat(s.limit()).isEqualTo(100);
        s = s.onSample(40 * MS, 20 * MS, 20 * MS, 100, true);
        assertThat(s.limit()).isEqualTo(75);
        s = s.onSample(80 * MS, 60 * MS, 20 * MS, 100, true);
        assertThat(s.limit()).isEqualTo(56);
    }

    @Test
    void vegasDropsWithoutSmoothing() {
        LimitAlgorithm.State s = probed(VegasAlgorithm.builder().initialLimit(100).maxLimit(200).backoffRatio(0.5)
                .minWindowSamples(1).noLoadProbe(Duration.ofHours(1), 0.0, 1, 1).build());
        s = s.onSample(40 * MS, 20 * MS, 20 * MS, 100, true);
        assertThat(s.limit()).isEqualTo(50);
        s = s.onSample(80 * MS, 60 * MS, 20 * MS, 100, true);
        assertThat(s.limit()).isEqualTo(25);
    }

    @Test
    void vegasLargeLimitUsesTheLog10Unit() {
        // Netflix largeLimitIncrease: 10000 + 6 × log10(10000) = 10024 with 6000 in flight. Throttle makes no increase
        // unless the window reached the limit (RFC 7661), and starts in slow start; leave slow start with a drop.
        LimitAlgorithm.State s = probed(VegasAlgorithm.builder().initialLimit(10000).maxLimit(20000)
                .minWindowSamples(1).noLoadProbe(Duration.ofHours(1), 0.0, 1, 1).build());
        LimitAlgorithm.State notReached = window(s, 20 * MS, 10 * MS, 6000);
        assertThat(notReached.limit()).isEqualTo(10000);
        s = s.onSample(30 * MS, 20 * MS, 10 * MS, 10000, true);
        assertThat(s.limit()).isEqualTo(9000);
        s = window(s, 100 * MS, 10 * MS, 9000);
        assertThat(s.limit()).isEqualTo(9000 + 6 * 3);
    }

    @Test
    void vegasStaysWithinItsBounds() {
        LimitAlgorithm.State s = probed(vegas(10, 20).minLimit(5).build());
        long t = 20 * MS;
        for (int i = 0; i < 20; i++, t += 100 * MS) {
            s = window(s, t, 10 * MS, s.limit());
            assertThat(s.limit()).isBetween(5, 20);
        }
        assertThat(s.limit()).isEqualTo(20);
        for (int i = 0; i < 50; i++, t += 1_000 * MS) { // each window opens when the previous one's samples end
            s = window(s, t, 500 * MS, s.limit());
            assertThat(s.limit()).isBetween(5, 20);
        }
        // The queue estimate never exceeds L, so the rule stops decreasing once L <= beta (6): as in Netflix's rule.
        assertThat(s.limit()).isEqualTo(6);
    }

    // --- Gradient (Gradient2Limit's rule) --------------------------------------------------------------------

    private static GradientAlgorithm.Builder gradient(int initial) {
        return GradientAlgorithm.builder().initialLimit(initial).maxLimit(200).minWindowSamples(1)
                .noLoadProbe(Duration.ofHours(1), 0.0, 1, 1);
    }

    @Test
    void gradientLatencyRiseLowersTheLimit() {
        LimitAlgorithm.State s = probed(gradient(50).smoothing(1.0).build());
        s = window(s, 20 * MS, 20 * MS, 50);
        assertThat(s.limit()).isEqualTo(29); // 50 × 0.5 + 4
    }

    @Test
    void gradientSteadyLatencyGrowsWithinTheMax() {
        LimitAlgorithm.State s = probed(gradient(50).build());
        long t = 20 * MS;
        for (int i = 0; i < 10; i++, t += 100 * MS) {
            s = window(s, t, 10 * MS, s.limit());
            assertThat(s.limit()).isLessThanOrEqualTo(200);
        }
        assertThat(s.limit()).isEqualTo(200);
    }

    /*
     * Gradient2Limit ignores drops; throttle's rule (GradientAlgorithm): a drop is the strongest overload signal, "at
     * once, L <- L + smoothing x (L x 0.5 - L), the lowest gradient with no queue allowed, so a drop lowers every
     * limit above minLimit, however small".
     */

    @Test
    void gradientDropHalvesEvenASmallLimitWithoutAQueueAllowance() {
        LimitAlgorithm.State s = probed(gradient(4).smoothing(1.0).build());
        assertThat(s.limit()).isEqualTo(4);
        s = s.onSample(30 * MS, 20 * MS, 10 * MS, 4, true);
        assertThat(s.limit()).isEqualTo(2);
    }

    @Test
    void gradientRepeatedDropsWithDefaultSmoothingLowerTheLimitToItsMinimum() {
        LimitAlgorithm.State s = probed(gradient(4).build());
        long t = 20 * MS;
        int previous = s.limit();
        for (int i = 0; i < 30; i++, t += 10 * MS) {
            s = s.onSample(t + MS, t, MS, 4, true);
            assertThat(s.limit()).as("after drop %d", i + 1).isLessThanOrEqualTo(previous);
            previous = s.limit();
        }
        assertThat(s.limit()).isEqualTo(1);
    }

    @Test
    void gradientDroppedPermitEndToEndHalvesTheLimit() {
        ManualClock clock = new ManualClock(0);
        AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter
                .builder("g", gradient(4).smoothing(1.0).build()).ticker(clock).scheduler(clock).build();
        assertThat(limiter.limit()).isEqualTo(1); // measuring the no-load latency
        Permit probe = limiter.tryAcquire(1);
        clock.advance(10 * MS);
        probe.close();
        assertThat(limiter.limit()).isEqualTo(4);
        clock.advance(MS);
        Permit p = limiter.tryAcquire(1);
        clock.advance(10 * MS);
        p.dropped();
        assertThat(limiter.limit()).isEqualTo(2);
    }

    @Test
    void adaptiveRequestAboveTheMinimumLimitIsRefused() {
        AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter
                .builder("a", AimdAlgorithm.builder().initialLimit(10).minLimit(2).build()).build();
        assertThatThrownBy(() -> limiter.tryAcquire(3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.tryAcquire(2).granted()).isTrue();
    }

    // --- SimpleLimiterTest ---------------------------------------------------------------------------------

    @Test
    void simpleLimiterUsesCapacityUntilTheLimitAndReleases() {
        LocalEngine engine = LocalEngine.create();
        Limiter limiter = engine.limiter("simple", Concurrency.of(10));
        ConcurrencyStats stats = (ConcurrencyStats) limiter;
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Permit p = limiter.tryAcquire(1);
            assertThat(p.granted()).isTrue();
            held.add(p);
            assertThat(stats.inFlight()).isEqualTo(i + 1);
        }
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(stats.inFlight()).isEqualTo(10);
        held.get(0).close();
        held.get(0).close(); // idempotent
        assertThat(stats.inFlight()).isEqualTo(9);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        assertThat(stats.inFlight()).isEqualTo(10);
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
    }

    @Test
    void simpleLimiterConcurrentGrantsExactlyTheLimitAndNeverMore() throws Exception {
        Limiter limiter = LocalEngine.create().limiter("simple", Concurrency.of(10));
        ConcurrencyStats stats = (ConcurrencyStats) limiter;
        int threads = 64;
        // Every thread asks once at the same moment and holds what it gets: exactly the limit is granted.
        List<Permit> held = new CopyOnWriteArrayList<>();
        runTogether(threads, t -> held.add(limiter.tryAcquire(1)));
        assertThat(held).hasSize(threads);
        assertThat(held.stream().filter(Permit::granted).count()).isEqualTo(10);
        assertThat(stats.inFlight()).isEqualTo(10);
        held.forEach(Permit::close);
        assertThat(stats.inFlight()).isZero();
        // Then churn: never more than the limit held at once, every attempt decided, every permit back.
        int iterations = 5_000;
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        AtomicLong granted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        runTogether(threads, t -> {
            for (int i = 0; i < iterations; i++) {
                try (Permit p = limiter.tryAcquire(1)) {
                    if (p.granted()) {
                        granted.incrementAndGet();
                        max.accumulateAndGet(holding.incrementAndGet(), Math::max);
                        Thread.yield();
                        holding.decrementAndGet();
                    } else {
                        refused.incrementAndGet();
                    }
                }
            }
        });
        assertThat(max.get()).isBetween(1, 10);
        assertThat(granted.get() + refused.get()).isEqualTo((long) threads * iterations);
        assertThat(stats.inFlight()).isZero();
    }

    /** Runs {@code body} on {@code threads} threads released at once, and waits for all of them. */
    private static void runTogether(int threads, IntConsumer body) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            new Thread(() -> {
                try {
                    start.await();
                    body.accept(index);
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        start.countDown();
        assertThat(done.await(60, TimeUnit.SECONDS)).as("all threads finished").isTrue();
        assertThat(failures).isEmpty();
    }

    // --- AbstractPartitionedLimiterTest --------------------------------------------------------------------

    private static PartitionedLimiter partitioned(PartitionedLimiter.Borrowing borrowing) {
        return PartitionedLimiter.builder("p", 10).partition("batch", 0.3, 10).partition("live", 0.7, 10)
                .borrowing(borrowing).build();
    }

    private static ConcurrencyStats stats(PartitionedLimiter limiter, String name) {
        return (ConcurrencyStats) limiter.partition(name);
    }

    @Test
    void partitionLimitAllocatedToBins() {
        PartitionedLimiter limiter = partitioned(PartitionedLimiter.Borrowing.RESERVED);
        // Under RESERVED a partition's ceiling is L minus the others' guarantees: 10 − 7 and 10 − 3.
        assertThat(limiter.partition("batch").spec().capacity()).isEqualTo(3);
        assertThat(stats(limiter, "batch").limit()).isEqualTo(3);
        assertThat(stats(limiter, "live").limit()).isEqualTo(7);
    }

    @Test
    void partitionUsesExcessCapacityUntilTotalLimit() {
        PartitionedLimiter limiter = partitioned(PartitionedLimiter.Borrowing.IDLE);
        Limiter batch = limiter.partition("batch");
        for (int i = 0; i < 10; i++) {
            assertThat(batch.tryAcquire(1).granted()).isTrue();
            assertThat(stats(limiter, "batch").inFlight()).isEqualTo(i + 1);
        }
        assertThat(batch.tryAcquire(1).granted()).isFalse();
        assertThat(limiter.inFlight()).isEqualTo(10);
    }

    @Test
    void partitionUnusedBinCannotExceedTheTotalButIsServedFirstOnRelease() {
        // Netflix lets "live" take 7 more (17 in flight); throttle documents that the cap is never broken.
        PartitionedLimiter limiter = partitioned(PartitionedLimiter.Borrowing.IDLE);
        Limiter batch = limiter.partition("batch");
        Limiter live = limiter.partition("live");
        List<Permit> batchHeld = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batchHeld.add(batch.tryAcquire(1));
        }
        assertThat(live.tryAcquire(1).granted()).isFalse();
        CompletableFuture<Permit> liveWaiting = live.acquireAsync(1, Duration.ofSeconds(30));
        assertThat(liveWaiting).isNotDone();
        batchHeld.get(0).close();
        assertThat(liveWaiting).isCompleted();
        assertThat(liveWaiting.join().granted()).isTrue();
        assertThat(batch.tryAcquire(1).granted()).isFalse();
        assertThat(limiter.inFlight()).isEqualTo(10);
    }

    @Test
    void partitionRejectOnceAllLimitsReached() {
        PartitionedLimiter limiter = partitioned(PartitionedLimiter.Borrowing.IDLE);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.partition("batch").tryAcquire(1).granted()).isTrue();
            assertThat(limiter.inFlight()).isEqualTo(i + 1);
        }
        for (int i = 0; i < 7; i++) {
            assertThat(limiter.partition("live").tryAcquire(1).granted()).isTrue();
            assertThat(stats(limiter, "live").inFlight()).isEqualTo(i + 1);
            assertThat(limiter.inFlight()).isEqualTo(i + 4);
        }
        assertThat(limiter.partition("batch").tryAcquire(1).granted()).isFalse();
        assertThat(limiter.partition("live").tryAcquire(1).granted()).isFalse();
    }

    @Test
    void partitionReleaseLimit() {
        PartitionedLimiter limiter = partitioned(PartitionedLimiter.Borrowing.IDLE);
        Limiter batch = limiter.partition("batch");
        Permit first = batch.tryAcquire(1);
        for (int i = 1; i < 10; i++) {
            assertThat(batch.tryAcquire(1).granted()).isTrue();
        }
        assertThat(batch.tryAcquire(1).granted()).isFalse();
        first.close();
        assertThat(stats(limiter, "batch").inFlight()).isEqualTo(9);
        assertThat(limiter.inFlight()).isEqualTo(9);
        assertThat(batch.tryAcquire(1).granted()).isTrue();
        assertThat(limiter.inFlight()).isEqualTo(10);
    }

    @Test
    void partitionSetLimitKeepsWhatIsHeld() {
        PartitionedLimiter limiter = partitioned(PartitionedLimiter.Borrowing.RESERVED);
        assertThat(stats(limiter, "batch").limit()).isEqualTo(3);
        assertThat(limiter.partition("batch").tryAcquire(1).granted()).isTrue();
        limiter.setLimit(20);
        assertThat(stats(limiter, "batch").limit()).isEqualTo(6);
        assertThat(stats(limiter, "batch").inFlight()).isEqualTo(1);
        assertThat(limiter.inFlight()).isEqualTo(1);
        assertThat(limiter.limit()).isEqualTo(20);
    }

    @Test
    void partitionBadInput() {
        assertThatThrownBy(() -> PartitionedLimiter.builder("p", 10).partition("a", 0.6).partition("b", 0.5).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PartitionedLimiter.builder("p", 10).partition("a", 0.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PartitionedLimiter.builder("p", 0)).isInstanceOf(IllegalArgumentException.class);
        PartitionedLimiter limiter = partitioned(PartitionedLimiter.Borrowing.IDLE);
        assertThatThrownBy(() -> limiter.partition("nope")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.setLimit(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void partitionsConcurrentGrantExactlyTheTotalAndNeverMore() throws Exception {
        PartitionedLimiter limiter = PartitionedLimiter.builder("p", 20).partition("A", 0.5).partition("B", 0.3)
                .partition("C", 0.2).build();
        String[] names = {"A", "B", "C"};
        int threads = 60;
        // Every thread asks its partition once at the same moment and holds what it gets: exactly the total.
        List<Permit> held = new CopyOnWriteArrayList<>();
        runTogether(threads, t -> held.add(limiter.partition(names[t % names.length]).tryAcquire(1)));
        assertThat(held.stream().filter(Permit::granted).count()).isEqualTo(20);
        assertThat(limiter.inFlight()).isEqualTo(20);
        held.forEach(Permit::close);
        assertThat(limiter.inFlight()).isZero();
        int iterations = 5_000;
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        AtomicLong decided = new AtomicLong();
        runTogether(threads, t -> {
            Limiter partition = limiter.partition(names[t % names.length]);
            for (int i = 0; i < iterations; i++) {
                try (Permit p = partition.tryAcquire(1)) {
                    decided.incrementAndGet();
                    if (p.granted()) {
                        max.accumulateAndGet(holding.incrementAndGet(), Math::max);
                        Thread.yield();
                        holding.decrementAndGet();
                    }
                }
            }
        });
        assertThat(max.get()).isBetween(1, 20);
        assertThat(decided.get()).isEqualTo((long) threads * iterations);
        assertThat(limiter.inFlight()).isZero();
    }
}
