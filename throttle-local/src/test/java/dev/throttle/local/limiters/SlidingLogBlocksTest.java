package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.SlidingLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sliding log's requests for several permits (blocks: claimed by one CAS, filled afterwards by the claimer or by
 * whoever meets them), with their claimer stalled between the claim and the filling, and the smallest rings.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SlidingLogBlocksTest {

    private static final long START = 1_000_000_000L;

    /**
     * A block's claimer stalls right after its claim. The next decision meets the block and fills it at its own
     * reading (later than the claimer's: the block counts from then, conservatively), then decides exactly as a log
     * with the block at that reading would; so does every decision after it, across more than four rounds of the
     * ring while the claimer still stands, and after it wakes (its hint, stored then, is stale by far).
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 8, 12})
    void aStalledBlockIsFilledByTheNextDecisionWhichThenDecidesExactly(int limit) throws Exception {
        Random random = new Random(limit);
        long window = 1_000;
        ManualClock clock = new ManualClock(START);
        Stall stall = new Stall();
        SlidingLogLimiter log = new SlidingLogLimiter("log", SlidingLog.of(limit, Duration.ofNanos(window)), clock,
                clock, stall);
        ReferenceLog reference = new ReferenceLog(limit, window);
        for (int step = 0; step < 300; step++) {
            randomStep(log, reference, clock, random, window, "before the stall, step " + step);
        }
        clock.advance(window); // an empty window: the stalled request fits
        long blockPermits = 2 + random.nextInt(limit - 1);
        AtomicBoolean granted = new AtomicBoolean();
        Thread claimer = stall.start(() -> granted.set(log.allow(blockPermits)));
        assertThat(stall.reached.await(10, TimeUnit.SECONDS)).isTrue();

        long helped = clock.advance(random.nextInt((int) window / 4));
        reference.log(helped, blockPermits); // the first decision to meet the block fills it at its reading
        long logged = stepAt(log, reference, helped, random, "the decision meeting the block");
        int ring = Integer.highestOneBit(2 * limit - 1);
        for (int step = 0; logged < 6L * ring || step < 300; step++) {
            logged += randomStep(log, reference, clock, random, window, "claimer stalled, step " + step);
        }
        stall.release.countDown();
        claimer.join(10_000);
        assertThat(claimer.isAlive()).isFalse();
        assertThat(granted.get()).as("the stalled request was granted").isTrue();
        for (int step = 0; step < 1_000; step++) {
            randomStep(log, reference, clock, random, window, "after the stall, step " + step);
        }
    }

    /**
     * One decision against the reference at a reading a random step on: by {@code tryAcquire} (grant, retry time and
     * remaining compared) or {@code allow}, and the permits available after it.
     *
     * @return the permits it was granted
     */
    private static long randomStep(SlidingLogLimiter log, ReferenceLog reference, ManualClock clock, Random random,
            long window, String at) {
        long now = clock.advance(random.nextInt(10) < 4 ? 0 : random.nextInt((int) window / 8));
        return stepAt(log, reference, now, random, at);
    }

    /** One decision against the reference at the clock's reading {@code now}, as {@link #randomStep} takes it. */
    private static long stepAt(SlidingLogLimiter log, ReferenceLog reference, long now, Random random, String at) {
        long permits = 1 + random.nextInt((int) log.limit());
        long expected = SlidingLogLimiterTest.stepAgainstReference(log, reference, now, permits, random.nextBoolean(),
                -1, random, at);
        return expected == 0 ? permits : 0;
    }

    /**
     * Settling up again and again at one reading logs, by the reference, far more than four rounds of the ring at that
     * reading; the log stops once the last {@code R} permits are at it (more would change nothing, and would bring a
     * slot's word back as it was four rounds before). Every decision and count after must match the reference's.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7})
    void settlingUpOverAndOverAtOneReadingMatchesTheReference(int limit) {
        Random random = new Random(100 + limit);
        long window = 500;
        ManualClock clock = new ManualClock(-START); // a negative origin too
        SlidingLogLimiter log = new SlidingLogLimiter("log", SlidingLog.of(limit, Duration.ofNanos(window)), clock,
                clock, null);
        ReferenceLog reference = new ReferenceLog(limit, window);
        for (int round = 0; round < 300; round++) {
            long now = clock.advance(random.nextInt(3) == 0 ? 0 : random.nextInt((int) window));
            String at = "round " + round;
            if (random.nextBoolean()) {
                for (int i = 0, settles = random.nextInt(10 * limit + 5); i < settles; i++) {
                    long delta = 1 + random.nextInt(2 * limit);
                    log.adjust(delta, now);
                    reference.settle(now, delta);
                    assertThat(log.availablePermits()).as(at).isEqualTo(reference.available(now));
                }
                log.adjust(-1 - random.nextInt(limit), now); // a no-op, as in the reference
            }
            for (int i = 0, decisions = random.nextInt(4); i < decisions; i++) {
                long permits = 1 + random.nextInt(limit);
                long expected = reference.decide(clock.read(), permits);
                Permit permit = log.tryAcquire(permits);
                assertThat(permit.granted()).as(at).isEqualTo(expected == 0);
                assertThat(permit.retryAfterNanos()).as(at).isEqualTo(expected);
                clock.advance(random.nextInt(4));
            }
        }
    }

    /**
     * Eight threads decide mixed requests of 1 to 3 permits (up to the limit) in phases at one clock reading each.
     * No window ever holds more than the limit, and every refusal was deserved (what was left after its phase could
     * not fit the lightest refused request). Rings of 1, 2 and 4 slots (limits 1, 2, 3) and larger ones; with
     * {@code stall}, one more request for a block stalls between its claim and its filling for 150 phases (far more
     * than four rounds of the ring) while the eight go on, meeting the block (they fill it in its own phase, for they
     * decide after it there) and passing it; it then wakes and stores a hint far behind.
     */
    @ParameterizedTest
    @CsvSource({"1, false", "2, false", "3, false", "4, false", "2, true", "3, true", "5, true", "40, true"})
    void eightThreadsInPhasesNeverOverAdmitNorUnderAdmit(int limit, boolean stall) throws Exception {
        int threads = 8;
        int phases = 400;
        long step = 1_000;
        int windowSteps = 7;
        int stallPhase = 100;
        int stallPhases = 150;
        int maxPermits = Math.min(3, limit);
        ManualClock clock = new ManualClock(START);
        Stall stalling = new Stall();
        SlidingLogLimiter log = new SlidingLogLimiter("log", SlidingLog.of(limit, Duration.ofNanos(windowSteps * step)),
                clock, clock, stall ? stalling : null);
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        long[][] granted = new long[threads + 1][phases]; // the last row: the stalled request
        int[][] lightestRefusal = new int[threads + 1][phases];
        for (int[] refusals : lightestRefusal) {
            java.util.Arrays.fill(refusals, Integer.MAX_VALUE);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] mine = granted[t];
            int[] refusals = lightestRefusal[t];
            Random random = new Random(200 + t);
            Thread worker = new Thread(() -> {
                try {
                    for (int phase = 0; phase < phases; phase++) {
                        start.await(20, TimeUnit.SECONDS);
                        // Quiet before the stalled request's phase, so that it fits; busy in it, so that it is met.
                        boolean quiet = stall && phase >= stallPhase - windowSteps && phase < stallPhase;
                        int attempts = quiet ? 0 : phase == stallPhase ? 1 + random.nextInt(12) : random.nextInt(12);
                        for (int i = 0; i < attempts; i++) {
                            int permits = 1 + random.nextInt(maxPermits);
                            if (log.allow(permits)) {
                                mine[phase] += permits;
                            } else {
                                refusals[phase] = Math.min(refusals[phase], permits);
                            }
                        }
                        end.await(20, TimeUnit.SECONDS);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "worker-" + t);
            worker.start();
            workers.add(worker);
        }
        Thread claimer = null;
        for (int phase = 0; phase < phases && failure.get() == null; phase++) {
            clock.advance(step);
            if (stall && phase == stallPhase) {
                int at = phase;
                claimer = stalling.start(() -> {
                    if (!log.allow(maxPermits)) {
                        lightestRefusal[threads][at] = maxPermits;
                        stalling.reached.countDown();
                    } else {
                        granted[threads][at] = maxPermits;
                    }
                });
                assertThat(stalling.reached.await(10, TimeUnit.SECONDS)).isTrue();
            }
            start.await(20, TimeUnit.SECONDS);
            end.await(20, TimeUnit.SECONDS);
            if (claimer != null && phase == stallPhase + stallPhases) {
                stalling.release.countDown();
                claimer.join(10_000);
                assertThat(claimer.isAlive()).isFalse();
            }
        }
        for (Thread worker : workers) {
            worker.join(10_000);
            assertThat(worker.isAlive()).isFalse();
        }
        assertThat(failure.get()).isNull();
        if (stall) {
            assertThat(granted[threads][stallPhase]).as("the stalled request").isEqualTo(maxPermits);
        }

        long total = 0;
        for (int phase = 0; phase < phases; phase++) {
            long inWindow = 0;
            for (int q = Math.max(0, phase - windowSteps + 1); q <= phase; q++) {
                for (long[] row : granted) {
                    inWindow += row[q];
                }
            }
            assertThat(inWindow).as("window ending at phase %d", phase).isLessThanOrEqualTo(limit);
            int lightest = Integer.MAX_VALUE;
            for (int[] row : lightestRefusal) {
                lightest = Math.min(lightest, row[phase]);
            }
            if (lightest != Integer.MAX_VALUE) {
                assertThat(limit - inWindow).as("left after phase %d", phase).isLessThan(lightest);
            }
            for (long[] row : granted) {
                total += row[phase];
            }
        }
        assertThat(total).isGreaterThan((long) phases / windowSteps * limit / 2);
    }

    /**
     * The hook a limiter runs after claiming a block: stalls the thread started by {@link #start} at its first block
     * claim until {@link #release} opens.
     */
    private static final class Stall implements Runnable {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile Thread stalled;

        Thread start(Runnable task) {
            Thread thread = new Thread(task, "stalled-claimer");
            stalled = thread;
            thread.start();
            return thread;
        }

        @Override
        public void run() {
            if (Thread.currentThread() == stalled) {
                stalled = null;
                reached.countDown();
                try {
                    assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
