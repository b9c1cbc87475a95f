package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.ForwardingLimiter;
import dev.throttle.local.LocalEngine;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LocalKeyedLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    /** How long after its last use a rate key is kept: its rest time plus the read slack. */
    private static final long SLACK = KeyExpiry.READ_SLACK_NANOS;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private LocalKeyed<Object> keyed(LimitSpec spec) {
        return (LocalKeyed<Object>) engine.<Object>keyed("api", spec);
    }

    private LocalKeyedLimiter<Object> concurrencyKeyed(long limit, Duration grace) {
        return (LocalKeyedLimiter<Object>) engine.<Object>keyed("pool", Concurrency.of(limit, 16),
                LocalEngine.KeyedOptions.defaults().withIdleGrace(grace));
    }

    @Test
    void keysAreIndependent() {
        KeyedLimiter<String> keyed = engine.keyed("api", TokenBucket.of(2, Rate.perSecond(1)));
        assertThat(keyed.allow("alice", 1)).isTrue();
        assertThat(keyed.allow("alice", 1)).isTrue();
        Permit refused = keyed.tryAcquire("alice", 1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(SECOND);
        assertThat(refused.limiterName()).isEqualTo("api");
        assertThat(keyed.tryAcquire("bob", 2).granted()).isTrue();
        assertThat(keyed.allow("carol", 1)).isTrue();
        assertThat(keyed.estimatedSize()).isEqualTo(3);
        assertThat(keyed.forKey("bob").availablePermits()).isZero();
        assertThat(keyed.forKey("dave").availablePermits()).isEqualTo(2);
        assertThat(keyed.forKey("alice")).isInstanceOf(RateLimiter.class);
        assertThat(((RateLimiter) keyed.forKey("carol")).allow()).isTrue();
        assertThat(((RateLimiter) keyed.forKey("carol")).allow()).isFalse();
    }

    @Test
    void badInputIsRefusedBeforeAnyKeyIsCreated() {
        KeyedLimiter<String> keyed = engine.keyed("api", TokenBucket.of(2, Rate.perSecond(1)));
        assertThatThrownBy(() -> keyed.allow(null, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.tryAcquire(null, 1)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.acquire(null, 1, Duration.ZERO)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.acquireAsync(null, 1, Duration.ZERO)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.forKey(null)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.allow("a", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> keyed.tryAcquire("a", 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keyed.acquire("a", 1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThat(keyed.estimatedSize()).isZero();
        assertThatThrownBy(() -> engine.keyed("", TokenBucket.of(2, Rate.perSecond(1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> engine.keyed("api", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LocalEngine.KeyedOptions(-1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LocalEngine.KeyedOptions.defaults().withIdleGrace(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMillionKeysStreamedThroughTimeKeepMemoryBounded() {
        TokenBucket spec = TokenBucket.of(10, Rate.perSecond(10)); // rests in one second
        LocalKeyed<Object> keyed = keyed(spec);
        long maxSize = 0;
        for (int i = 0; i < 1_000_000; i++) {
            assertThat(keyed.allow(i, 1)).isTrue();
            if (i % 1_000 == 999) {
                clock.advance(100_000_000L); // 10,000 new keys per second
                maxSize = Math.max(maxSize, keyed.estimatedSize());
            }
        }
        // A bucket key used once is at rest 0.1 s later and kept two seconds more (KeyedBucketLimiter.KEEP_NANOS):
        // about 21,000 keys at 10,000 new keys per second, tens of thousands at most.
        assertThat(maxSize).isBetween(20_000L, 80_000L);
        clock.advance(spec.restNanos() + SLACK + 2 * SECOND);
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isZero();
    }

    @Test
    void evictionNeverGrantsExtraPermits() {
        TokenBucket spec = TokenBucket.of(3, Rate.perSecond(1)); // rests in three seconds
        LocalKeyed<Object> keyed = keyed(spec);
        RateLimiter reference = engine.rateLimiter("reference", spec);
        for (int i = 0; i < 3; i++) {
            assertThat(keyed.allow("k", 1)).isTrue();
            assertThat(reference.allow(1)).isTrue();
        }
        assertThat(keyed.allow("k", 1)).isFalse();
        clock.advance(spec.restNanos() - 1);
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        assertThat(keyed.tryAcquire("k", 3).granted()).isFalse();
        assertThat(reference.tryAcquire(3).granted()).isFalse();
        // Now untouched for rest + slack: at rest, forgotten, and a fresh limiter decides as the old one would have.
        clock.advance(spec.restNanos() + SLACK);
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isZero();
        Permit fresh = keyed.tryAcquire("k", 3);
        Permit old = reference.tryAcquire(3);
        assertThat(fresh.granted()).isEqualTo(old.granted()).isTrue();
        assertThat(fresh.remaining()).isEqualTo(old.remaining());
        assertThat(keyed.tryAcquire("k", 1).retryAfterNanos()).isEqualTo(reference.tryAcquire(1).retryAfterNanos());
    }

    static List<LimitSpec> timelineSpecs() {
        return List.of(
                TokenBucket.of(4, Rate.perSecond(2)), // rest 2 s: Caffeine's one-second read tolerance matters
                TokenBucket.of(5, Rate.of(1, Duration.ofMillis(100))), // rest 0.5 s
                LeakyBucket.meter(3, Rate.perSecond(1)),
                LeakyBucket.shaping(Rate.perSecond(2), Duration.ofSeconds(2)));
    }

    /** Keys forgotten and rebuilt along the way decide exactly as limiters never forgotten, debts included. */
    @ParameterizedTest
    @MethodSource("timelineSpecs")
    void forgottenKeysDecideAsNeverForgottenOnes(LimitSpec spec) {
        LocalKeyed<Object> keyed = keyed(spec);
        Map<Integer, RateLimiter> reference = new HashMap<>();
        Random random = new Random(42);
        long[] gaps = {0, 10_000_000L, 300_000_000L, 900_000_000L, 1_500_000_000L, 4 * SECOND, 10 * SECOND};
        int evictions = 0;
        long previousSize = 0;
        for (int step = 0; step < 20_000; step++) {
            clock.advance(gaps[random.nextInt(gaps.length)] + random.nextInt(1000));
            keyed.cleanUp();
            if (keyed.estimatedSize() < previousSize) {
                evictions++;
            }
            int key = random.nextInt(5);
            RateLimiter expected = reference.computeIfAbsent(key, k -> engine.rateLimiter("ref" + k, spec));
            long permits = 1 + random.nextInt((int) spec.capacity());
            if (random.nextInt(10) < 3) {
                assertThat(keyed.allow(key, permits)).as("step %d", step).isEqualTo(expected.allow(permits));
            } else {
                Permit got = keyed.tryAcquire(key, permits);
                Permit want = expected.tryAcquire(permits);
                assertThat(got.granted()).as("step %d", step).isEqualTo(want.granted());
                assertThat(got.retryAfterNanos()).as("step %d", step).isEqualTo(want.retryAfterNanos());
                assertThat(got.remaining()).as("step %d", step).isEqualTo(want.remaining());
                if (got.granted() && random.nextInt(4) == 0) {
                    // Estimate first, settle at once: give some back, or run into debt.
                    long actual = new long[] {0, permits / 2, permits + 3, 20}[random.nextInt(4)];
                    got.settle(actual);
                    want.settle(actual);
                }
            }
            previousSize = keyed.estimatedSize();
        }
        assertThat(evictions).as("keys were forgotten along the way").isGreaterThan(100);
    }

    @Test
    void aDebtKeepsTheKeyUntilItIsPaid() {
        TokenBucket spec = TokenBucket.of(10, Rate.perSecond(10)); // rests in one second
        LocalKeyed<Object> keyed = keyed(spec);
        Permit estimate = keyed.tryAcquire("llm", 10);
        estimate.settle(100); // 90 permits of debt: nine seconds
        clock.advance(8 * SECOND);
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        assertThat(keyed.allow("llm", 1)).isFalse();
        clock.advance(SECOND + 100_000_000L);
        assertThat(keyed.allow("llm", 1)).isTrue();
    }

    /** A request that fetched a key's limiter just before it was forgotten is asked again of the new limiter. */
    @Test
    void aGrantOnAReplacedLimiterIsGivenBackAndAskedAgain() {
        TokenBucket spec = TokenBucket.of(1, Rate.perSecond(1));
        AtomicReferenceHolder<LocalKeyedLimiter<Object>> self = new AtomicReferenceHolder<>();
        List<RateLimiter> created = new ArrayList<>();
        AtomicBoolean stall = new AtomicBoolean();
        Runnable meanwhile = () -> {
            // Request A is stalled between fetching L1 and asking it: L1 expires, B builds L2 and takes its permit.
            clock.advance(spec.restNanos() + SLACK + 1);
            assertThat(self.value.allow("k", 1)).isTrue();
        };
        BiFunction<String, LimitSpec, Limiter> limiters = (name, s) -> {
            RateLimiter real = engine.rateLimiter(name, s);
            created.add(real);
            return new StallingLimiter(real, stall, meanwhile);
        };
        LocalKeyedLimiter<Object> keyed = new LocalKeyedLimiter<>("api", spec,
                new LocalKeyedLimiter.KeyState(spec.restNanos(), false), LocalEngine.KeyedOptions.defaults(), clock,
                () -> limiters.apply("api", spec));
        self.value = keyed;
        assertThat(keyed.allow("k", 1)).isTrue();
        clock.advance(spec.restNanos() + SLACK - 1); // L1 at rest, about to expire

        stall.set(true);
        Permit a = keyed.tryAcquire("k", 1);
        assertThat(a.granted()).as("L2's only permit went to B").isFalse();
        RateLimiter l1 = created.get(1);
        assertThat(l1.availablePermits()).as("A's grant on L1 was given back").isEqualTo(1);
        assertThat(keyed.estimatedSize()).isEqualTo(1);

        stall.set(true);
        clock.advance(spec.restNanos() + SLACK - 1);
        assertThat(keyed.allow("k", 1)).as("the same race through allow").isFalse();
    }

    @Test
    void waitingRequestsCompleteAtTheirSlotAndCancellingGivesBack() {
        TokenBucket spec = TokenBucket.of(1, Rate.perSecond(1));
        LocalKeyed<Object> keyed = keyed(spec);
        assertThat(keyed.allow("k", 1)).isTrue();
        CompletableFuture<Permit> first = keyed.acquireAsync("k", 1, Duration.ofSeconds(30));
        CompletableFuture<Permit> second = keyed.acquireAsync("k", 1, Duration.ofSeconds(30));
        CompletableFuture<Permit> cancelled = keyed.acquireAsync("k", 1, Duration.ofSeconds(30));
        CompletableFuture<Permit> tooLong = keyed.acquireAsync("k", 1, Duration.ofMillis(500));
        assertThat(tooLong).isCompleted();
        assertThat(tooLong.join().granted()).isFalse();
        cancelled.cancel(false);
        clock.advance(SECOND - 1);
        keyed.cleanUp();
        assertThat(first).isNotDone();
        clock.advance(1);
        assertThat(first.join().granted()).isTrue();
        assertThat(second).isNotDone();
        clock.advance(SECOND);
        assertThat(second.join().granted()).isTrue();
        // The cancelled request's slot was given back: the next permit comes a second later, not two.
        assertThat(keyed.tryAcquire("k", 1).retryAfterNanos()).isEqualTo(SECOND);
        Permit blocking = keyed.acquire("other", 1, Duration.ofSeconds(1));
        assertThat(blocking.granted()).isTrue();
    }

    @Test
    void allowIsAllocationFreeForKnownKeys() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assertThat(bean).as("HotSpot counts allocation per thread").isInstanceOf(com.sun.management.ThreadMXBean.class);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);
        LocalKeyed<Object> keyed = keyed(TokenBucket.of(1_000_000, Rate.perSecond(1)));
        String key = "known";
        for (int i = 0; i < 20_000; i++) {
            keyed.allow(key, 1);
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        int granted = 0;
        for (int i = 0; i < 100_000; i++) {
            if (keyed.allow(key, 1)) {
                granted++;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(granted).isEqualTo(100_000);
        // Any allocation per call would be at least 1.6 MB here.
        assertThat(allocated).isLessThan(64 * 1024L);
    }

    @Test
    void bytesPerKey() {
        LocalKeyed<Object> keyed = keyed(TokenBucket.of(10, Rate.perSecond(10)));
        int count = 100_000;
        Integer[] keys = new Integer[count];
        for (int i = 0; i < count; i++) {
            keys[i] = i + 1_000_000;
        }
        long before = usedMemory();
        for (Integer key : keys) {
            keyed.allow(key, 1);
        }
        long after = usedMemory();
        assertThat(keyed.estimatedSize()).isEqualTo(count);
        long perKey = (after - before) / count;
        System.out.println("Keyed token buckets: about " + perKey + " bytes per key (key excluded)");
        // The entry (32 bytes) and its table slot: about 40 bytes per key (201 on Caffeine with a limiter per key).
        assertThat(perKey).isLessThan(96);
        assertThat(keys).hasSize(count); // keeps the keys alive through the measurement
    }

    private static long usedMemory() {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }

    @Test
    void concurrencyKeyIsKeptWhilePermitsAreHeldAndForgottenAfterTheGrace() {
        LocalKeyedLimiter<Object> keyed = concurrencyKeyed(2, Duration.ofMinutes(1));
        Permit first = keyed.tryAcquire("k", 1);
        Permit second = keyed.tryAcquire("k", 1);
        assertThat(first.granted()).isTrue();
        assertThat(second.granted()).isTrue();
        assertThat(keyed.tryAcquire("k", 1).granted()).isFalse();
        clock.advance(TimeUnit.HOURS.toNanos(5));
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        assertThat(keyed.tryAcquire("k", 1).granted()).as("no fresh limiter behind the holders' back").isFalse();
        first.close();
        first.close();
        clock.advance(TimeUnit.HOURS.toNanos(5));
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        Permit third = keyed.tryAcquire("k", 1);
        assertThat(third.granted()).isTrue();
        assertThat(keyed.tryAcquire("k", 1).granted()).isFalse();
        second.dropped();
        third.close();
        clock.advance(Duration.ofSeconds(59));
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isZero();
        assertThatThrownBy(() -> keyed.allow("k", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(keyed.forKey("k")).isNotInstanceOf(RateLimiter.class);
    }

    @Test
    void concurrencyWaitersAreServedAndAZeroGraceForgetsAtOnce() {
        LocalKeyedLimiter<Object> keyed = concurrencyKeyed(1, Duration.ZERO);
        Permit holder = keyed.tryAcquire("k", 1);
        CompletableFuture<Permit> waiter = keyed.acquireAsync("k", 1, Duration.ofSeconds(10));
        CompletableFuture<Permit> cancelled = keyed.acquireAsync("k", 1, Duration.ofSeconds(10));
        cancelled.cancel(false);
        assertThat(waiter).isNotDone();
        clock.advance(SECOND);
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        holder.close();
        assertThat(waiter.join().granted()).isTrue();
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isEqualTo(1);
        waiter.join().close();
        // Expired at once; Caffeine's timer wheel removes expired entries within about a second of their deadline.
        clock.advance(Duration.ofMillis(1_100));
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isZero();
        assertThat(keyed.tryAcquire("k", 1).granted()).isTrue();
    }

    /** Many threads on a few concurrency keys while the keys idle out and are forgotten: never above the limit. */
    @Test
    void concurrencyKeysNeverExceedTheirLimitWhileBeingForgotten() throws Exception {
        AtomicLong created = new AtomicLong();
        LocalKeyedLimiter<Object> keyed = new LocalKeyedLimiter<>("pool", Concurrency.of(2),
                new LocalKeyedLimiter.KeyState(0L, true), LocalEngine.KeyedOptions.defaults().withIdleGrace(Duration.ZERO), clock,
                () -> {
                    created.incrementAndGet();
                    return new FakeConcurrencyLimiter("pool", Concurrency.of(2));
                });
        int keys = 4;
        AtomicLongArray inUse = new AtomicLongArray(keys);
        AtomicLong violations = new AtomicLong();
        AtomicLong grants = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        int threads = 8;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread worker = new Thread(() -> {
                Random random = new Random(seed);
                try {
                    while (!stop.get()) {
                        int key = random.nextInt(keys);
                        try (Permit permit = keyed.tryAcquire(key, 1)) {
                            if (permit.granted()) {
                                grants.incrementAndGet();
                                if (inUse.incrementAndGet(key) > 2) {
                                    violations.incrementAndGet();
                                }
                                Thread.yield();
                                inUse.decrementAndGet(key);
                            }
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
            worker.setDaemon(true);
            worker.start();
        }
        // Real time only bounds the run; the test's time is the manual clock.
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((grants.get() < 50_000 || created.get() <= 1_000) && System.nanoTime() < giveUp) {
            clock.advance(Duration.ofMillis(5));
            keyed.cleanUp();
            Thread.yield();
        }
        stop.set(true);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(violations.get()).isZero();
        assertThat(grants.get()).isPositive();
        // With no grace, a key is forgotten each time its last permit is closed: many limiters were built.
        assertThat(created.get()).as("limiters built").isGreaterThan(1_000);
        clock.advance(Duration.ofSeconds(2));
        keyed.cleanUp();
        assertThat(keyed.estimatedSize()).isZero();
    }

    /** Many threads take permits of one rate key at a fixed time: exactly the capacity is granted. */
    @Test
    void hammeringOneRateKeyGrantsExactlyTheCapacity() throws Exception {
        KeyedLimiter<String> keyed = engine.keyed("api", TokenBucket.of(1_000, Rate.perMinute(1)));
        AtomicInteger granted = new AtomicInteger();
        int threads = 8;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    for (int i = 0; i < 1_000; i++) {
                        if (i % 2 == 0 ? keyed.allow("hot", 1) : keyed.tryAcquire("hot", 1).granted()) {
                            granted.incrementAndGet();
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
            worker.setDaemon(true);
            worker.start();
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(granted.get()).isEqualTo(1_000);
    }

    /** A mutable slot for a reference needed inside a lambda before it exists. */
    private static final class AtomicReferenceHolder<T> {
        volatile T value;
    }

    /** TEST DOUBLE: a rate limiter that runs {@code meanwhile} once, when armed, before deciding. */
    private static final class StallingLimiter extends ForwardingLimiter implements RateLimiter {
        private final RateLimiter rate;
        private final AtomicBoolean armed;
        private final Runnable meanwhile;

        StallingLimiter(RateLimiter delegate, AtomicBoolean armed, Runnable meanwhile) {
            super(delegate);
            this.rate = delegate;
            this.armed = armed;
            this.meanwhile = meanwhile;
        }

        private void stall() {
            if (armed.compareAndSet(true, false)) {
                meanwhile.run();
            }
        }

        @Override
        public boolean allow(long permits) {
            stall();
            return rate.allow(permits);
        }

        @Override
        public Permit tryAcquire(long permits) {
            stall();
            return super.tryAcquire(permits);
        }
    }
}
