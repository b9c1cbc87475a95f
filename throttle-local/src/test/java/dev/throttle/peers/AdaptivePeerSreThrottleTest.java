package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.adaptive.ClientSideThrottle;
import dev.throttle.testing.Draws;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The Google SRE book's client-side throttling, max(0, (requests - K * accepts) / (requests + 1)), checked at its
 * edges against ClientSideThrottle: zero traffic, all rejected, exactly at the cutoff, the window sliding out, a far
 * jump of the clock, recovery, and exact counting under threads.
 */
class AdaptivePeerSreThrottleTest {

    private static final long SECOND = 1_000_000_000L;
    /** A draw of 0 refuses whenever p > 0. */
    private static final RandomGenerator ALWAYS_REFUSE = Draws.of(bound -> 0L);
    /** The highest draw grants whenever p < 1. */
    private static final RandomGenerator ALWAYS_GRANT = Draws.of(bound -> bound - 1);

    private final ManualClock clock = new ManualClock(1_000 * SECOND);

    private ClientSideThrottle throttle(double k, RandomGenerator random) {
        return ClientSideThrottle.builder("sre").ticker(clock).scheduler(clock).random(random).k(k)
                .window(Duration.ofSeconds(10), 10).build();
    }

    private static double book(long requests, long accepts, double k) {
        return Math.max(0.0, (requests - k * accepts) / (requests + 1.0));
    }

    @Test
    void zeroTrafficNeverRejects() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_REFUSE);
        assertThat(t.rejectionProbability()).isZero();
        assertThat(t.allow()).isTrue();
        assertThat(t.tryAcquire(1).granted()).isTrue();
        assertThat(t.requests()).isZero(); // grants are counted when they end
    }

    @Test
    void allRejectedGivesNOverNPlusOne() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_GRANT);
        for (int n = 1; n <= 50; n++) {
            t.record(false);
            assertThat(t.rejectionProbability()).isEqualTo(n / (n + 1.0));
            assertThat(t.rejectionProbability()).isLessThan(1.0);
        }
        assertThat(t.accepts()).isZero();
        assertThat(t.availablePermits()).isZero();
    }

    @Test
    void exactlyAtTheCutoffNothingIsRejectedAndOneBeyondIt() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_REFUSE);
        for (int i = 0; i < 10; i++) {
            t.record(true); // 10 requests, 10 accepts: cutoff 20
        }
        for (int i = 0; i < 10; i++) {
            t.record(false); // 20 requests, 10 accepts: exactly k * accepts
        }
        assertThat(t.rejectionProbability()).isZero();
        assertThat(t.availablePermits()).isZero();
        assertThat(t.allow()).isTrue(); // p = 0 grants even with the lowest draw
        t.record(false); // 21 requests
        assertThat(t.rejectionProbability()).isEqualTo(book(21, 10, 2.0)).isEqualTo(1.0 / 22);
        Permit refused = t.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limit()).isEqualTo(20);
        assertThat(refused.remaining()).isZero();
        assertThat(t.requests()).isEqualTo(22); // the local refusal counts as a request
    }

    @Test
    void fractionalKCutoffIsFloored() {
        ClientSideThrottle t = throttle(1.5, ALWAYS_GRANT);
        for (int i = 0; i < 3; i++) {
            t.record(true); // 3 accepts: k * accepts = 4.5
        }
        Permit p = t.tryAcquire(1);
        assertThat(p.limit()).isEqualTo(4);
        assertThat(p.remaining()).isEqualTo(1);
        assertThat(t.availablePermits()).isEqualTo(1);
        assertThat(t.rejectionProbability()).isZero();
    }

    @Test
    void matchesTheBookFormulaOverAGrid() {
        for (double k : new double[] {1.0, 1.1, 2.0, 3.0}) {
            for (int requests = 0; requests <= 30; requests += 3) {
                for (int accepts = 0; accepts <= requests; accepts += 2) {
                    ClientSideThrottle t = throttle(k, ALWAYS_GRANT);
                    for (int i = 0; i < requests; i++) {
                        t.record(i < accepts);
                    }
                    assertThat(t.rejectionProbability()).as("k=%s r=%s a=%s", k, requests, accepts)
                            .isCloseTo(book(requests, accepts, k), within(1e-12));
                }
            }
        }
    }

    @Test
    void historyLeavesBetweenNineTenthsAndAWholeWindow() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_GRANT);
        // clock at 1000 s exactly: a bucket boundary (1 s buckets)
        t.record(false);
        t.record(false);
        clock.advance(9 * SECOND - 1);
        assertThat(t.requests()).isEqualTo(2); // 9 s - 1 ns later: still counted
        clock.advance(1);
        assertThat(t.requests()).isEqualTo(2); // 9 s: still within the newest 10 buckets
        clock.advance(SECOND - 1);
        assertThat(t.requests()).isEqualTo(2);
        clock.advance(1); // 10 s: forgotten
        assertThat(t.requests()).isZero();
        assertThat(t.rejectionProbability()).isZero();
    }

    @Test
    void farForwardJumpForgetsEverything() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_GRANT);
        for (int i = 0; i < 100; i++) {
            t.record(false);
        }
        assertThat(t.rejectionProbability()).isGreaterThan(0.9);
        clock.advance(Duration.ofDays(365 * 100L));
        assertThat(t.requests()).isZero();
        assertThat(t.accepts()).isZero();
        assertThat(t.rejectionProbability()).isZero();
        t.record(true);
        assertThat(t.requests()).isEqualTo(1);
        assertThat(t.accepts()).isEqualTo(1);
    }

    @Test
    void recoversAfterOverloadEnds() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_GRANT);
        for (int i = 0; i < 100; i++) {
            t.record(false);
        }
        double overloaded = t.rejectionProbability();
        // the backend accepts again: each second, 20 accepted calls
        double previous = overloaded;
        for (int s = 0; s < 10; s++) {
            clock.advance(SECOND);
            for (int i = 0; i < 20; i++) {
                t.record(true);
            }
            assertThat(t.rejectionProbability()).isLessThanOrEqualTo(previous);
            previous = t.rejectionProbability();
        }
        assertThat(t.rejectionProbability()).isZero();
    }

    @Test
    void refusalRetryAfterIsTheNextBucketBoundary() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_REFUSE);
        t.record(false);
        clock.advance(300_000_000L);
        Permit refused = t.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(700_000_000L);
    }

    @Test
    void closeCountsAnAcceptAndDroppedARejection() {
        ClientSideThrottle t = throttle(2.0, ALWAYS_GRANT);
        Permit a = t.tryAcquire(3);
        Permit b = t.tryAcquire(2);
        assertThat(t.requests()).isZero();
        a.close();
        b.dropped();
        assertThat(t.requests()).isEqualTo(5);
        assertThat(t.accepts()).isEqualTo(3);
        b.close(); // already ended: nothing more
        assertThat(t.requests()).isEqualTo(5);
    }

    @Test
    void countsExactlyUnderManyThreads() throws Exception {
        ClientSideThrottle t = throttle(2.0, ALWAYS_GRANT);
        int threads = 8;
        int each = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int id = w;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    if ((i + id) % 3 == 0) {
                        t.record(false);
                    } else {
                        try (Permit p = t.tryAcquire(1)) {
                            assertThat(p.granted()).isTrue();
                        }
                    }
                }
            });
            workers.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        long rejected = 0;
        for (int w = 0; w < threads; w++) {
            for (int i = 0; i < each; i++) {
                if ((i + w) % 3 == 0) {
                    rejected++;
                }
            }
        }
        assertThat(t.requests()).isEqualTo((long) threads * each);
        assertThat(t.accepts()).isEqualTo((long) threads * each - rejected);
    }
}
