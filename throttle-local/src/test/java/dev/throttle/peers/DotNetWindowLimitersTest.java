package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours checked by .NET's FixedWindowRateLimiterTests and SlidingWindowRateLimiterTests, restated for throttle's
 * {@link FixedWindow}, {@link SlidingWindow} (counter approximation, not .NET's segments) and {@link SlidingLog}.
 * throttle's windows are aligned on the clock's grid ({@code [k·W, (k+1)·W)}), so the clock starts on a boundary.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class DotNetWindowLimitersTest {

    private static final Duration LONG = Duration.ofMinutes(10);
    private static final Duration SECOND = Duration.ofSeconds(1);

    private final ManualClock clock = new ManualClock(1_000_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private RateLimiter limiter(LimitSpec spec) {
        return engine.rateLimiter("api", spec);
    }

    private static Permit now(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        return future.join();
    }

    // ---------------------------------------------------------------- fixed window

    // CanAcquireResource
    @Test
    void fixedWindowGrantsAgainOnlyInTheNextWindow() {
        RateLimiter limiter = limiter(FixedWindow.of(1, SECOND));
        Permit lease = limiter.tryAcquire(1);
        assertThat(lease.granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        lease.close();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        clock.advance(SECOND);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
    }

    // InvalidOptionsThrows
    @Test
    void invalidWindowSpecsAreRefused() {
        assertThatThrownBy(() -> FixedWindow.of(-1, SECOND)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FixedWindow.of(0, SECOND)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FixedWindow.of(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FixedWindow.of(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FixedWindow.of(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SlidingWindow.of(-1, SECOND)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SlidingWindow.of(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SlidingLog.of(SlidingLog.MAX_LIMIT + 1, SECOND))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FixedWindow.of(1, Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // CanAcquireResourceAsync
    @Test
    void fixedWindowWaiterIsGrantedAtTheNextWindow() {
        RateLimiter limiter = limiter(FixedWindow.of(1, SECOND));
        assertThat(now(limiter.acquireAsync(1, LONG)).granted()).isTrue();
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        clock.advance(SECOND.minusNanos(1));
        assertThat(wait).isNotDone();
        clock.advance(1);
        assertThat(now(wait).granted()).isTrue();
    }

    // CanAcquireResourceAsync_QueuesAndGrabsOldest
    @Test
    void fixedWindowWaitersOfEqualSizeAreServedOldestFirst() {
        RateLimiter limiter = limiter(FixedWindow.of(1, SECOND));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        clock.advance(SECOND);
        assertThat(now(wait1).granted()).isTrue();
        assertThat(wait2).isNotDone();
        assertThat(limiter.availablePermits()).isZero();
        clock.advance(SECOND);
        assertThat(now(wait2).granted()).isTrue();
    }

    // CanDequeueMultipleResourcesAtOnce
    @Test
    void fixedWindowServesSeveralWaitersInOneNewWindow() {
        RateLimiter limiter = limiter(FixedWindow.of(2, SECOND));
        limiter.tryAcquire(2);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        clock.advance(SECOND);
        assertThat(now(wait1).granted()).isTrue();
        assertThat(now(wait2).granted()).isTrue();
    }

    // CannotAcquireResourcesWithAcquireAsyncWithQueuedItemsIfOldestFirst. Window counters have no queue: they "refuse
    // with the exact time until they could succeed, and the request is decided again then" (AbstractRateLimiter), so
    // a smaller later request that fits now is granted past a larger waiter, which gets its permits when the next
    // window starts.
    @Test
    void fixedWindowHasNoQueueSoASmallLaterRequestPassesALargeWaiter() {
        RateLimiter limiter = limiter(FixedWindow.of(2, SECOND));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(2, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        assertThat(now(wait2).granted()).isTrue(); // .NET: still queued behind `wait`
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        clock.advance(SECOND);
        assertThat(now(wait).granted()).isTrue();
    }

    // CanCancelAcquireAsyncAfterQueuing
    @Test
    void fixedWindowCancelledWaiterTakesNothing() {
        RateLimiter limiter = limiter(FixedWindow.of(1, SECOND));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        wait.cancel(false);
        assertThatThrownBy(wait::join).isInstanceOf(CancellationException.class);
        clock.advance(SECOND);
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(clock.pendingTasks()).isZero();
    }

    // RetryMetadataOnFailedWaitAsync / CorrectRetryMetadataWithQueuedItem / ...WithNonZeroAvailableItems
    @Test
    void fixedWindowRetryAfterIsTheTimeToTheWindowsEnd() {
        RateLimiter limiter = limiter(FixedWindow.of(3, Duration.ofSeconds(20)));
        limiter.tryAcquire(2);
        Permit failed = now(limiter.acquireAsync(3, Duration.ofSeconds(1)));
        assertThat(failed.granted()).isFalse();
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(20));
        assertThat(failed.remaining()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(5));
        assertThat(limiter.tryAcquire(2).retryAfter()).isEqualTo(Duration.ofSeconds(15));
    }

    // GetStatisticsHasCorrectValues (availability part)
    @Test
    void fixedWindowAvailabilityIsExact() {
        RateLimiter limiter = limiter(FixedWindow.of(100, SECOND));
        assertThat(limiter.availablePermits()).isEqualTo(100);
        Permit lease = limiter.tryAcquire(60);
        assertThat(lease.remaining()).isEqualTo(40);
        assertThat(limiter.availablePermits()).isEqualTo(40);
        assertThat(limiter.tryAcquire(100).granted()).isFalse();
        assertThat(limiter.availablePermits()).isEqualTo(40);
        CompletableFuture<Permit> wait = limiter.acquireAsync(50, LONG);
        assertThat(limiter.availablePermits()).isEqualTo(40);
        clock.advance(SECOND);
        assertThat(now(wait).granted()).isTrue();
        assertThat(limiter.availablePermits()).isEqualTo(50);
    }

    // A waiter whose permits cannot come within maxWait is refused at once ("returns as soon as it is known").
    @Test
    void fixedWindowWaiterThatCannotMakeItIsRefusedAtOnce() {
        RateLimiter limiter = limiter(FixedWindow.of(1, SECOND));
        limiter.tryAcquire(1);
        Permit refused = now(limiter.acquireAsync(1, Duration.ofMillis(999)));
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfter()).isEqualTo(SECOND);
        assertThat(clock.pendingTasks()).isZero();
    }

    // ReplenishWorksWithTicksOverInt32Max, for windows: negative and huge clock readings
    @Test
    void windowsWorkWithClockReadingsFarFromZero() {
        for (long origin : new long[] {1L << 62, -(1L << 62), -1_500_000_000L}) {
            ManualClock far = new ManualClock(origin);
            LocalEngine farEngine = LocalEngine.builder().ticker(far).scheduler(far).build();
            for (LimitSpec spec : new LimitSpec[] {FixedWindow.of(2, SECOND), SlidingWindow.of(2, SECOND),
                    SlidingLog.of(2, SECOND)}) {
                RateLimiter limiter = farEngine.rateLimiter("far", spec);
                assertThat(limiter.tryAcquire(2).granted()).as("%s at %d", spec, origin).isTrue();
                assertThat(limiter.tryAcquire(1).granted()).as("%s at %d", spec, origin).isFalse();
                Permit refused = limiter.tryAcquire(1);
                assertThat(refused.retryAfterNanos()).as("%s at %d", spec, origin).isPositive()
                        .isLessThanOrEqualTo(2 * SECOND.toNanos());
                far.advance(2 * SECOND.toNanos());
                assertThat(limiter.tryAcquire(2).granted()).as("%s at %d", spec, origin).isTrue();
            }
        }
    }

    // Reconfiguration (throttle promise): a new limit applies to the current window at once, granted permits stay
    // counted; a waiter asking for more than a lowered limit is refused with NEVER.
    @Test
    void fixedWindowReconfigurationAppliesToTheCurrentWindow() {
        RateLimiter limiter = limiter(FixedWindow.of(2, SECOND));
        limiter.tryAcquire(2);
        LocalEngine.reconfigure(limiter, FixedWindow.of(3, SECOND));
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        CompletableFuture<Permit> wait = limiter.acquireAsync(3, LONG);
        assertThat(wait).isNotDone();
        LocalEngine.reconfigure(limiter, FixedWindow.of(1, SECOND));
        assertThat(limiter.availablePermits()).isZero();
        clock.advance(SECOND);
        Permit refused = now(wait);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.never()).isTrue();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThatThrownBy(() -> limiter.tryAcquire(2)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- sliding window (counter)

    // CanAcquireResource: a permit comes back only once the whole window has slid past it.
    @Test
    void slidingWindowPermitComesBackAfterTheWholeWindow() {
        RateLimiter limiter = limiter(SlidingWindow.of(1, SECOND));
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(2));
        clock.advance(SECOND);
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        clock.advance(SECOND);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
    }

    // CanAcquireResourceAsync
    @Test
    void slidingWindowWaiterIsGrantedWhenTheWeightHasDecayed() {
        RateLimiter limiter = limiter(SlidingWindow.of(2, SECOND));
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        CompletableFuture<Permit> wait = limiter.acquireAsync(2, LONG);
        assertThat(wait).isNotDone();
        clock.advance(SECOND);
        assertThat(wait).isNotDone(); // previous count 1 still weighs fully at the boundary
        clock.advance(SECOND);
        assertThat(now(wait).granted()).isTrue();
    }

    // Correct retry-after: for a spread of states, a refusal's retry time is exact: granted then, refused 1 ns before.
    @Test
    void slidingWindowRetryAfterIsExact() {
        long w = SECOND.toNanos();
        long[][] scenarios = {
            // {limit, used at 0, advance, used after advance, ask}
            {4, 2, w + w / 3, 1, 3},
            {4, 4, w + 1, 0, 1},
            {4, 4, w + w / 2, 0, 3},
            {10, 7, w + w / 10, 2, 4},
            {3, 3, w / 2, 0, 2},
            {5, 5, w + 1, 0, 5},
        };
        for (long[] s : scenarios) {
            checkExactRetry("sliding " + Arrays.toString(s), SlidingWindow.of(s[0], SECOND), l -> grant(l, s[1]), s[2],
                    l -> grant(l, s[3]), s[4]);
        }
    }

    // Available permits agree with what tryAcquire would grant (GetStatistics' CurrentAvailablePermits).
    @Test
    void slidingWindowAvailabilityMatchesWhatIsGranted() {
        long w = SECOND.toNanos();
        for (long at : new long[] {0, w / 4, w, w + 1, w + w / 3, w + w / 2, 2 * w - 1, 2 * w, 3 * w}) {
            ManualClock c = new ManualClock(clock.read());
            LocalEngine e = LocalEngine.builder().ticker(c).scheduler(c).build();
            RateLimiter l = e.rateLimiter("s", SlidingWindow.of(6, SECOND));
            l.tryAcquire(5);
            c.advance(at);
            long available = l.availablePermits();
            if (available < 6) {
                assertThat(l.tryAcquire(available + 1).granted()).as("at %d: %d available", at, available).isFalse();
            }
            if (available > 0) {
                assertThat(l.tryAcquire(available).granted()).as("at %d: %d available", at, available).isTrue();
            }
        }
    }

    // CanCancelAcquireAsyncAfterQueuing
    @Test
    void slidingWindowCancelledWaiterTakesNothing() {
        RateLimiter limiter = limiter(SlidingWindow.of(1, SECOND));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        wait.cancel(false);
        clock.advance(Duration.ofSeconds(2));
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- sliding log (exact)

    @Test
    void slidingLogPermitsComeBackOneByOneExactlyAWindowAfterEach() {
        RateLimiter limiter = limiter(SlidingLog.of(2, SECOND));
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(500));
        Permit refusedTwo = limiter.tryAcquire(2);
        assertThat(refusedTwo.retryAfter()).isEqualTo(SECOND);
        CompletableFuture<Permit> wait = limiter.acquireAsync(2, LONG);
        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofMillis(500));
        assertThat(now(wait).granted()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
    }

    @Test
    void slidingLogRetryAfterIsExact() {
        long w = SECOND.toNanos();
        checkExactRetry("log 1 then 2, ask 2", SlidingLog.of(3, SECOND), l -> grant(l, 1), w / 3, l -> grant(l, 2), 2);
        checkExactRetry("log 3 then 2, ask 4", SlidingLog.of(5, SECOND), l -> grant(l, 3), w / 2, l -> grant(l, 2), 4);
    }

    // ---------------------------------------------------------------- shared

    /**
     * Plays a scenario to read its refusal's retry time, then replays it on fresh limiters to probe 1 ns before that
     * time (must be refused) and at it (must be granted).
     */
    private void checkExactRetry(String what, LimitSpec spec, Consumer<RateLimiter> before, long advance,
            Consumer<RateLimiter> after, long ask) {
        Permit refused = replay(spec, before, advance, after, 0).tryAcquire(ask);
        assertThat(refused.granted()).as(what + ": the probe must be refused").isFalse();
        long retry = refused.retryAfterNanos();
        assertThat(retry).as(what).isPositive().isNotEqualTo(Permit.NEVER);
        assertThat(replay(spec, before, advance, after, retry - 1).tryAcquire(ask).granted())
                .as(what + ": 1 ns before retryAfter=" + retry).isFalse();
        assertThat(replay(spec, before, advance, after, retry).tryAcquire(ask).granted())
                .as(what + ": at retryAfter=" + retry).isTrue();
    }

    /**
     * A fresh limiter on its own clock after {@code before}, the clock moved by {@code advance}, {@code after}, then
     * the clock moved by {@code wait}.
     */
    private RateLimiter replay(LimitSpec spec, Consumer<RateLimiter> before, long advance, Consumer<RateLimiter> after,
            long wait) {
        ManualClock c = new ManualClock(clock.read());
        RateLimiter l = LocalEngine.builder().ticker(c).scheduler(c).build().rateLimiter("x", spec);
        before.accept(l);
        c.advance(advance);
        after.accept(l);
        c.advance(wait);
        return l;
    }

    /** Takes permits that must be granted; none for 0. */
    private static void grant(RateLimiter limiter, long permits) {
        if (permits > 0) {
            assertThat(limiter.tryAcquire(permits).granted()).as("granting %d", permits).isTrue();
        }
    }
}
