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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SlidingWindowLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MILLI = 1_000_000L;

    private final ManualClock clock = new ManualClock(0L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private SlidingWindowLimiter limiter(long limit, Duration window) {
        return (SlidingWindowLimiter) engine.rateLimiter("sw", SlidingWindow.of(limit, window));
    }

    private static void grant(RateLimiter limiter, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(limiter.allow()).as("grant %d of %d", i + 1, times).isTrue();
        }
    }

    @Test
    void engineBuildsASlidingWindowLimiterForTheSpec() {
        SlidingWindow spec = SlidingWindow.of(10, Duration.ofSeconds(1));
        RateLimiter limiter = engine.rateLimiter("sw", spec);
        assertThat(limiter).isInstanceOf(SlidingWindowLimiter.class);
        assertThat(limiter.spec()).isEqualTo(spec);
    }

    @Test
    void weighsThePreviousWindowByTheShareStillInsideTheSlidingOne() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        grant(limiter, 10); // window [0, 1 s)
        Permit full = limiter.tryAcquire(1);
        assertThat(full.granted()).isFalse();
        // Next window: ceil(10·(1 − f)) + 1 <= 10 from f = 0.1, at 1.1 s.
        assertThat(full.retryAfterNanos()).isEqualTo(1_100 * MILLI);

        clock.advance(1_250 * MILLI); // 1.25 s: previous 10 weighs ceil(10·0.75) = 8
        assertThat(limiter.availablePermits()).isEqualTo(2);
        grant(limiter, 2);
        Permit third = limiter.tryAcquire(1);
        assertThat(third.granted()).isFalse();
        // ceil(10·(2 s − t)/1 s) + 2 + 1 <= 10 from t = 2 s − 0.7 s = 1.3 s.
        assertThat(third.retryAfterNanos()).isEqualTo(50 * MILLI);
        clock.advance(50 * MILLI - 1);
        assertThat(limiter.allow()).isFalse(); // weight ceil(7.00000001) = 8
        clock.advance(1);
        assertThat(limiter.allow()).isTrue(); // weight 7: 7 + 3 = 10
        Permit fourth = limiter.tryAcquire(1);
        assertThat(fourth.granted()).isFalse();
        assertThat(fourth.retryAfterNanos()).isEqualTo(100 * MILLI); // weight 6 at 1.4 s

        clock.advance(700 * MILLI); // 2.0 s: previous = 3, weighed in full
        assertThat(limiter.availablePermits()).isEqualTo(7);
        grant(limiter, 7);
        Permit eighth = limiter.tryAcquire(1);
        assertThat(eighth.granted()).isFalse();
        // ceil(3·(3 s − t)/1 s) <= 2 from 3 s − t = floor(2 s / 3) = 666_666_666 ns.
        assertThat(eighth.retryAfterNanos()).isEqualTo(333_333_334L);

        clock.advance(1_500 * MILLI); // 3.5 s: previous = 7, weight ceil(3.5) = 4
        assertThat(limiter.availablePermits()).isEqualTo(6);
        grant(limiter, 6);
        assertThat(limiter.allow()).isFalse();

        clock.advance(1_500 * MILLI); // 5.0 s: window 4 was empty; window 3 is not adjacent
        assertThat(limiter.availablePermits()).isEqualTo(10);
        grant(limiter, 10);
    }

    @Test
    void weightedPermitsCountTheirWeight() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        assertThat(limiter.allow(10)).isTrue();
        clock.advance(1_250 * MILLI);
        Permit three = limiter.tryAcquire(3);
        assertThat(three.granted()).isFalse();
        assertThat(three.retryAfterNanos()).isEqualTo(50 * MILLI); // weight 7 at 1.3 s: 7 + 3 = 10
        Permit two = limiter.tryAcquire(2);
        assertThat(two.granted()).isTrue();
        assertThat(two.remaining()).isZero();
        assertThat(two.limit()).isEqualTo(10);
        Permit whole = limiter.tryAcquire(10);
        assertThat(whole.granted()).isFalse();
        // 2 used + 10 > 10 in this window; in the next one the previous 2 would have to weigh nothing, which only
        // the window after it gives, at 3 s.
        assertThat(whole.retryAfterNanos()).isEqualTo(3 * SECOND - clock.read());
        assertThatThrownBy(() -> limiter.tryAcquire(11)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decisionsAndRetryTimesMatchAModelOfTheAlgorithm() {
        long window = 1_000L;
        long limit = 7;
        ManualClock modelClock = new ManualClock(-5 * window + 123); // negative readings on the way through zero
        RateLimiter limiter = LocalEngine.builder().ticker(modelClock).scheduler(modelClock).build()
                .rateLimiter("model", SlidingWindow.of(limit, Duration.ofNanos(window)));
        Model model = new Model(limit, window, modelClock.read());
        SplittableRandom random = new SplittableRandom(3);
        List<long[]> grants = new ArrayList<>();
        int refusals = 0;
        for (int i = 0; i < 5_000; i++) {
            long now = modelClock.advance(random.nextLong(random.nextInt(10) == 0 ? 2_500 : 300));
            long permits = 1 + random.nextInt(3);
            model.roll(now);
            boolean fits = model.fits(model.previous, model.used, now - model.index * window, permits);
            Permit permit = limiter.tryAcquire(permits);
            assertThat(permit.granted()).as("decision %d at %d", i, now).isEqualTo(fits);
            if (fits) {
                model.used += permits;
                grants.add(new long[] {now, permits, model.previous});
            } else {
                refusals++;
                assertThat(permit.retryAfterNanos()).as("retry %d at %d", i, now)
                        .isEqualTo(model.searchRetryAfter(now, permits));
            }
        }
        assertThat(refusals).isPositive();
        assertTheDocumentedBound(grants, limit, window);
    }

    /**
     * At most {@code limit} per aligned window, and at most {@code limit + floor(f·previous)} in the window-long
     * interval ending at each grant, {@code f} being how far into its window the grant came.
     */
    private static void assertTheDocumentedBound(List<long[]> grants, long limit, long window) {
        long most = 0;
        for (int i = 0; i < grants.size(); i++) {
            long at = grants.get(i)[0];
            long index = Math.floorDiv(at, window);
            long elapsed = at - index * window;
            long previous = grants.get(i)[2];
            long aligned = 0;
            long sliding = 0;
            for (long[] other : grants) {
                if (Math.floorDiv(other[0], window) == index) {
                    aligned += other[1];
                }
                if (other[0] > at - window && other[0] <= at) {
                    sliding += other[1];
                }
            }
            assertThat(aligned).as("window %d", index).isLessThanOrEqualTo(limit);
            assertThat(sliding).as("interval ending at %d", at).isLessThanOrEqualTo(limit + previous * elapsed / window);
            most = Math.max(most, sliding);
        }
        // The approximation does let more than the limit through some sliding interval, within the bound.
        assertThat(most).isGreaterThan(limit).isLessThan(2 * limit);
    }

    @Test
    void settlingTakesTheExtraIntoTheNextWindowsWeight() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        limiter.tryAcquire(6).settle(1);
        assertThat(limiter.availablePermits()).isEqualTo(9);
        limiter.tryAcquire(4).settle(24); // 25 used of 10
        assertThat(limiter.availablePermits()).isZero();
        clock.advance(SECOND); // previous 25 weighs ceil(25·(1 − f)) <= 9 from f = 0.64
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(640 * MILLI);
        clock.advance(640 * MILLI - 1);
        assertThat(limiter.allow()).isFalse();
        clock.advance(1);
        assertThat(limiter.allow()).isTrue();
    }

    @Test
    void givingBackAfterTheWindowEndedChangesNothing() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        Permit all = limiter.tryAcquire(10);
        clock.advance(SECOND); // the window is over (not yet rolled): its 10 permits are history
        all.settle(0);
        assertThat(limiter.availablePermits()).isZero(); // previous 10 weighs in full at 1.0 s
        assertThat(limiter.allow()).isFalse();
        clock.advance(500 * MILLI);
        assertThat(limiter.availablePermits()).isEqualTo(5);
    }

    @Test
    void reconfiguringTheLimitAppliesToTheCurrentWindowAtOnce() {
        SlidingWindowLimiter limiter = limiter(10, Duration.ofSeconds(1));
        assertThat(limiter.allow(10)).isTrue();
        clock.advance(1_250 * MILLI); // previous 10 weighs 8
        SlidingWindow raised = SlidingWindow.of(20, Duration.ofSeconds(1));
        limiter.reconfigure(raised);
        assertThat(limiter.spec()).isEqualTo(raised);
        assertThat(limiter.availablePermits()).isEqualTo(12);
        assertThat(limiter.allow(12)).isTrue();
        assertThat(limiter.allow()).isFalse();
        limiter.reconfigure(SlidingWindow.of(5, Duration.ofSeconds(1)));
        assertThat(limiter.availablePermits()).isZero();
        assertThat(limiter.tryAcquire(1).limit()).isEqualTo(5);
        assertThatThrownBy(() -> limiter.reconfigure(FixedWindow.of(5, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SlidingWindow");
        assertThatThrownBy(() -> limiter.reconfigure(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.spec()).isEqualTo(SlidingWindow.of(5, Duration.ofSeconds(1)));
    }

    @Test
    void aReadingTakenBeforeAnotherThreadsRollWeighsThePreviousWindowInFull() {
        AtomicLong reading = new AtomicLong(0L);
        RateLimiter limiter = LocalEngine.builder().ticker(reading::get).scheduler(clock).build()
                .rateLimiter("stale", SlidingWindow.of(10, Duration.ofSeconds(1)));
        assertThat(limiter.allow(10)).isTrue();
        reading.set(1_500 * MILLI);
        assertThat(limiter.allow(5)).isTrue(); // previous 10 weighs 5
        reading.set(900 * MILLI); // read before the roll, decided after it
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse(); // 10 (in full) + 5 + 1 > 10
        // In [1 s, 2 s): ceil(10·(2 s − t)/1 s) <= 4 from t = 1.6 s, 700 ms after the stale reading.
        assertThat(refused.retryAfterNanos()).isEqualTo(700 * MILLI);
    }

    @Test
    void acquireAsyncWaitsUntilThePreviousWindowHasSlidOutEnough() {
        RateLimiter limiter = limiter(10, Duration.ofSeconds(1));
        assertThat(limiter.allow(10)).isTrue();
        clock.advance(1_250 * MILLI);
        assertThat(limiter.allow(2)).isTrue();
        CompletableFuture<Permit> tooLate = limiter.acquireAsync(1, Duration.ofMillis(49));
        assertThat(tooLate.join().granted()).isFalse();
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofMillis(50));
        assertThat(waiting).isNotDone();
        clock.advance(50 * MILLI - 1);
        assertThat(waiting).isNotDone();
        clock.advance(1);
        assertThat(waiting.join().granted()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
    }

    @Test
    void hugeCountsAndWindowsStayExact() {
        long limit = Long.MAX_VALUE / 2;
        Duration window = Duration.ofDays(3650);
        long length = window.toNanos();
        RateLimiter limiter = limiter(limit, window);
        assertThat(limiter.allow(limit)).isTrue();
        clock.advance(length + length / 4); // previous = limit weighs ceil(limit·3/4)
        long weighted = limit - limit / 4; // limit is odd: limit·3/4 = limit − limit/4 − 0.25, rounded up
        assertThat(limiter.availablePermits()).isEqualTo(limit - weighted);
        assertThat(limiter.allow(limit - weighted)).isTrue();
        assertThat(limiter.allow()).isFalse();
    }

    @Test
    void eightThreadsGetExactlyWhatTheFormulaAllowsInEachPhase() throws InterruptedException {
        long limit = 100;
        RateLimiter limiter = limiter(limit, Duration.ofSeconds(1));
        // Four phases per window (f = 0, 0.25, 0.5, 0.75); demand is 8 times the limit in every phase.
        int phases = 48;
        long step = 250 * MILLI;
        long[] grants = PhasedHammer.run(limiter, clock, 8, phases, (int) limit, step);
        Model model = new Model(limit, SECOND, 0L);
        long[] expected = new long[phases];
        for (int phase = 0; phase < phases; phase++) {
            long now = phase * step;
            model.roll(now);
            long taken = 0;
            while (model.fits(model.previous, model.used, now - model.index * SECOND, 1)) {
                model.used++;
                taken++;
            }
            expected[phase] = taken;
        }
        assertThat(grants).containsExactly(expected);
        assertThat(expected).contains(0L, 100L, 25L); // the phases differ, so the comparison can fail
        for (int first = 0; first < phases; first += 4) {
            long inWindow = grants[first] + grants[first + 1] + grants[first + 2] + grants[first + 3];
            assertThat(inWindow).as("window %d", first / 4).isLessThanOrEqualTo(limit);
        }
    }

    /** The algorithm as its definition states it, with small numbers, to check the limiter against. */
    private static final class Model {
        final long limit;
        final long window;
        long index;
        long previous;
        long used;

        Model(long limit, long window, long now) {
            this.limit = limit;
            this.window = window;
            this.index = Math.floorDiv(now, window);
        }

        void roll(long now) {
            long next = Math.floorDiv(now, window);
            if (next != index) {
                previous = next == index + 1 ? used : 0;
                used = 0;
                index = next;
            }
        }

        boolean fits(long previous, long used, long elapsed, long permits) {
            long weighted = (previous * (window - elapsed) + window - 1) / window;
            return weighted + used + permits <= limit;
        }

        /** The first later reading at which the request fits if nothing else arrives, by trying each nanosecond. */
        long searchRetryAfter(long now, long permits) {
            for (long wait = 1; ; wait++) {
                long at = now + wait;
                long atIndex = Math.floorDiv(at, window);
                long elapsed = at - atIndex * window;
                boolean fits;
                if (atIndex == index) {
                    fits = fits(previous, used, elapsed, permits);
                } else if (atIndex == index + 1) {
                    fits = fits(used, 0, elapsed, permits);
                } else {
                    fits = fits(0, 0, elapsed, permits);
                }
                if (fits) {
                    return wait;
                }
            }
        }
    }
}
