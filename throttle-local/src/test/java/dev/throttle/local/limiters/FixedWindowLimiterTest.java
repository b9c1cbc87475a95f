package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingWindow;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FixedWindowLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MILLI = 1_000_000L;

    private final ManualClock clock = new ManualClock(10 * SECOND + 250 * MILLI);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private FixedWindowLimiter limiter(long limit, Duration window) {
        return (FixedWindowLimiter) engine.rateLimiter("fw", FixedWindow.of(limit, window));
    }

    @Test
    void engineBuildsAFixedWindowLimiterForTheSpec() {
        FixedWindow spec = FixedWindow.of(3, Duration.ofSeconds(1));
        RateLimiter limiter = engine.rateLimiter("fw", spec);
        assertThat(limiter).isInstanceOf(FixedWindowLimiter.class);
        assertThat(limiter.spec()).isEqualTo(spec);
        assertThat(limiter.name()).isEqualTo("fw");
        assertThat(engine.limiter("fw", spec)).isInstanceOf(FixedWindowLimiter.class);
    }

    @Test
    void grantsTheLimitThenRefusesUntilTheWindowEnds() {
        RateLimiter limiter = limiter(3, Duration.ofSeconds(1));
        assertThat(limiter.allow()).isTrue();
        assertThat(limiter.allow()).isTrue();
        Permit third = limiter.tryAcquire(1);
        assertThat(third.granted()).isTrue();
        assertThat(third.remaining()).isZero();
        assertThat(third.limit()).isEqualTo(3);
        Permit fourth = limiter.tryAcquire(1);
        assertThat(fourth.granted()).isFalse();
        assertThat(fourth.retryAfterNanos()).isEqualTo(750 * MILLI); // the window [10 s, 11 s) ends in 750 ms
        clock.advance(750 * MILLI - 1);
        assertThat(limiter.tryAcquire(1).retryAfterNanos()).isEqualTo(1L);
        clock.advance(1L);
        assertThat(limiter.availablePermits()).isEqualTo(3);
        assertThat(limiter.allow()).isTrue();
    }

    @Test
    void aBurstStraddlingTheBoundaryGetsTwoWindowsWorth() {
        clock.advance(749 * MILLI); // 10.999 s
        RateLimiter limiter = limiter(3, Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.allow()).isTrue();
        }
        assertThat(limiter.tryAcquire(1).retryAfterNanos()).isEqualTo(MILLI);
        clock.advance(MILLI); // 11.000 s: a new window
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.allow()).isTrue();
        }
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(SECOND);
    }

    @Test
    void weightedPermitsCountTheirWeight() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        Permit four = limiter.tryAcquire(4);
        assertThat(four.granted()).isTrue();
        assertThat(four.remaining()).isEqualTo(6);
        Permit seven = limiter.tryAcquire(7);
        assertThat(seven.granted()).isFalse();
        assertThat(seven.retryAfterNanos()).isEqualTo(750 * MILLI);
        assertThat(seven.remaining()).isEqualTo(6);
        assertThat(limiter.allow(6)).isTrue();
        assertThat(limiter.allow(1)).isFalse();
        assertThatThrownBy(() -> limiter.tryAcquire(11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> limiter.allow(0)).isInstanceOf(IllegalArgumentException.class);
        clock.advance(750 * MILLI);
        assertThat(limiter.allow(10)).isTrue();
    }

    @Test
    void allowTakesTheSameDecisionsAsTryAcquire() {
        ManualClock otherClock = new ManualClock(clock.read());
        RateLimiter viaAllow = limiter(5, Duration.ofMillis(100));
        RateLimiter viaTry = LocalEngine.builder().ticker(otherClock).scheduler(otherClock).build()
                .rateLimiter("twin", FixedWindow.of(5, Duration.ofMillis(100)));
        SplittableRandom random = new SplittableRandom(7);
        int granted = 0;
        for (int i = 0; i < 2_000; i++) {
            long step = random.nextLong(30 * MILLI);
            clock.advance(step);
            otherClock.advance(step);
            long permits = 1 + random.nextInt(3);
            boolean allowed = viaAllow.allow(permits);
            assertThat(allowed).isEqualTo(viaTry.tryAcquire(permits).granted());
            granted += allowed ? 1 : 0;
        }
        assertThat(granted).isBetween(1, 1_999); // both outcomes occurred
    }

    @Test
    void decisionsAndRetryTimesMatchAModelOfTheAlgorithm() {
        long window = 1_000L;
        long limit = 7;
        ManualClock model = new ManualClock(-5 * window + 123); // negative readings on the way through zero
        RateLimiter limiter = LocalEngine.builder().ticker(model).scheduler(model).build()
                .rateLimiter("model", FixedWindow.of(limit, Duration.ofNanos(window)));
        SplittableRandom random = new SplittableRandom(11);
        long index = Math.floorDiv(model.read(), window);
        long used = 0;
        int refusals = 0;
        for (int i = 0; i < 5_000; i++) {
            long now = model.advance(random.nextLong(400));
            long permits = 1 + random.nextInt(3);
            if (Math.floorDiv(now, window) != index) {
                index = Math.floorDiv(now, window);
                used = 0;
            }
            boolean fits = used + permits <= limit;
            Permit permit = limiter.tryAcquire(permits);
            assertThat(permit.granted()).as("decision %d at %d", i, now).isEqualTo(fits);
            if (fits) {
                used += permits;
            } else {
                refusals++;
                assertThat(permit.retryAfterNanos()).isEqualTo((index + 1) * window - now);
            }
            assertThat(permit.remaining()).isEqualTo(limit - used);
        }
        assertThat(refusals).isPositive();
    }

    @Test
    void settlingTakesTheExtraOrGivesBackTheRest() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        limiter.tryAcquire(5).settle(2);
        assertThat(limiter.availablePermits()).isEqualTo(8);
        limiter.tryAcquire(5).settle(12); // 14 used of 10: debt
        assertThat(limiter.availablePermits()).isZero();
        assertThat(limiter.allow()).isFalse();
        Permit early = limiter.tryAcquire(1);
        assertThat(early.retryAfterNanos()).isEqualTo(750 * MILLI);
        clock.advance(750 * MILLI); // a fixed window's debt ends with it
        assertThat(limiter.availablePermits()).isEqualTo(10);
        Permit estimate = limiter.tryAcquire(6);
        estimate.settle(0);
        assertThat(limiter.availablePermits()).isEqualTo(10); // never below zero used
        assertThatThrownBy(() -> estimate.settle(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(1).settle(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void settlingMoreAfterTheWindowRolledChargesTheCurrentWindow() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        Permit permit = limiter.tryAcquire(4);
        clock.advance(SECOND);
        permit.settle(9);
        assertThat(limiter.availablePermits()).isEqualTo(5);
    }

    @Test
    void givingBackAfterTheWindowRolledNeverFreesPermitsInTheNewWindow() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        Permit estimate = limiter.tryAcquire(8);
        clock.advance(SECOND);
        assertThat(limiter.tryAcquire(10).granted()).isTrue(); // the new window is full
        estimate.settle(0); // the 8 permits belonged to the old window: nothing to give back here
        assertThat(limiter.availablePermits()).isZero();
        assertThat(limiter.allow()).isFalse();
    }

    @Test
    void reconfiguringTheLimitAppliesToTheCurrentWindowAtOnce() {
        FixedWindowLimiter limiter = limiter(3, Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.allow()).isTrue();
        }
        assertThat(limiter.allow()).isFalse();
        FixedWindow raised = FixedWindow.of(5, Duration.ofSeconds(1));
        limiter.reconfigure(raised);
        assertThat(limiter.spec()).isEqualTo(raised);
        assertThat(limiter.allow()).isTrue();
        Permit fifth = limiter.tryAcquire(1);
        assertThat(fifth.granted()).isTrue();
        assertThat(fifth.limit()).isEqualTo(5);
        assertThat(limiter.allow()).isFalse();

        limiter.reconfigure(FixedWindow.of(2, Duration.ofSeconds(1)));
        assertThat(limiter.availablePermits()).isZero();
        assertThatThrownBy(() -> limiter.tryAcquire(3)).isInstanceOf(IllegalArgumentException.class);
        clock.advance(750 * MILLI);
        assertThat(limiter.allow()).isTrue();
        assertThat(limiter.allow()).isTrue();
        assertThat(limiter.allow()).isFalse();
    }

    @Test
    void reconfiguringRefusesAnotherAlgorithmAndChangesNothing() {
        FixedWindowLimiter limiter = limiter(3, Duration.ofSeconds(1));
        assertThatThrownBy(() -> limiter.reconfigure(SlidingWindow.of(3, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FixedWindow");
        assertThatThrownBy(() -> limiter.reconfigure(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spec");
        assertThat(limiter.spec()).isEqualTo(FixedWindow.of(3, Duration.ofSeconds(1)));
        assertThat(limiter.availablePermits()).isEqualTo(3);
    }

    @Test
    void aLongerWindowStartsWhenTheCurrentOneEndsAndKeepsItsCountWhereTheyOverlap() {
        clock.advance(250 * MILLI); // 10.5 s
        FixedWindowLimiter limiter = limiter(3, Duration.ofSeconds(1));
        assertThat(limiter.allow(3)).isTrue();
        limiter.reconfigure(FixedWindow.of(3, Duration.ofSeconds(2)));
        assertThat(limiter.tryAcquire(1).retryAfterNanos()).isEqualTo(500 * MILLI); // [10 s, 11 s) runs on
        clock.advance(500 * MILLI); // 11 s lies in [10 s, 12 s) of the new grid, which holds the 3 permits
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(SECOND);
        clock.advance(SECOND);
        assertThat(limiter.allow(3)).isTrue();
        assertThat(limiter.tryAcquire(1).retryAfterNanos()).isEqualTo(2 * SECOND);
    }

    @Test
    void negativeTickerReadingsUseFlooredWindows() {
        ManualClock negative = new ManualClock(-1_500 * MILLI);
        RateLimiter limiter = LocalEngine.builder().ticker(negative).scheduler(negative).build()
                .rateLimiter("neg", FixedWindow.of(3, Duration.ofSeconds(1)));
        assertThat(limiter.allow(3)).isTrue();
        assertThat(limiter.tryAcquire(1).retryAfterNanos()).isEqualTo(500 * MILLI); // [-2 s, -1 s)
        negative.advance(500 * MILLI);
        assertThat(limiter.allow(3)).isTrue();
        assertThat(limiter.tryAcquire(1).retryAfterNanos()).isEqualTo(SECOND); // [-1 s, 0)
        negative.advance(SECOND);
        assertThat(limiter.allow(3)).isTrue();
    }

    @Test
    void aReadingTakenBeforeAnotherThreadsRollCountsInTheNewerWindow() {
        AtomicLong reading = new AtomicLong(500 * MILLI);
        RateLimiter limiter = LocalEngine.builder().ticker(reading::get).scheduler(clock).build()
                .rateLimiter("stale", FixedWindow.of(3, Duration.ofSeconds(1)));
        assertThat(limiter.allow(3)).isTrue(); // [0, 1 s) is full
        reading.set(SECOND);
        assertThat(limiter.allow(2)).isTrue(); // rolled to [1 s, 2 s)
        reading.set(900 * MILLI); // a thread that read the clock before the roll decides only now
        assertThat(limiter.allow(1)).isTrue(); // it is charged to the newer window, never to the old one
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.retryAfterNanos()).isEqualTo(1_100 * MILLI); // until [1 s, 2 s) ends
        reading.set(SECOND);
        assertThat(limiter.allow(1)).isFalse(); // [1 s, 2 s) holds exactly its 3
    }

    @Test
    void acquireAsyncWaitsForTheNextWindowOnTheScheduler() {
        RateLimiter limiter = limiter(3, Duration.ofSeconds(1));
        assertThat(limiter.allow(3)).isTrue();
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofSeconds(2));
        assertThat(waiting).isNotDone();
        assertThat(clock.pendingTasks()).isEqualTo(1);
        clock.advance(750 * MILLI - 1);
        assertThat(waiting).isNotDone();
        clock.advance(1L);
        assertThat(waiting.join().granted()).isTrue();
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }

    @Test
    void acquireAsyncIsRefusedAtOnceWhenTheWindowEndsAfterMaxWait() {
        RateLimiter limiter = limiter(3, Duration.ofSeconds(1));
        assertThat(limiter.allow(3)).isTrue();
        CompletableFuture<Permit> tooLate = limiter.acquireAsync(1, Duration.ofMillis(749));
        assertThat(tooLate).isDone();
        assertThat(tooLate.join().granted()).isFalse();
        assertThat(tooLate.join().retryAfterNanos()).isEqualTo(750 * MILLI);
        assertThat(clock.pendingTasks()).isZero();
        Permit blocking = limiter.acquire(1, Duration.ofMillis(100));
        assertThat(blocking.granted()).isFalse();
    }

    @Test
    void eightThreadsGetExactlyTheLimitInEachWindow() throws InterruptedException {
        long limit = 100;
        RateLimiter limiter = limiter(limit, Duration.ofSeconds(1));
        // Phases one window apart: 8 threads × 100 attempts ask for 8 times the limit in every window.
        long[] grants = PhasedHammer.run(limiter, clock, 8, 50, (int) limit, SECOND);
        assertThat(grants).containsOnly(limit);
    }

    @Test
    void phasesWithinOneWindowShareItsLimit() throws InterruptedException {
        long limit = 1_000;
        RateLimiter limiter = limiter(limit, Duration.ofSeconds(1));
        // Phases 250 ms apart from 10.25 s: the first phase of each window (10.25 s, 11 s, 12 s, ...) takes the whole
        // limit, the later phases of that window find nothing left.
        long[] grants = PhasedHammer.run(limiter, clock, 8, 40, 200, 250 * MILLI);
        for (int phase = 0; phase < grants.length; phase++) {
            boolean opensAWindow = phase == 0 || phase % 4 == 3;
            assertThat(grants[phase]).as("phase %d", phase).isEqualTo(opensAWindow ? limit : 0L);
        }
    }
}
