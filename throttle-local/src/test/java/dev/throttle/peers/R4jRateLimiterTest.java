package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.ThrottledException;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.Eventually;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours of Resilience4j's rate limiter tests (AtomicRateLimiterTest, SemaphoreBasedRateLimiterImplTest,
 * RateLimitersImplementationTest, RateLimiterTest, RateLimiterConfigTest). Resilience4j's AtomicRateLimiter is a
 * fixed cycle of {@code limitForPeriod} permits per {@code limitRefreshPeriod}: throttle's {@link FixedWindow}.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class R4jRateLimiterTest {

    private static final long W = Duration.ofSeconds(1).toNanos();

    private final ManualClock clock = new ManualClock(W); // at the start of window 1
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private RateLimiter fixed(long limit) {
        return engine.rateLimiter("rl", FixedWindow.of(limit, Duration.ofNanos(W)));
    }

    // AtomicRateLimiterTest.permissionsInFirstCycle
    @Test
    void aFreshLimiterHasTheWholeLimitEvenLateInTheFirstWindow() {
        clock.advance(W - 10);
        RateLimiter rl = fixed(3);
        assertThat(rl.availablePermits()).isEqualTo(3);
    }

    // AtomicRateLimiterTest.acquireAndRefreshWithEventPublishing / notSpyRawNonBlockingTest
    @Test
    void oneWindowsLimitThenRefusalUntilTheNextWindow() {
        RateLimiter rl = fixed(1);
        Permit first = rl.tryAcquire();
        assertThat(first.granted()).isTrue();
        assertThat(first.remaining()).isZero();
        Permit second = rl.tryAcquire();
        assertThat(second.granted()).isFalse();
        assertThat(second.retryAfterNanos()).isEqualTo(W);
        assertThat(rl.availablePermits()).isZero();
        clock.advance(W);
        assertThat(rl.tryAcquire().granted()).isTrue();
        Permit fourth = rl.tryAcquire();
        assertThat(fourth.granted()).isFalse();
        assertThat(fourth.retryAfterNanos()).isEqualTo(W);
    }

    // AtomicRateLimiterTest.reserveAndRefresh (async)
    @Test
    void aWaiterIsGrantedWhenTheNextWindowStarts() {
        RateLimiter rl = fixed(1);
        rl.tryAcquire();
        CompletableFuture<Permit> waiter = rl.acquireAsync(1, Duration.ofNanos(W));
        assertThat(waiter).isNotDone();
        clock.advance(W - 1);
        assertThat(waiter).isNotDone();
        clock.advance(1);
        assertThat(waiter).isDone();
        assertThat(waiter.join().granted()).isTrue();
        assertThat(rl.availablePermits()).isZero();
    }

    // AtomicRateLimiterTest.reserveAndRefresh (blocking thread)
    @Test
    void aBlockedThreadIsGrantedWhenTheNextWindowStarts() throws Exception {
        RateLimiter rl = fixed(1);
        rl.tryAcquire();
        AtomicReference<Permit> got = new AtomicReference<>();
        Thread t = new Thread(() -> got.set(rl.acquire(1, Duration.ofNanos(W))));
        t.setDaemon(true);
        t.start();
        assertThat(Eventually.eventually(() -> clock.pendingTasks() == 1 && t.getState() == Thread.State.WAITING))
                .isTrue();
        clock.advance(W);
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
        assertThat(got.get().granted()).isTrue();
    }

    // AtomicRateLimiterTest.rejectedByTimeoutNonBlocking: a wait too short to reach the next window is refused at once
    @Test
    void aWaitTooShortForTheNextWindowIsRefusedAtOnce() {
        RateLimiter rl = fixed(1);
        rl.tryAcquire();
        CompletableFuture<Permit> waiter = rl.acquireAsync(1, Duration.ofNanos(W - 1));
        assertThat(waiter).isDone();
        assertThat(waiter.join().granted()).isFalse();
        assertThat(waiter.join().retryAfterNanos()).isEqualTo(W);
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(W - 1);
        Permit late = rl.tryAcquire();
        assertThat(late.granted()).isFalse();
        assertThat(late.retryAfterNanos()).isEqualTo(1L);
    }

    // AtomicRateLimiterTest.waitingThreadIsInterrupted (fixed window: nothing reserved, nothing leaks)
    @Test
    void anInterruptedWaiterIsRefusedAndKeepsItsFlag() throws Exception {
        RateLimiter rl = fixed(1);
        rl.tryAcquire();
        AtomicReference<Permit> got = new AtomicReference<>();
        AtomicBoolean flag = new AtomicBoolean();
        Thread t = new Thread(() -> {
            got.set(rl.acquire(1, Duration.ofNanos(2 * W)));
            flag.set(Thread.currentThread().isInterrupted());
        });
        t.setDaemon(true);
        t.start();
        assertThat(Eventually.eventually(() -> clock.pendingTasks() == 1 && t.getState() == Thread.State.WAITING))
                .isTrue();
        t.interrupt();
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
        assertThat(got.get().granted()).isFalse();
        assertThat(flag.get()).isTrue();
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(W);
        assertThat(rl.availablePermits()).isEqualTo(1);
    }

    // AtomicRateLimiterTest.waitingThreadIsInterrupted, token bucket (which reserves a future slot like R4j):
    // the interrupted waiter's reservation is given back.
    @Test
    void anInterruptedBucketWaiterGivesItsReservedSlotBack() throws Exception {
        RateLimiter rl = engine.rateLimiter("tb", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(rl.tryAcquire().granted()).isTrue();
        AtomicReference<Permit> got = new AtomicReference<>();
        Thread t = new Thread(() -> got.set(rl.acquire(1, Duration.ofSeconds(2))));
        t.setDaemon(true);
        t.start();
        assertThat(Eventually.eventually(() -> clock.pendingTasks() == 1 && t.getState() == Thread.State.WAITING))
                .isTrue();
        t.interrupt();
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
        assertThat(got.get().granted()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(rl.tryAcquire().granted()).as("the reserved token came back").isTrue();
    }

    // AtomicRateLimiterTest.reserveFewThenSkipCyclesBeforeRefresh
    @Test
    void twoWaitersForOneSlotOneGrantedOneRefusedThenIdleWindowsRefill() {
        RateLimiter rl = fixed(1);
        rl.tryAcquire();
        CompletableFuture<Permit> first = rl.acquireAsync(1, Duration.ofNanos(W));
        CompletableFuture<Permit> second = rl.acquireAsync(1, Duration.ofNanos(W));
        clock.advance(W);
        assertThat(first.join().granted()).isTrue();
        assertThat(second).isDone();
        assertThat(second.join().granted()).isFalse();
        clock.advance(5 * W + 10);
        assertThat(rl.availablePermits()).isEqualTo(1);
    }

    // AtomicRateLimiterTest.reservePermissionsUpfront: 3 per 10 ms, wait 12 ms, 9 requests in a row. Resilience4j
    // refuses the last 3 on arrival; throttle's window counters "never reserve a future slot ... a waiting caller is
    // retried at the refusal's retry time instead" (WindowCounterLimiter.reserve), so they wait for the next window
    // and are refused there, when its 3 permits are taken.
    @Test
    void nineRequestsThreeNowThreeNextWindowThreeRefusedWhenItStarts() {
        long w = Duration.ofMillis(10).toNanos();
        ManualClock c = new ManualClock(w);
        LocalEngine e = LocalEngine.builder().ticker(c).scheduler(c).build();
        RateLimiter rl = e.rateLimiter("rl", FixedWindow.of(3, Duration.ofNanos(w)));
        List<CompletableFuture<Permit>> answers = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            c.advance(1);
            answers.add(rl.acquireAsync(1, Duration.ofMillis(12)));
        }
        assertThat(answers.subList(0, 3)).allSatisfy(f -> assertThat(f.join().granted()).isTrue());
        assertThat(answers.subList(3, 9)).allSatisfy(f -> assertThat(f).isNotDone());
        c.advance(w - 10);
        assertThat(answers.subList(3, 9)).allSatisfy(f -> assertThat(f).isNotDone());
        c.advance(1); // the next window starts
        assertThat(answers.subList(3, 6)).allSatisfy(f -> assertThat(f.join().granted()).isTrue());
        assertThat(answers.subList(6, 9)).allSatisfy(f -> {
            assertThat(f).isDone();
            assertThat(f.join().granted()).isFalse();
        });
        assertThat(c.pendingTasks()).isZero();
    }

    // AtomicRateLimiterTest.changeLimitForPeriod / SemaphoreBasedRateLimiterImplTest.changeLimitForPeriod
    @Test
    void theLimitCanBeChangedLive() {
        RateLimiter rl = fixed(1);
        rl.tryAcquire();
        LocalEngine.reconfigure(rl, FixedWindow.of(35, Duration.ofNanos(W)));
        assertThat(((FixedWindow) rl.spec()).limit()).isEqualTo(35);
        assertThat(rl.spec().capacity()).isEqualTo(35);
        // throttle: a new limit applies to the current window at once, permits already granted stay counted
        assertThat(rl.availablePermits()).isEqualTo(34);
        clock.advance(W);
        assertThat(rl.availablePermits()).isEqualTo(35);
    }

    // RateLimitersImplementationTest.acquireBigNumberOfPermitsAtStartOfCycleTest
    @Test
    void theWholeLimitAtOnceAtTheStartOfAWindow() {
        RateLimiter rl = fixed(10);
        assertThat(rl.tryAcquire(10).granted()).isTrue();
        assertThat(rl.availablePermits()).isZero();
        assertThat(rl.tryAcquire(1).granted()).isFalse();
    }

    // RateLimitersImplementationTest.tryToAcquireBigNumberOfPermitsAtEndOfCycleTest
    @Test
    void aLargeRequestWaitsForAFullWindow() {
        RateLimiter rl = fixed(10);
        assertThat(rl.tryAcquire(1).granted()).isTrue();
        clock.advance(W - 5);
        Permit big = rl.tryAcquire(10);
        assertThat(big.granted()).isFalse();
        assertThat(big.retryAfterNanos()).isEqualTo(5L);
        assertThat(rl.availablePermits()).isEqualTo(9);
        clock.advance(5);
        assertThat(rl.tryAcquire(10).granted()).isTrue();
    }

    // RateLimitersImplementationTest.tryToAcquirePermitsAfterDrainBeforeCycleEndsTest / drainCycle...
    @Test
    void drainingTheWindowRefusesTheRestUntilItEnds() {
        RateLimiter rl = fixed(10);
        rl.tryAcquire(3);
        assertThat(rl.tryAcquire(rl.availablePermits()).granted()).isTrue();
        assertThat(rl.availablePermits()).isZero();
        assertThat(rl.tryAcquire(1).granted()).isFalse();
        clock.advance(W);
        assertThat(rl.availablePermits()).isEqualTo(10);
    }

    // RateLimiterTest.decorate*: call/run refused with the limiter's name and retry-after; the task is not run
    @Test
    void callIsRefusedWithThrottledExceptionCarryingTheRetryAfter() throws Exception {
        RateLimiter rl = fixed(1);
        assertThat(rl.call(() -> "ok")).isEqualTo("ok");
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> rl.call(() -> ran.getAndSet(true))).isInstanceOfSatisfying(ThrottledException.class,
                e -> {
                    assertThat(e.limiterName()).isEqualTo("rl");
                    assertThat(e.retryAfterNanos()).isEqualTo(W);
                });
        assertThatThrownBy(() -> rl.run(() -> ran.set(true))).isInstanceOf(ThrottledException.class);
        assertThat(ran).isFalse();
    }

    // RateLimiterTest.decorateCheckedSupplier exceptions: the task's exception passes unchanged; the permit is spent
    @Test
    void aFailingTaskPropagatesItsExceptionAndSpendsThePermit() {
        RateLimiter rl = fixed(2);
        IOException io = new IOException("BAM!");
        assertThatThrownBy(() -> rl.call(() -> {
            throw io;
        })).isSameAs(io);
        assertThat(rl.availablePermits()).isEqualTo(1);
    }

    // RateLimiterTest.decorateCompletionStage / decorateFutureFailure
    @Test
    void callAsyncIsRefusedWithAFailedFutureWithoutCallingTheSupplier() {
        RateLimiter rl = fixed(1);
        assertThat(rl.callAsync(() -> CompletableFuture.completedFuture("ok")).join()).isEqualTo("ok");
        AtomicBoolean called = new AtomicBoolean();
        CompletableFuture<String> refused = rl.callAsync(() -> {
            called.set(true);
            return CompletableFuture.completedFuture("no");
        });
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::join).hasCauseInstanceOf(ThrottledException.class);
        assertThat(called).isFalse();
    }

    // RateLimiterTest.waitForPermissionWithInterruption: an already-interrupted caller is not granted a wait
    @Test
    void anAlreadyInterruptedCallerIsRefusedAndKeepsItsFlag() {
        RateLimiter rl = fixed(1);
        rl.tryAcquire();
        Thread.currentThread().interrupt();
        try {
            Permit p = rl.acquire(1, Duration.ofSeconds(5));
            assertThat(p.granted()).isFalse();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(clock.pendingTasks()).isZero();
    }

    // RateLimiterConfigTest: builderLimitIsLessThanOne / RefreshPeriod null, negative, zero / Timeout null, negative
    @Test
    void invalidSpecsAndWaitsAreRefusedNamingTheParameter() {
        assertThatThrownBy(() -> FixedWindow.of(0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit");
        assertThatThrownBy(() -> FixedWindow.of(1, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window");
        assertThatThrownBy(() -> FixedWindow.of(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window");
        assertThatThrownBy(() -> FixedWindow.of(1, Duration.ofNanos(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("window");
        assertThatThrownBy(() -> FixedWindow.of(1, Duration.ofDays(365_000_000L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
        RateLimiter rl = fixed(2);
        assertThatThrownBy(() -> rl.acquire(1, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxWait");
        assertThatThrownBy(() -> rl.acquire(1, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxWait");
        assertThatThrownBy(() -> rl.acquire(1, Duration.ofDays(365_000_000L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        // R4j's reservePermission(n > limit) reserves several cycles; throttle refuses above the capacity
        assertThatThrownBy(() -> rl.tryAcquire(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> rl.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThat(rl.availablePermits()).isEqualTo(2);
    }

    // SemaphoreBasedRateLimiterImplTest.getName / RateLimiterTest.construction
    @Test
    void nameAndSpec() {
        Limiter rl = fixed(2);
        assertThat(rl.name()).isEqualTo("rl");
        assertThat(rl.spec()).isEqualTo(FixedWindow.of(2, Duration.ofNanos(W)));
        assertThat(rl.tryAcquire().limit()).isEqualTo(2);
    }
}
