package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.Ticker;
import dev.throttle.local.LocalEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SlidingLogLimiterTest {

    private static final long MS = 1_000_000L;
    private static final long START = 1_000_000_000L;

    private final ManualClock clock = new ManualClock(START);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    /** Moves the clock to {@code START + ms} milliseconds. */
    private void at(long ms) {
        clock.advance(START + ms * MS - clock.read());
    }

    /** The outcome of a future that must be complete by now; never blocks. */
    private static Permit completed(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        return future.getNow(null);
    }

    @Test
    void engineBuildsASlidingLog() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(3, Duration.ofSeconds(1)));
        assertThat(log).isInstanceOf(SlidingLogLimiter.class);
        assertThat(log.spec()).isEqualTo(SlidingLog.of(3, Duration.ofSeconds(1)));
        assertThat(log.name()).isEqualTo("log");
    }

    @Test
    void handComputedTimeline() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(3, Duration.ofSeconds(1)));
        assertThat(log.availablePermits()).isEqualTo(3);
        assertThat(log.tryAcquire(1).granted()).isTrue();      // t = 0
        at(100);
        assertThat(log.tryAcquire(1).remaining()).isEqualTo(1); // t = 100
        at(200);
        Permit third = log.tryAcquire(1);                      // t = 200
        assertThat(third.granted()).isTrue();
        assertThat(third.remaining()).isZero();
        assertThat(third.limit()).isEqualTo(3);
        at(500);
        Permit refused = log.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(500 * MS); // the permit of t = 0 leaves at 1000
        assertThat(refused.remaining()).isZero();
        assertThat(log.tryAcquire(2).retryAfterNanos()).isEqualTo(600 * MS); // 0 and 100 must both leave
        clock.advance(500 * MS - 1);
        assertThat(log.allow()).isFalse();                      // t = 1000 ms − 1 ns
        clock.advance(1);
        assertThat(log.availablePermits()).isEqualTo(1);
        assertThat(log.allow()).isTrue();                       // t = 1000: the permit of 0 left, exactly
        assertThat(log.tryAcquire(1).retryAfterNanos()).isEqualTo(100 * MS);
        at(1100);
        assertThat(log.allow()).isTrue();
        assertThat(log.allow()).isFalse();
        at(1250);
        assertThat(log.allow()).isTrue();                       // the permit of 200 left at 1200
        assertThat(log.tryAcquire(1).retryAfterNanos()).isEqualTo(750 * MS); // 1000 leaves at 2000
    }

    @Test
    void weightedRequestsWaitForAsManyPermitsToLeave() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(5, Duration.ofSeconds(1)));
        assertThat(log.allow(2)).isTrue();   // 0, 0
        at(300);
        assertThat(log.allow(3)).isTrue();   // 300 ×3
        at(400);
        assertThat(log.allow(1)).isFalse();
        assertThat(log.tryAcquire(1).retryAfterNanos()).isEqualTo(600 * MS);  // both of t = 0 leave at 1000
        assertThat(log.tryAcquire(3).retryAfterNanos()).isEqualTo(900 * MS);  // one of t = 300 too: 1300
        assertThat(log.tryAcquire(5).retryAfterNanos()).isEqualTo(900 * MS);
        at(1000);
        assertThat(log.availablePermits()).isEqualTo(2);
        assertThat(log.allow(3)).isFalse();
        assertThat(log.allow(2)).isTrue();
        at(1300);
        assertThat(log.allow(5)).isFalse(); // 1000 ×2 still in
        assertThat(log.allow(3)).isTrue();
        assertThat(log.tryAcquire(5).retryAfterNanos()).isEqualTo(1000 * MS);
        assertThatThrownBy(() -> log.allow(6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> log.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesTheBoundaryBurstAFixedWindowWouldAllow() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(3, Duration.ofSeconds(1)));
        at(999);
        assertThat(log.allow(3)).isTrue();
        at(1000); // a fixed window would start afresh here
        assertThat(log.allow()).isFalse();
        at(1998);
        Permit refused = log.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(1 * MS);
        at(1999);
        assertThat(log.allow(3)).isTrue();
        assertThat(log.allow()).isFalse();
    }

    @Test
    void allowTakesTheSameDecisionsAsTryAcquire() {
        RateLimiter fast = engine.rateLimiter("fast", SlidingLog.of(7, Duration.ofMillis(100)));
        RateLimiter full = engine.rateLimiter("full", SlidingLog.of(7, Duration.ofMillis(100)));
        Random random = new Random(42);
        int granted = 0;
        for (int i = 0; i < 2_000; i++) {
            clock.advance(random.nextInt(10) * MS);
            long permits = 1 + random.nextInt(3);
            boolean allowed = fast.allow(permits);
            assertThat(full.tryAcquire(permits).granted()).as("step %d", i).isEqualTo(allowed);
            granted += allowed ? 1 : 0;
        }
        assertThat(granted).isBetween(100, 1_900);
    }

    @Test
    void acquireAsyncWaitsUntilTheLogFreesUp() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(2, Duration.ofSeconds(1)));
        assertThat(log.allow(2)).isTrue();
        CompletableFuture<Permit> waiting = log.acquireAsync(1, Duration.ofSeconds(2));
        assertThat(waiting).isNotDone();
        assertThat(clock.pendingTasks()).isEqualTo(1);
        clock.advance(999 * MS);
        assertThat(waiting).isNotDone();
        clock.advance(1 * MS);
        assertThat(completed(waiting).granted()).isTrue();
        assertThat(log.allow()).isTrue();
        assertThat(log.allow()).isFalse();
    }

    @Test
    void acquireAsyncRetriesExactlyWhenThePermitLeaves() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(1, Duration.ofSeconds(1)));
        assertThat(log.allow()).isTrue();                 // t = 0
        at(500);
        CompletableFuture<Permit> waiting = log.acquireAsync(1, Duration.ofSeconds(2)); // retry at 1000
        at(999);
        assertThat(waiting).isNotDone();
        // At 1000 the waiter's retry runs first and takes the permit; a caller at 1000 is refused.
        at(1000);
        assertThat(completed(waiting).granted()).isTrue();
        assertThat(log.allow()).isFalse();
    }

    @Test
    void acquireAsyncRefusesAtOnceWhenTheRetryIsBeyondMaxWait() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(2, Duration.ofSeconds(1)));
        assertThat(log.allow(2)).isTrue();
        at(300);
        CompletableFuture<Permit> refused = log.acquireAsync(1, Duration.ofMillis(699));
        assertThat(refused).isDone();
        assertThat(completed(refused).granted()).isFalse();
        assertThat(completed(refused).retryAfterNanos()).isEqualTo(700 * MS);
        assertThat(clock.pendingTasks()).isZero();
        Permit blocking = log.acquire(1, Duration.ofMillis(699));
        assertThat(blocking.granted()).isFalse();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void settlingUpLogsTheExtraAndSettlingDownGivesNothingBack() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(4, Duration.ofSeconds(1)));
        Permit estimate = log.tryAcquire(1);
        estimate.settle(3);                                 // 3 at t = 0
        assertThat(log.availablePermits()).isEqualTo(1);
        at(100);
        Permit big = log.tryAcquire(1);
        big.settle(10);                                     // capped at the limit: 4 more at t = 100
        assertThat(log.availablePermits()).isZero();
        at(1000);
        // 4 of t = 0..100 still count: only after 1100 does anything fit.
        assertThat(log.tryAcquire(1).retryAfterNanos()).isEqualTo(100 * MS);
        at(1100);
        assertThat(log.allow(4)).isTrue();
        Permit overestimate = log.tryAcquire(1);
        assertThat(overestimate.granted()).isFalse();
        at(2100);
        Permit four = log.tryAcquire(4);
        four.settle(1); // a sliding log cannot un-log: the 4 keep counting
        assertThat(log.availablePermits()).isZero();
        assertThat(log.allow()).isFalse();
    }

    @Test
    void matchesAReferenceLogStepByStep() {
        for (long seed = 1; seed <= 12; seed++) {
            Random random = new Random(seed);
            int limit = 1 + random.nextInt(12);
            long window = 1_000 + random.nextInt(5_000);
            ManualClock manual = new ManualClock(random.nextLong() >> 2); // any origin, even negative
            LocalEngine local = LocalEngine.builder().ticker(manual).scheduler(manual).build();
            RateLimiter log = local.rateLimiter("log", SlidingLog.of(limit, Duration.ofNanos(window)));
            ReferenceLog reference = new ReferenceLog(limit, window);
            long lastRetry = 0;
            int granted = 0;
            for (int step = 0; step < 5_000; step++) {
                int how = random.nextInt(10);
                long advance = how == 0 ? lastRetry : how < 3 ? 0 : random.nextInt((int) window / 2);
                long now = manual.advance(advance);
                long permits = 1 + random.nextInt(limit);
                long expected = stepAgainstReference(log, reference, now, permits, how == 9,
                        how == 8 ? 2 * limit : -1, random, "seed " + seed + " step " + step);
                lastRetry = expected;
                granted += expected == 0 ? 1 : 0;
            }
            assertThat(granted).as("seed %d grants", seed).isBetween(500, 4_500);
        }
    }

    /**
     * One decision compared with the reference log's at {@code now}: by {@code allow} (the boolean path) or by
     * {@code tryAcquire} (granted, retry time and remaining compared), a grant then settled at a random use up to
     * {@code settleUpTo} when that is not negative; the permits available after it compared too.
     *
     * @return the reference's answer: 0 for a grant, else the retry time
     */
    static long stepAgainstReference(RateLimiter log, ReferenceLog reference, long now, long permits,
            boolean viaAllow, int settleUpTo, Random random, String at) {
        long expected = reference.decide(now, permits);
        if (viaAllow) {
            assertThat(log.allow(permits)).as(at).isEqualTo(expected == 0);
        } else {
            Permit permit = log.tryAcquire(permits);
            assertThat(permit.granted()).as(at).isEqualTo(expected == 0);
            assertThat(permit.retryAfterNanos()).as(at).isEqualTo(expected);
            assertThat(permit.remaining()).as(at).isEqualTo(reference.available(now));
            if (permit.granted() && settleUpTo >= 0) {
                long actual = random.nextInt(settleUpTo + 1);
                permit.settle(actual);
                reference.settle(now, actual - permits);
            }
        }
        assertThat(log.availablePermits()).as(at).isEqualTo(reference.available(now));
        return expected;
    }

    /**
     * A full log of 100 (in a ring of 128) whose oldest permits leave one nanosecond apart: each nanosecond lets
     * exactly as many more permits in as have left, whichever decisions read which slots.
     */
    @Test
    void aFullLogGrantsExactlyThePermitsThatLeft() {
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(100, Duration.ofNanos(1_000)));
        for (int i = 0; i < 100; i++) {
            assertThat(log.allow()).isTrue(); // permit i at START + i
            clock.advance(1);
        }
        clock.advance(900 - 100);                                      // START + 900: nothing has left
        assertThat(log.tryAcquire(1).retryAfterNanos()).isEqualTo(100);
        clock.advance(100);                                            // START + 1000: permit 0 has left
        assertThat(log.allow()).isTrue();
        assertThat(log.tryAcquire(1).retryAfterNanos()).isEqualTo(1);  // permit 1 leaves at START + 1001
        clock.advance(50);                                             // START + 1050: permits 1 .. 50 have left
        assertThat(log.availablePermits()).isEqualTo(50);
        assertThat(log.allow(30)).isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(log.allow()).as("grant %d of the last 20", i).isTrue();
        }
        Permit refused = log.tryAcquire(1);                            // permit 51, at START + 51, is in
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(1);
        clock.advance(1);
        assertThat(log.allow(2)).isFalse();
        assertThat(log.allow()).isTrue();
        assertThat(log.allow()).isFalse();
        clock.advance(1_000);                                          // everything up to START + 1052 has left
        assertThat(log.availablePermits()).isEqualTo(100);
        assertThat(log.allow(100)).isTrue();
        assertThat(log.allow()).isFalse();
    }

    /**
     * The reference-log comparison of {@link #matchesAReferenceLogStepByStep} for larger logs, with a ring larger than
     * the limit (100 in 128, 300 in 512) and equal to it (128): bursts at one reading and steps far shorter than the
     * window, so permits leave in the middle of the ring, and long jumps that empty it.
     */
    @ParameterizedTest
    @ValueSource(ints = {100, 128, 300})
    void largeLogsMatchAReferenceLogStepByStep(int limit) {
        for (long seed = 1; seed <= 4; seed++) {
            Random random = new Random(seed * 31 + limit);
            long window = 10_000;
            ManualClock manual = new ManualClock(random.nextLong() >> 2);
            LocalEngine local = LocalEngine.builder().ticker(manual).scheduler(manual).build();
            RateLimiter log = local.rateLimiter("log", SlidingLog.of(limit, Duration.ofNanos(window)));
            ReferenceLog reference = new ReferenceLog(limit, window);
            long lastRetry = 0;
            int granted = 0;
            for (int step = 0; step < 4_000; step++) {
                int how = random.nextInt(20);
                long advance = how == 0 ? lastRetry : how == 1 ? window + random.nextInt(3) : how < 8 ? 0
                        : random.nextInt((int) window / 40);
                long now = manual.advance(advance);
                long permits = how == 19 ? 1 + random.nextInt(limit) : 1 + random.nextInt(limit / 25);
                long expected = stepAgainstReference(log, reference, now, permits, how >= 12,
                        how == 11 ? 2 * (int) permits : -1, random, "seed " + seed + " step " + step);
                lastRetry = expected;
                granted += expected == 0 ? 1 : 0;
            }
            assertThat(granted).as("seed %d grants", seed).isBetween(400, 3_600);
        }
    }

    @Test
    void aGrantIsLoggedAtAReadingTakenAfterItSawTheLatestClaim() throws Exception {
        // Thread A reads the clock at 10 and stalls; meanwhile B is granted at 15. A's grant must be logged at 15
        // (a reading after B's claim), not at its stale 10: logged at 10 it would leave the window before B's and let
        // a request at 21 take 2 permits while B's is still in (11, 21].
        StallingTicker ticker = new StallingTicker(clock);
        LocalEngine stalling = LocalEngine.builder().ticker(ticker).scheduler(clock).build();
        RateLimiter log = stalling.rateLimiter("log", SlidingLog.of(2, Duration.ofNanos(10)));
        assertThat(log.allow()).isTrue();                                  // p0 at 0
        clock.advance(10);
        AtomicBoolean aGranted = new AtomicBoolean();
        Thread a = new Thread(() -> aGranted.set(log.allow()));
        ticker.stall(a);
        a.start();
        assertThat(ticker.reached.await(10, TimeUnit.SECONDS)).isTrue();  // A holds the reading 10
        clock.advance(5);
        assertThat(log.allow()).isTrue();                                  // B: p1 at 15
        ticker.release.countDown();
        a.join(10_000);
        assertThat(a.isAlive()).isFalse();
        assertThat(aGranted.get()).isTrue();                               // A: p0 at 0 has left by 10 and by 15
        clock.advance(6);                                                  // 21
        assertThat(log.allow(2)).isFalse();
        assertThat(log.tryAcquire(1).retryAfterNanos()).isEqualTo(4);      // both of 15 leave at 25
        clock.advance(4);
        assertThat(log.allow(2)).isTrue();
    }

    @Test
    void concurrentPhasesNeverOverAdmitAndNeverUnderAdmit() throws Exception {
        int threads = 8;
        int phases = 600;
        int limit = 40;
        long step = 1_000;
        int windowSteps = 7;
        ManualClock manual = new ManualClock(START);
        LocalEngine local = LocalEngine.builder().ticker(manual).scheduler(manual).build();
        RateLimiter log = local.rateLimiter("log", SlidingLog.of(limit, Duration.ofNanos(windowSteps * step)));
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        // Per thread: the grants as (time read right after the grant, permits); per phase, the lightest refusal.
        List<List<long[]>> grants = new ArrayList<>();
        int[][] lightestRefusal = new int[threads][phases];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<long[]> mine = new ArrayList<>();
            grants.add(mine);
            int[] refusals = lightestRefusal[t];
            Random random = new Random(100 + t);
            Thread worker = new Thread(() -> {
                try {
                    for (int phase = 0; phase < phases; phase++) {
                        start.await(10, TimeUnit.SECONDS);
                        refusals[phase] = Integer.MAX_VALUE;
                        // Demand varies: some phases ask for less than is free, most for more.
                        int attempts = random.nextInt(12);
                        for (int i = 0; i < attempts; i++) {
                            int permits = 1 + random.nextInt(3);
                            if (log.allow(permits)) {
                                mine.add(new long[] {manual.read(), permits});
                            } else {
                                refusals[phase] = Math.min(refusals[phase], permits);
                            }
                        }
                        end.await(10, TimeUnit.SECONDS);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (int phase = 0; phase < phases; phase++) {
            manual.advance(step);
            start.await(10, TimeUnit.SECONDS);
            end.await(10, TimeUnit.SECONDS);
        }
        for (Thread worker : workers) {
            worker.join(10_000);
            assertThat(worker.isAlive()).isFalse();
        }
        assertThat(failure.get()).isNull();

        // Phase p runs at START + (p + 1)·step; every grant must carry its phase's time.
        long[] perPhase = new long[phases];
        for (List<long[]> mine : grants) {
            for (long[] grant : mine) {
                long offset = grant[0] - START;
                assertThat(offset % step).isZero();
                perPhase[(int) (offset / step) - 1] += grant[1];
            }
        }
        long total = 0;
        for (int phase = 0; phase < phases; phase++) {
            long inWindow = 0;
            for (int q = Math.max(0, phase - windowSteps + 1); q <= phase; q++) {
                inWindow += perPhase[q];
            }
            // Never more than the limit in (t − W, t].
            assertThat(inWindow).as("window ending at phase %d", phase).isLessThanOrEqualTo(limit);
            // Every refusal was deserved: what was left after the phase could not fit the lightest refused request.
            int lightest = Integer.MAX_VALUE;
            for (int t = 0; t < threads; t++) {
                lightest = Math.min(lightest, lightestRefusal[t][phase]);
            }
            if (lightest != Integer.MAX_VALUE) {
                assertThat(limit - inWindow).as("left after phase %d", phase).isLessThan(lightest);
            }
            total += perPhase[phase];
        }
        assertThat(total).isGreaterThan((long) phases / windowSteps * limit / 2);
    }

    @Test
    void freeRunningClockNeverOverAdmits() throws Exception {
        int threads = 8;
        int limit = 25;
        long window = 2_000;
        long end = START + 100 * window; // workers call until the clock gets here, whatever the scheduling
        ManualClock manual = new ManualClock(START);
        LocalEngine local = LocalEngine.builder().ticker(manual).scheduler(manual).build();
        RateLimiter log = local.rateLimiter("log", SlidingLog.of(limit, Duration.ofNanos(window)));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean go = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        long[][][] grants = new long[threads][][];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Random random = new Random(7 + t);
            Thread worker = new Thread(() -> {
                try {
                    List<long[]> mine = new ArrayList<>();
                    while (!go.get()) {
                        Thread.onSpinWait();
                    }
                    long reading = manual.read();
                    int callsAtReading = 0;
                    while (reading < end) {
                        // Up to 64 calls per clock reading each, then make room for the clock to move.
                        if (callsAtReading == 64) {
                            Thread.yield();
                        } else {
                            int permits = 1 + random.nextInt(3);
                            long before = manual.read();
                            if (log.allow(permits)) {
                                mine.add(new long[] {before, manual.read(), permits});
                            }
                            callsAtReading++;
                            calls.incrementAndGet();
                        }
                        long now = manual.read();
                        if (now != reading) {
                            reading = now;
                            callsAtReading = 0;
                        }
                    }
                    grants[me] = mine.toArray(new long[0][]);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        go.set(true);
        long seen = 0;
        while (manual.read() < end && failure.get() == null) {
            // The clock moves only as the workers make calls, so they meet every part of it however scheduled.
            while (calls.get() < seen + 16 && failure.get() == null) {
                Thread.yield();
            }
            seen = calls.get();
            manual.advance(50); // small against the window: a grant's reading is known within a few steps
        }
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        assertThat(failure.get()).isNull();
        long[][] all = Arrays.stream(grants).flatMap(Arrays::stream).sorted((a, b) -> Long.compare(a[1], b[1]))
                .toArray(long[][]::new);
        assertThat(all.length).isGreaterThan(limit);
        // A grant's time lies in [before, after]; those surely inside (T − W, T] must not exceed the limit.
        for (int i = 0; i < all.length; i++) {
            long last = all[i][1];
            long sure = 0;
            for (int k = i; k >= 0 && all[k][1] > last - window; k--) {
                if (all[k][0] > last - window) {
                    sure += all[k][2];
                }
            }
            assertThat(sure).as("window ending at %d", last).isLessThanOrEqualTo(limit);
        }
    }

    /**
     * No false refusal under contention: a clock that moves one nanosecond at every reading and a window of one
     * nanosecond make every permit leave before the next decision, so every call fits and must be granted. Eight
     * threads on a machine of a few cores are preempted at every point of a decision, between a block's claim and its
     * filling too (the threads ask for 1 to 3 permits); a decision that needs a permit of such a block fills it itself
     * and goes on, never refusing because it is not filled yet. Limits whose ring of slots is exactly the limit (64)
     * and larger than it (48 and 25, in rings of 64 and 32).
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 48, 25})
    void everyCallThatFitsIsGrantedUnderContention(int limit) throws Exception {
        int threads = 8;
        long callsEach = 400_000;
        AtomicLong nanos = new AtomicLong(START);
        Ticker ticking = nanos::incrementAndGet;
        LocalEngine local = LocalEngine.builder().ticker(ticking).scheduler(clock).build();
        RateLimiter log = local.rateLimiter("log", SlidingLog.of(limit, Duration.ofNanos(1)));
        AtomicLong refused = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int permits = 1 + t % 3; // weighted requests too: 1 to 3 permits
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (long i = 0; i < callsEach; i++) {
                    if (!log.allow(permits)) {
                        refused.incrementAndGet();
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join(25_000);
        }
        assertThat(refused.get()).as("calls refused although they fit, of %d", threads * callsEach).isZero();
    }

    @Test
    void allowAllocatesNothing() {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean)) {
            return;
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(1_000, Duration.ofNanos(100_000)));
        int granted = 0;
        for (int i = 0; i < 200_000; i++) {
            clock.advance(1);
            granted += log.allow(1 + (i & 1)) ? 1 : 0;
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100_000; i++) {
            clock.advance(1);
            granted += log.allow(1 + (i & 1)) ? 1 : 0;
        }
        long after = threads.getThreadAllocatedBytes(id);
        assertThat(granted).isPositive();
        assertThat(after - before).isLessThan(1_000);
    }

    /** A ticker that, for one chosen thread, takes its first reading and then stalls until released. */
    private static final class StallingTicker implements Ticker {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final ManualClock clock;
        private volatile Thread stalled;

        StallingTicker(ManualClock clock) {
            this.clock = clock;
        }

        void stall(Thread thread) {
            stalled = thread;
        }

        @Override
        public long read() {
            long reading = clock.read();
            if (Thread.currentThread() == stalled) {
                stalled = null;
                reached.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return reading;
        }
    }
}
