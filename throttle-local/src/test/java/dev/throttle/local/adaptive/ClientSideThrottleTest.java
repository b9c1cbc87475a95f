package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ClientSideThrottling;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.testing.Draws;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ClientSideThrottleTest {

    private static final long SECOND = 1_000_000_000L;
    /** A draw of 0 refuses whenever p > 0; a draw just below 1 grants whenever p < 1 (always). */
    private static final long LOWEST = 0L;
    private static final long HIGHEST = (1L << 53) - 1;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);

    private ClientSideThrottle throttle(RandomGenerator random) {
        return ClientSideThrottle.builder("backend").ticker(clock).scheduler(clock).random(random)
                .window(Duration.ofSeconds(10), 10).build();
    }

    /** Draws the given values in turn, then fails: a test knows exactly how many draws it causes. */
    private static RandomGenerator scripted(long... draws) {
        Deque<Long> queue = new ArrayDeque<>();
        for (long draw : draws) {
            queue.add(draw);
        }
        return Draws.of(bound -> {
            assertThat(bound).isEqualTo(1L << 53);
            Long next = queue.poll();
            assertThat(next).as("an unexpected draw").isNotNull();
            return next;
        });
    }

    private static RandomGenerator noDraws() {
        return scripted();
    }

    @Test
    void theProbabilityFollowsTheBookFormulaExactly() {
        ClientSideThrottle throttle = throttle(noDraws());
        assertThat(throttle.rejectionProbability()).isZero();
        for (int i = 0; i < 30; i++) {
            throttle.record(true);
        }
        for (int i = 0; i < 70; i++) {
            throttle.record(false);
        }
        assertThat(throttle.requests()).isEqualTo(100);
        assertThat(throttle.accepts()).isEqualTo(30);
        assertThat(throttle.rejectionProbability()).isEqualTo((100 - 2.0 * 30) / 101);
        assertThat(throttle.availablePermits()).isZero();
    }

    @Test
    void permitsCountWhenTheyEndAsTheBackendAnswered() {
        ClientSideThrottle throttle = throttle(noDraws());
        // While p is 0 no draw is made at all: the scripted source would fail.
        Permit[] permits = new Permit[100];
        for (int i = 0; i < 100; i++) {
            permits[i] = throttle.tryAcquire(1);
            assertThat(permits[i].granted()).isTrue();
        }
        // In flight: nothing counted yet, so concurrency alone never looks like overload.
        assertThat(throttle.requests()).isZero();
        for (int i = 0; i < 100; i++) {
            if (i < 60) {
                permits[i].close();
            } else {
                permits[i].dropped();
            }
            permits[i].close(); // ending twice counts once
        }
        assertThat(throttle.requests()).isEqualTo(100);
        assertThat(throttle.accepts()).isEqualTo(60);
        assertThat(throttle.rejectionProbability()).isZero();
        assertThat(throttle.availablePermits()).isEqualTo(20);
        Permit next = throttle.tryAcquire(1);
        assertThat(next.remaining()).isEqualTo(20);
        assertThat(next.limit()).isEqualTo(120);
        next.close();
    }

    @Test
    void aLocalRefusalCountsAsARequestAndRetriesAtTheNextBucket() {
        ClientSideThrottle throttle = throttle(scripted(LOWEST, HIGHEST));
        for (int i = 0; i < 10; i++) {
            throttle.record(i < 3);
        }
        double before = (10 - 2.0 * 3) / 11;
        assertThat(throttle.rejectionProbability()).isEqualTo(before);
        clock.advance(250_000_000L);
        Permit refused = throttle.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("backend");
        // Buckets of one second: the window next changes by itself in 750 ms.
        assertThat(refused.retryAfterNanos()).isEqualTo(750_000_000L);
        assertThat(throttle.requests()).isEqualTo(11);
        assertThat(throttle.accepts()).isEqualTo(3);
        assertThat(throttle.rejectionProbability()).isEqualTo((11 - 2.0 * 3) / 12);
        refused.close();
        refused.settle(5); // a refusal ignores settling and ending
        assertThat(throttle.requests()).isEqualTo(11);
        assertThat(throttle.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void allowAndRecordWorkWithoutPermits() {
        ClientSideThrottle throttle = throttle(scripted(LOWEST, HIGHEST));
        throttle.record(false);
        assertThat(throttle.rejectionProbability()).isEqualTo(0.5);
        assertThat(throttle.allow()).isFalse();
        assertThat(throttle.requests()).isEqualTo(2);
        assertThat(throttle.allow()).isTrue();
        assertThat(throttle.requests()).as("a grant is counted by record, not by allow").isEqualTo(2);
        throttle.record(true);
        assertThat(throttle.requests()).isEqualTo(3);
        assertThat(throttle.accepts()).isEqualTo(1);
    }

    @Test
    void settleChangesWhatAGrantCountsOnceAndNotAfterItEnded() {
        ClientSideThrottle throttle = throttle(Draws.of(bound -> HIGHEST));
        Permit batch = throttle.tryAcquire(10);
        batch.settle(4);
        assertThatThrownBy(() -> batch.settle(3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already settled");
        assertThatThrownBy(() -> throttle.tryAcquire(1).settle(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("actualPermits = -1");
        batch.close();
        assertThat(throttle.requests()).isEqualTo(4);
        assertThat(throttle.accepts()).isEqualTo(4);
        Permit late = throttle.tryAcquire(10);
        late.dropped();
        late.settle(1);
        assertThat(throttle.requests()).isEqualTo(14);
        assertThat(throttle.accepts()).isEqualTo(4);
        Permit none = throttle.tryAcquire(3);
        none.settle(0);
        none.close();
        assertThat(throttle.requests()).isEqualTo(14);
    }

    /**
     * 10,000 independent decisions at p = 40/101, from a seeded source: the count of refusals is exactly the count
     * of draws below p (replayed from the same seed), and lies within four standard deviations of the binomial mean
     * n·p = 3960.4 (σ = √(n·p·(1−p)) = 48.9, so [3765, 4156]).
     */
    @Test
    void seededDrawsRefuseTheExactBinomialCount() {
        long seed = 20261127L;
        RandomGenerator shared = new Random(seed);
        int trials = 10_000;
        double p = (100 - 2.0 * 30) / 101;
        int refusals = 0;
        for (int trial = 0; trial < trials; trial++) {
            ClientSideThrottle throttle = throttle(shared);
            for (int i = 0; i < 100; i++) {
                throttle.record(i < 30);
            }
            if (!throttle.tryAcquire(1).granted()) {
                refusals++;
            }
        }
        Random replay = new Random(seed);
        int expected = 0;
        for (int trial = 0; trial < trials; trial++) {
            if (replay.nextLong(1L << 53) * 0x1.0p-53 < p) {
                expected++;
            }
        }
        assertThat(refusals).isEqualTo(expected);
        double mean = trials * p;
        double sigma = Math.sqrt(trials * p * (1 - p));
        assertThat((double) refusals).isBetween(mean - 4 * sigma, mean + 4 * sigma);
        assertThat(refusals).isBetween(3765, 4156);
    }

    @Test
    void theWindowForgetsBucketByBucket() {
        ClientSideThrottle throttle = throttle(noDraws());
        for (int i = 0; i < 10; i++) {
            throttle.record(false);
        }
        clock.advance(5 * SECOND);
        for (int i = 0; i < 4; i++) {
            throttle.record(false);
        }
        assertThat(throttle.requests()).isEqualTo(14);
        // Ten buckets of one second: the first ten leave at the start of the tenth second after them, not before.
        clock.advance(5 * SECOND - 1);
        assertThat(throttle.requests()).isEqualTo(14);
        clock.advance(1);
        assertThat(throttle.requests()).isEqualTo(4);
        assertThat(throttle.rejectionProbability()).isEqualTo(4.0 / 5);
        clock.advance(5 * SECOND);
        assertThat(throttle.requests()).isZero();
        assertThat(throttle.rejectionProbability()).isZero();
        assertThat(throttle.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void aWaitingAcquisitionDrawsAgainAtEachBucketAndCountsOnce() {
        ClientSideThrottle throttle = throttle(scripted(LOWEST, LOWEST, HIGHEST, LOWEST, LOWEST));
        throttle.record(false); // p = 1/2
        CompletableFuture<Permit> waiting = throttle.acquireAsync(1, Duration.ofSeconds(3));
        assertThat(waiting).isNotDone();
        assertThat(throttle.requests()).isEqualTo(1);
        clock.advance(SECOND); // second draw: refused again
        assertThat(waiting).isNotDone();
        clock.advance(SECOND); // third draw: granted
        assertThat(waiting).isDone();
        Permit granted = waiting.join();
        assertThat(granted.granted()).isTrue();
        assertThat(throttle.requests()).as("refused draws of a wait that succeeded count nothing").isEqualTo(1);
        granted.dropped();
        assertThat(throttle.requests()).isEqualTo(2);
        assertThat(throttle.accepts()).isZero();
        // A wait of 1.5 s draws at 0 and at the next boundary, then gives up and counts one request.
        CompletableFuture<Permit> givingUp = throttle.acquireAsync(1, Duration.ofMillis(1500));
        clock.advance(2 * SECOND);
        assertThat(givingUp).isDone();
        assertThat(givingUp.join().granted()).isFalse();
        assertThat(throttle.requests()).isEqualTo(3);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void cancellingAWaitCancelsItsDrawAndCountsNothing() {
        ClientSideThrottle throttle = throttle(scripted(LOWEST));
        throttle.record(false);
        CompletableFuture<Permit> waiting = throttle.acquireAsync(1, Duration.ofSeconds(3));
        assertThat(clock.pendingTasks()).isEqualTo(1);
        waiting.cancel(false);
        assertThat(clock.pendingTasks()).isZero();
        assertThat(throttle.requests()).isEqualTo(1);
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsCounted() {
        assertThatThrownBy(() -> ClientSideThrottle.builder("x").k(0.99))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("k = 0.99 is out of range; allowed range is [1.0, 1000.0]");
        assertThatThrownBy(() -> ClientSideThrottle.builder("x").k(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k = NaN");
        assertThatThrownBy(() -> ClientSideThrottle.builder("x").k(1000.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k = 1000.5");
        assertThat(ClientSideThrottle.builder("x").k(1.0).build().spec().k()).isEqualTo(1.0);
        assertThatThrownBy(() -> ClientSideThrottle.builder("x").window(Duration.ofNanos(9), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window = PT0.000000009S");
        assertThatThrownBy(() -> ClientSideThrottle.builder("x").window(Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("buckets = 0");
        assertThatThrownBy(() -> ClientSideThrottle.builder("")).isInstanceOf(IllegalArgumentException.class);
        ClientSideThrottle throttle = throttle(noDraws());
        assertThatThrownBy(() -> throttle.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits = 0");
        assertThatThrownBy(() -> throttle.acquire(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThat(throttle.requests()).isZero();
        assertThat(ClientSideThrottling.defaults()).isEqualTo(new ClientSideThrottling(2.0, Duration.ofMinutes(2), 24));
        assertThat(ClientSideThrottling.defaults().restNanos()).isEqualTo(120 * SECOND);
    }

    @Test
    void composesWithOtherLimitersAsALimiter() {
        Limiter limiter = throttle(noDraws());
        assertThat(limiter.spec().capacity()).isEqualTo(Integer.MAX_VALUE);
        try (Permit permit = limiter.acquire(1, Duration.ofSeconds(1))) {
            assertThat(permit.granted()).isTrue();
        }
        assertThat(((ClientSideThrottle) limiter).accepts()).isEqualTo(1);
    }

    /**
     * Eight threads in phases one bucket apart, against a backend accepting 4,000 calls per phase of the 16,000
     * attempted: every attempt is counted
     * exactly once (a refusal, a close or a drop), including when the threads race to rotate a bucket; after each
     * phase the window holds exactly the last ten phases.
     */
    @Test
    void eightThreadsCountEveryRequestAndAcceptExactly() throws Exception {
        int threads = 8;
        int phases = 25;
        int attempts = 2_000;
        ClientSideThrottle throttle = ClientSideThrottle.builder("hammer").ticker(clock).scheduler(clock)
                .random(new Random(7)).window(Duration.ofSeconds(10), 10).build();
        AtomicLongArray requests = new AtomicLongArray(phases);
        AtomicLongArray accepts = new AtomicLongArray(phases);
        AtomicLongArray refusals = new AtomicLongArray(phases);
        AtomicLongArray backend = new AtomicLongArray(phases);
        long capacity = 4_000;
        AtomicLong phase = new AtomicLong();
        Queue<String> mismatches = new ConcurrentLinkedQueue<>();
        CyclicBarrier barrier = new CyclicBarrier(threads, () -> {
            int done = (int) phase.get();
            long wantRequests = 0;
            long wantAccepts = 0;
            for (int j = Math.max(0, done - 9); j <= done; j++) {
                wantRequests += requests.get(j);
                wantAccepts += accepts.get(j);
            }
            if (throttle.requests() != wantRequests || throttle.accepts() != wantAccepts) {
                mismatches.add("phase " + done + ": " + throttle.requests() + "/" + throttle.accepts() + " want "
                        + wantRequests + "/" + wantAccepts);
            }
            phase.incrementAndGet();
            clock.advance(SECOND);
        });
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                try {
                    for (int p = 0; p < phases; p++) {
                        long sent = 0;
                        long accepted = 0;
                        long refused = 0;
                        for (int i = 0; i < attempts; i++) {
                            Permit permit = throttle.tryAcquire(1);
                            if (!permit.granted()) {
                                refused++;
                            } else if (backend.getAndIncrement(p) < capacity) {
                                permit.close();
                                accepted++;
                            } else {
                                permit.dropped();
                            }
                            sent++;
                        }
                        requests.addAndGet(p, sent);
                        accepts.addAndGet(p, accepted);
                        refusals.addAndGet(p, refused);
                        barrier.await(20, TimeUnit.SECONDS);
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                    barrier.reset();
                }
            }, "sre-hammer-" + t);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(40));
            assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
        }
        assertThat(failures).isEmpty();
        assertThat(mismatches).isEmpty();
        assertThat(phase.get()).isEqualTo(phases);
        // Demand D = 16,000 per phase against a capacity C = 4,000 with k = 2: the throttle settles where
        // p = (D − k·C) / D = 1/2, sending about k·C = 8,000 per phase.
        long lastRefusals = refusals.get(phases - 1);
        assertThat(lastRefusals).isBetween(6_000L, 10_000L);
        List<Long> counts = List.of(requests.get(0), requests.get(phases - 1));
        assertThat(counts).containsOnly((long) threads * attempts);
    }
}
