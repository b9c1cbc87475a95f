package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/** The keyed buckets' own map: forgetting races with decisions, growth races with lookups, memory stays bounded. */
class KeyedBucketLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long HOUR = 3_600 * SECOND;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    @SuppressWarnings("unchecked")
    private <K> KeyedBucketLimiter<K> keyed(dev.throttle.LimitSpec spec) {
        KeyedLimiter<K> keyed = engine.keyed("api", spec);
        assertThat(keyed).isInstanceOf(KeyedBucketLimiter.class);
        return (KeyedBucketLimiter<K>) keyed;
    }

    @Test
    void bothBucketsAreKeptInline() {
        assertThat(keyed(TokenBucket.of(2, Rate.perSecond(1)))).isNotNull();
        assertThat(keyed(LeakyBucket.meter(2, Rate.perSecond(1)))).isNotNull();
        assertThat(keyed(LeakyBucket.shaping(Rate.perSecond(1), Duration.ofSeconds(1)))).isNotNull();
    }

    /**
     * Phases of many threads draining a few keys while a sweeper forgets them: at each phase's start every key is at
     * rest and removable, so decisions race with removals. Every phase grants exactly the capacity of every key, no
     * more (a grant recorded in a forgotten entry would add to the new entry's) and no less.
     */
    @Test
    void forgettingRacesWithDecisionsYetEachPhaseGrantsExactlyTheCapacity() throws Exception {
        long capacity = 5;
        KeyedBucketLimiter<String> keyed = keyed(TokenBucket.of(capacity, Rate.of(1, Duration.ofHours(1)))); // rests in 5 h
        int keys = 32;
        int threads = 8;
        int phases = 1_000;
        String[] names = new String[keys];
        for (int k = 0; k < keys; k++) {
            names[k] = "key-" + k;
        }
        AtomicLongArray grants = new AtomicLongArray(phases * keys);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        // Between phases every key comes back to rest and past the keep time: removable at once.
        CyclicBarrier barrier = new CyclicBarrier(threads, () -> clock.advance(6 * HOUR + 3 * SECOND));
        AtomicBoolean stop = new AtomicBoolean();
        Thread sweeper = new Thread(() -> {
            while (!stop.get()) {
                keyed.cleanUp();
            }
        }, "sweeper");
        sweeper.setDaemon(true);
        sweeper.start();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread worker = new Thread(() -> {
                try {
                    Random random = new Random(seed);
                    List<Integer> order = new ArrayList<>();
                    for (int k = 0; k < keys; k++) {
                        order.add(k);
                    }
                    for (int phase = 0; phase < phases; phase++) {
                        Collections.shuffle(order, random);
                        for (int round = 0; round < capacity; round++) {
                            for (int k : order) {
                                boolean granted = random.nextBoolean()
                                        ? keyed.allow(names[k], 1)
                                        : keyed.tryAcquire(names[k], 1).granted();
                                if (granted) {
                                    grants.incrementAndGet(phase * keys + k);
                                }
                            }
                            // A fresh key per round: insertions sweep too, and grow the segments.
                            keyed.allow("fresh-" + seed + "-" + phase + "-" + round, 1);
                        }
                        barrier.await(20, TimeUnit.SECONDS);
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                    barrier.reset();
                }
            }, "hammer-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(worker.isAlive()).isFalse();
        }
        stop.set(true);
        sweeper.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(failures).isEmpty();
        for (int phase = 0; phase < phases; phase++) {
            for (int k = 0; k < keys; k++) {
                assertThat(grants.get(phase * keys + k)).as("phase %d key %d", phase, k).isEqualTo(capacity);
            }
        }
        assertThat(keyed.estimatedSize()).isZero(); // the last phase's keys too, forgotten after the last advance
    }

    /**
     * Threads create the same keys at once while segments grow under them: each key is created once (one permit of
     * each granted in all, exactly) and held once.
     */
    @Test
    void keysCreatedConcurrentlyWhileTablesGrowAreCreatedOnce() throws Exception {
        KeyedBucketLimiter<Integer> keyed = keyed(TokenBucket.of(1, Rate.of(1, Duration.ofHours(1))));
        int keys = 200_000;
        int threads = 8;
        AtomicLongArray granted = new AtomicLongArray(threads);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await(20, TimeUnit.SECONDS);
                    long count = 0;
                    for (int i = 0; i < keys; i++) {
                        int key = id % 2 == 0 ? i : keys - 1 - i;
                        if (keyed.allow(key, 1)) {
                            count++;
                        }
                    }
                    granted.set(id, count);
                } catch (Throwable failure) {
                    failures.add(failure);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertThat(failures).isEmpty();
        long total = 0;
        for (int t = 0; t < threads; t++) {
            total += granted.get(t);
        }
        assertThat(total).isEqualTo(keys);
        assertThat(keyed.estimatedSize()).isEqualTo(keys);
        assertThat(keyed.linkedEntries()).isEqualTo(keys);
    }

    /** New keys alone keep the map bounded: each insertion sweeps, and a segment sweeps all of itself before growing. */
    @Test
    void insertionsAloneKeepMemoryBounded() {
        KeyedBucketLimiter<Integer> keyed = keyed(TokenBucket.of(10, Rate.perSecond(10)));
        long maxLinked = 0;
        for (int i = 0; i < 1_000_000; i++) {
            keyed.allow(i, 1);
            if (i % 1_000 == 999) {
                clock.advance(100_000_000L); // 10,000 new keys per second, never a cleanUp()
                maxLinked = Math.max(maxLinked, keyed.linkedEntries());
            }
        }
        // About 21,000 keys are within rest + keep time at any moment; the sweeps lag a little behind.
        assertThat(maxLinked).isBetween(20_000L, 80_000L);
        assertThat(keyed.tableSlots()).isLessThanOrEqualTo(256 * 1024L);
    }

    /** A give-back to a forgotten key is dropped: it must not refill the key's new bucket. */
    @Test
    void aGiveBackAfterTheKeyWasForgottenGrantsNothing() {
        KeyedBucketLimiter<String> keyed = keyed(TokenBucket.of(10, Rate.perSecond(10)));
        Permit old = keyed.tryAcquire("k", 10);
        assertThat(old.granted()).isTrue();
        clock.advance(10 * SECOND);
        assertThat(keyed.estimatedSize()).isZero();
        assertThat(keyed.allow("k", 10)).isTrue();
        old.settle(0); // would give 10 back
        assertThat(keyed.allow("k", 1)).isFalse();
        assertThat(keyed.availablePermits("k")).isZero();
    }

    /** A debt settled after the key was forgotten is charged to the key's new bucket, not lost with the old one. */
    @Test
    void aDebtAfterTheKeyWasForgottenIsChargedToTheKey() {
        KeyedBucketLimiter<String> keyed = keyed(TokenBucket.of(10, Rate.perSecond(10)));
        Permit estimate = keyed.tryAcquire("k", 10);
        clock.advance(10 * SECOND);
        assertThat(keyed.estimatedSize()).isZero();
        estimate.settle(100); // 90 permits of debt: nine seconds
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        clock.advance(8 * SECOND);
        assertThat(keyed.allow("k", 1)).isFalse();
        clock.advance(SECOND + 100_000_000L);
        assertThat(keyed.allow("k", 1)).isTrue();
    }

    @Test
    void aKeyIsKeptUntilItsBucketIsBackAtRestAndTheKeepTimeHasPassed() {
        KeyedBucketLimiter<String> keyed = keyed(TokenBucket.of(4, Rate.perSecond(2)));
        assertThat(keyed.allow("k", 4)).isTrue(); // at rest two seconds from now
        clock.advance(2 * SECOND + KeyedBucketLimiter.KEEP_NANOS);
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        clock.advance(1);
        assertThat(keyed.estimatedSize()).isZero();
    }
}
