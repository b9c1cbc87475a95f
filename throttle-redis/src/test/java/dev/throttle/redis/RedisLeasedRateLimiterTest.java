package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Leased permits on a real Redis: two engines (two application instances) on one manual clock, in client-time mode so
 * that windows follow the clock the test moves. Each engine's leased limiter takes a batch from Redis and spends it
 * locally; what it does not use goes back to Redis when its lease expires, when a new lease replaces it, or when its
 * engine closes. The counts are exact: a plain limiter of the same name and spec reads what Redis holds.
 */
class RedisLeasedRateLimiterTest {

    private static final long START = 1_000_000_000_000L;

    private final ManualClock clock = new ManualClock(START);
    private final String prefix = RedisServer.uniquePrefix("leased");
    private final RedisEngine first = engine();
    private final RedisEngine second = engine();

    private RedisEngine engine() {
        return RedisEngine.builder(RedisServer.get().connection()).keyPrefix(prefix).ticker(clock).scheduler(clock)
                .minExpiry(Duration.ofMinutes(5)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    @AfterEach
    void close() {
        first.close();
        second.close();
    }

    static List<LimitSpec> leasable() {
        return List.of(FixedWindow.of(100, Duration.ofMinutes(1)), SlidingWindow.of(100, Duration.ofMinutes(1)),
                SlidingLog.of(100, Duration.ofMinutes(1)), TokenBucket.of(100, Rate.of(1, Duration.ofHours(1))),
                LeakyBucket.meter(100, Rate.of(1, Duration.ofHours(1))));
    }

    @ParameterizedTest
    @MethodSource("leasable")
    void aBatchIsSpentLocallyAndTheLimitHoldsExactlyWithinOneWindow(LimitSpec spec) {
        RateLimiter leased = first.leasedRateLimiter("api", spec, 10, Duration.ofSeconds(10));
        long before = first.stats().decisions();

        int granted = 0;
        for (int i = 0; i < 120; i++) {
            granted += leased.allow(1) ? 1 : 0;
        }

        assertThat(granted).isEqualTo(100);
        // 10 leases, then for each of the 20 refused calls a refused batch and a refused decision of its own.
        assertThat(first.stats().decisions() - before).as("round trips").isLessThanOrEqualTo(10 + 2 * 20);
        assertThat(first.rateLimiter("api", spec).availablePermits()).isZero();
    }

    @Test
    void mostDecisionsCostNoRoundTrip() {
        RateLimiter leased = first.leasedRateLimiter("hot", FixedWindow.of(1_000_000, Duration.ofHours(1)), 1_000,
                Duration.ofSeconds(10));
        long before = first.stats().decisions();
        for (int i = 0; i < 100_000; i++) {
            assertThat(leased.allow(1)).isTrue();
        }
        assertThat(first.stats().decisions() - before).as("round trips for 100,000 decisions").isEqualTo(100);
    }

    @Test
    void anExpiredLeaseGoesBackToRedisForTheOtherEngine() {
        FixedWindow spec = FixedWindow.of(20, Duration.ofMinutes(1));
        RateLimiter a = first.leasedRateLimiter("shared", spec, 10, Duration.ofSeconds(1));
        RateLimiter b = second.leasedRateLimiter("shared", spec, 10, Duration.ofSeconds(1));

        assertThat(count(a, 3)).isEqualTo(3);      // a holds a lease of 10: 7 unused
        assertThat(count(b, 15)).isEqualTo(10);    // b's lease of 10, then Redis is spent (20 counted)
        clock.advance(Duration.ofSeconds(1));       // a's lease expires: its 7 go back; b's too, all used
        assertThat(first.rateLimiter("shared", spec).availablePermits()).isEqualTo(7);
        assertThat(count(b, 15)).isEqualTo(7);
        assertThat(count(a, 1) + count(b, 1)).isZero();
    }

    @Test
    void closingTheEngineGivesItsLeaseBack() {
        FixedWindow spec = FixedWindow.of(20, Duration.ofMinutes(1));
        RateLimiter a = first.leasedRateLimiter("closing", spec, 10, Duration.ofMinutes(1));
        assertThat(count(a, 2)).isEqualTo(2);
        assertThat(second.rateLimiter("closing", spec).availablePermits()).isEqualTo(10);

        first.close();

        assertThat(second.rateLimiter("closing", spec).availablePermits()).isEqualTo(18);
    }

    @Test
    void aPermitSettledBelowItsGrantGoesBackIntoTheLease() {
        FixedWindow spec = FixedWindow.of(100, Duration.ofMinutes(1));
        RateLimiter leased = first.leasedRateLimiter("settle", spec, 10, Duration.ofMinutes(1));
        Permit permit = leased.tryAcquire(8);
        assertThat(permit.granted()).isTrue();
        permit.settle(3);                               // 5 back into the lease: 7 left in it
        assertThat(leased.tryAcquire(7).granted()).isTrue();
        assertThat(leased.availablePermits()).as("nothing left here, 90 in Redis").isEqualTo(90);
        Permit over = leased.tryAcquire(1);             // a second lease of 10
        over.settle(4);                                 // 3 more than granted: taken from the lease
        first.close();                                  // the lease's 6 unused go back
        assertThat(second.rateLimiter("settle", spec).availablePermits()).isEqualTo(100 - 10 - 4);
    }

    @Test
    void aLeaseTooSmallForARequestIsReplaced() {
        FixedWindow spec = FixedWindow.of(100, Duration.ofMinutes(1));
        RateLimiter leased = first.leasedRateLimiter("small", spec, 10, Duration.ofMinutes(1));
        assertThat(leased.tryAcquire(7).granted()).isTrue();   // a lease of 10: 3 left
        long before = first.stats().decisions();
        assertThat(leased.tryAcquire(5).granted()).isTrue();   // the 3 go back, a new lease of 10: 5 left
        assertThat(leased.tryAcquire(5).granted()).isTrue();   // from the lease
        assertThat(first.stats().decisions() - before).as("round trips: one lease (and its give-back)")
                .isLessThanOrEqualTo(2);
        first.close();
        assertThat(second.rateLimiter("small", spec).availablePermits()).isEqualTo(100 - 7 - 10);
    }

    /**
     * Many threads on each of two engines, one window: no lease crosses a window's start, so not one permit over the
     * limit; and once the engines close, Redis holds exactly what was admitted (no permit lost in a lease).
     */
    @Test
    void manyThreadsOnTwoEnginesAdmitExactlyTheLimitAndLoseNothing() throws InterruptedException {
        FixedWindow spec = FixedWindow.of(10_000, Duration.ofHours(1));
        RateLimiter a = first.leasedRateLimiter("hammered", spec, 100, Duration.ofMinutes(10));
        RateLimiter b = second.leasedRateLimiter("hammered", spec, 100, Duration.ofMinutes(10));
        AtomicLong admitted = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            RateLimiter limiter = t % 2 == 0 ? a : b;
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < 1_000; i++) {
                    if (limiter.allow(1)) {
                        admitted.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(admitted.get()).as("16,000 asked of a limit of 10,000").isLessThanOrEqualTo(10_000)
                .isGreaterThanOrEqualTo(10_000 - 2 * 100); // at most a lease per engine left unspent
        first.close();
        second.close();
        RedisEngine reader = engine();
        assertThat(reader.rateLimiter("hammered", spec).availablePermits()).isEqualTo(10_000 - admitted.get());
        reader.close();
    }

    /**
     * The stated bound, reached: in every other window each engine asks once near its end (taking a lease of 10 and
     * spending 1), and in the windows between them both ask hard from the start. Those windows spend the 9 + 9 left of
     * the leases taken in the window before, then the 100 Redis grants: 118, within the bound of 100 + 2 × 10.
     */
    @Test
    void aWindowAfterLeasesWereTakenAdmitsAtMostEnginesTimesBatchOverTheLimit() {
        long limit = 100;
        long batch = 10;
        FixedWindow spec = FixedWindow.of(limit, Duration.ofSeconds(1));
        RateLimiter a = first.leasedRateLimiter("windows", spec, batch, Duration.ofMillis(500));
        RateLimiter b = second.leasedRateLimiter("windows", spec, batch, Duration.ofMillis(500));
        List<Long> admittedPerWindow = new ArrayList<>();
        for (int window = 0; window < 10; window++) {
            long admitted = 0;
            for (int step = 0; step < 100; step++) { // 10 ms each
                int asks = (window % 2 == 1 && step < 50 ? 7 : 0) + (step == 98 ? 1 : 0);
                for (int ask = 0; ask < asks; ask++) {
                    admitted += (a.allow(1) ? 1 : 0) + (b.allow(1) ? 1 : 0);
                }
                clock.advance(Duration.ofMillis(10));
            }
            admittedPerWindow.add(admitted);
        }
        assertThat(admittedPerWindow).containsExactly(2L, 118L, 2L, 118L, 2L, 118L, 2L, 118L, 2L, 118L);
        assertThat(admittedPerWindow).allSatisfy(admitted -> assertThat(admitted).isLessThanOrEqualTo(
                limit + 2 * batch));
    }

    @Test
    void badArgumentsAreRefusedNamingTheParameterAndTheRange() {
        FixedWindow spec = FixedWindow.of(100, Duration.ofMinutes(1));
        assertThatThrownBy(() -> first.leasedRateLimiter("x", spec, 0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batch = 0 is out of range; allowed range is [1, 100]");
        assertThatThrownBy(() -> first.leasedRateLimiter("x", spec, 101, Duration.ofSeconds(1)))
                .hasMessage("batch = 101 is out of range; allowed range is [1, 100]");
        assertThatThrownBy(() -> first.leasedRateLimiter("x", spec, 10, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("lifetime = PT0S is out of range");
        assertThatThrownBy(() -> first.leasedRateLimiter("x", spec, 10, Duration.ofHours(2)))
                .hasMessageStartingWith("lifetime = PT2H is out of range");
        assertThatThrownBy(() -> first.leasedRateLimiter("x", LeakyBucket.shaping(Rate.perSecond(10),
                Duration.ofSeconds(1)), 1, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be leased");
        assertThatThrownBy(() -> first.leasedRateLimiter("x", Concurrency.of(10), 1, Duration.ofSeconds(1)))
                .hasMessageContaining("cannot be leased");
        assertThatThrownBy(() -> first.leasedRateLimiter("x", AllOf.of(AllOf.shared("minute", spec)), 1, Duration.ofSeconds(1)))
                .hasMessageContaining("cannot be leased");
        assertThatThrownBy(() -> first.leasedRateLimiter("x", null, 1, Duration.ofSeconds(1)))
                .hasMessageContaining("spec");
    }

    private static int count(RateLimiter limiter, int asks) {
        int granted = 0;
        for (int i = 0; i < asks; i++) {
            granted += limiter.allow(1) ? 1 : 0;
        }
        return granted;
    }
}
