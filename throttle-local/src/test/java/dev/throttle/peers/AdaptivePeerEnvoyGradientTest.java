package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter;
import dev.throttle.local.adaptive.AimdAlgorithm;
import dev.throttle.local.adaptive.GradientAlgorithm;
import dev.throttle.testing.Draws;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Behaviours of Envoy's adaptive-concurrency gradient_controller_test (MinRTTLogicTest, MinRTTEpoch,
 * MinRTTReturnToPreviousLimit, ConcurrencyLimitBehaviorTestBasic, NoSamplesTest) restated for throttle's
 * GradientAlgorithm behind an AdaptiveConcurrencyLimiter on a manual clock.
 */
class AdaptivePeerEnvoyGradientTest {

    private static final long MS = 1_000_000L;
    private final ManualClock clock = new ManualClock(1_000_000 * MS);

    private AdaptiveConcurrencyLimiter limiter(double jitter, long random) {
        GradientAlgorithm g = GradientAlgorithm.builder().initialLimit(10).minLimit(3).maxLimit(100)
                .minWindowSamples(5).random(Draws.of(bound -> Math.min(random, bound - 1)))
                .noLoadProbe(Duration.ofSeconds(30), jitter, 3, 5).build();
        return AdaptiveConcurrencyLimiter.builder("gradient", g).ticker(clock).scheduler(clock).build();
    }

    /** Grants as many permits as it will (checking it never grants beyond the limit), waits rtt, closes them. */
    private int round(AdaptiveConcurrencyLimiter l, long rttNanos, int max) {
        int limit = (int) l.limit();
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            Permit p = l.tryAcquire(1);
            if (!p.granted()) {
                break;
            }
            held.add(p);
        }
        assertThat(held.size()).isLessThanOrEqualTo(limit);
        clock.advance(rttNanos);
        // Latest grant first: its sample carries the highest in-flight count, so the window sees the limit reached.
        for (int i = held.size() - 1; i >= 0; i--) {
            held.get(i).close();
        }
        return held.size();
    }

    private void passProbe(AdaptiveConcurrencyLimiter l, long rtt) {
        while (l.limitState().measuringNoLoad()) {
            round(l, rtt, 3);
        }
    }

    /** MinRTTLogicTest: measuring at creation, at the probe's limit, until its samples are in. */
    @Test
    void measuresNoLoadLatencyFirstAtTheProbeLimit() {
        AdaptiveConcurrencyLimiter l = limiter(0.0, 0);
        assertThat(l.limitState().measuringNoLoad()).isTrue();
        assertThat(l.limit()).isEqualTo(3);
        assertThat(round(l, 13 * MS, 10)).isEqualTo(3);
        assertThat(l.limitState().measuringNoLoad()).isTrue();
        assertThat(round(l, 13 * MS, 2)).isEqualTo(2);
        assertThat(l.limitState().measuringNoLoad()).isFalse();
        assertThat(l.limit()).isEqualTo(10);
    }

    /** MinRTTReturnToPreviousLimit and MinRTTRescheduleTest. */
    @Test
    void afterAReMeasurementThePreviousLimitComesBack() {
        AdaptiveConcurrencyLimiter l = limiter(0.0, 0);
        passProbe(l, 5 * MS);
        long last = l.limit();
        for (int i = 0; i < 4; i++) {
            round(l, 4 * MS, 1000);
            assertThat(l.limit()).isGreaterThan(last);
            last = l.limit();
        }
        long before = l.limit();
        clock.advance(Duration.ofSeconds(31));
        round(l, 4 * MS, 1); // the first sample after the interval starts the measurement
        assertThat(l.limitState().measuringNoLoad()).isTrue();
        assertThat(l.limit()).isEqualTo(3);
        passProbe(l, 13 * MS);
        assertThat(l.limit()).isEqualTo(before);
    }

    /** MinRTTEpoch: permits granted before a measurement began are not its samples. */
    @Test
    void permitsFromBeforeTheMeasurementAreNotItsSamples() {
        AdaptiveConcurrencyLimiter l = limiter(0.0, 0);
        passProbe(l, 5 * MS);
        List<Permit> old = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            old.add(l.tryAcquire(1));
        }
        clock.advance(Duration.ofSeconds(31));
        old.get(0).close(); // starts the measurement
        assertThat(l.limitState().measuringNoLoad()).isTrue();
        old.subList(1, 10).forEach(Permit::close);
        assertThat(l.limitState().measuringNoLoad()).isTrue();
    }

    /** The jitter delays the next measurement by at most jitter x interval. */
    @Test
    void jitterDelaysTheNextMeasurementWithinItsBound() {
        AdaptiveConcurrencyLimiter l = limiter(0.5, Long.MAX_VALUE); // draws the largest delay: 15 s
        passProbe(l, 5 * MS);
        clock.advance(Duration.ofSeconds(45).minusMillis(10));
        round(l, MS, 1);
        assertThat(l.limitState().measuringNoLoad()).isFalse();
        clock.advance(Duration.ofMillis(20));
        round(l, MS, 1);
        assertThat(l.limitState().measuringNoLoad()).isTrue();
    }

    /**
     * ConcurrencyLimitBehaviorTestBasic: grows on fast samples up to the maximum, shrinks on slow ones to the minimum.
     */
    @Test
    void staysWithinItsBoundsAndShrinksUnderOverload() {
        AdaptiveConcurrencyLimiter l = limiter(0.0, 0);
        passProbe(l, 5 * MS);
        for (int i = 0; i < 40; i++) {
            round(l, 4 * MS, 1000);
            assertThat(l.limit()).isBetween(3L, 100L);
        }
        assertThat(l.limit()).isEqualTo(100);
        long last = l.limit();
        for (int i = 0; i < 60 && !l.limitState().measuringNoLoad(); i++) {
            round(l, 50 * MS, 1000);
            assertThat(l.limit()).isBetween(3L, 100L).isLessThanOrEqualTo(last);
            last = l.limit();
        }
        assertThat(l.limit()).isLessThan(100);
        for (int i = 0; i < 100; i++) {
            Permit p = l.tryAcquire(1);
            if (p.granted()) {
                p.dropped();
            }
            assertThat(l.limit()).isGreaterThanOrEqualTo(3);
        }
    }

    /** NoSamplesTest: without samples the limit does not move, however long. */
    @Test
    void noSamplesNoChange() {
        AdaptiveConcurrencyLimiter l = limiter(0.0, 0);
        passProbe(l, 5 * MS);
        round(l, 4 * MS, 1000);
        long limit = l.limit();
        clock.advance(Duration.ofDays(10));
        assertThat(l.limit()).isEqualTo(limit);
    }

    /** The bulkhead never holds more permits than its limit, under threads. */
    @Test
    void neverAdmitsMoreThanTheLimitUnderThreads() throws Exception {
        AdaptiveConcurrencyLimiter l = AdaptiveConcurrencyLimiter
                .builder("fixed", AimdAlgorithm.builder().initialLimit(5).minLimit(5).maxLimit(5).build())
                .ticker(clock).scheduler(clock).build();
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    Permit p = l.tryAcquire(1);
                    if (p.granted()) {
                        highest.accumulateAndGet(inUse.incrementAndGet(), Math::max);
                        inUse.decrementAndGet();
                        if (i % 7 == 0) {
                            p.dropped();
                        } else {
                            p.close();
                        }
                    }
                }
            });
            workers.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : workers) {
            t.join();
        }
        assertThat(highest.get()).isLessThanOrEqualTo(5);
        assertThat(l.inFlight()).isZero();
    }
}
