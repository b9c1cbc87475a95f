package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bucket4j's distributed-bucket consumption tests ({@code AbstractDistributedBucketTest}: many threads consuming
 * through several proxies of one key, synchronously and asynchronously) in throttle's terms: two engines, each on a
 * connection of its own, make limiters of one name and spec, which share one state ("two limiters of one name and
 * spec, in one JVM or many, share one state"), and eight threads ask through both at once. Nothing refills during a
 * run, so exactly the limit is granted, on every rate algorithm, in server and in client time; a concurrency limit
 * admits exactly its limit in every round of simultaneous requests.
 */
class PeerDistributedConsumptionRedisTest {

    private static final int THREADS = 8;
    private static final long LIMIT = 300;

    private final String prefix = RedisServer.uniquePrefix("peer-consumption");
    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    private ExecutorService pool;

    @BeforeEach
    void open() {
        pool = Executors.newFixedThreadPool(THREADS);
    }

    @AfterEach
    void closeAll() {
        pool.shutdownNow();
        connections.forEach(StatefulRedisConnection::close);
    }

    /** An engine on a connection of its own, on the server's clock or else on {@code clock}. */
    private RedisEngine engine(ManualClock clock) {
        StatefulRedisConnection<String, String> connection = RedisServer.get().newConnection();
        connections.add(connection);
        RedisEngine.Builder builder = RedisEngine.builder(connection).keyPrefix(prefix)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT);
        if (clock != null) {
            builder.ticker(clock);
        }
        return builder.build();
    }

    /**
     * Every rate algorithm at {@link #LIMIT}: windows far longer than a run, buckets refilling one permit per
     * three-hundredth of the window, so no refill or window boundary can fall inside a run of a few seconds except
     * with a probability of about one in a million on the server's clock.
     */
    private static List<LimitSpec> specs(Duration window) {
        Rate slow = Rate.of(1, window.dividedBy(LIMIT));
        return List.of(FixedWindow.of(LIMIT, window), SlidingWindow.of(LIMIT, window), SlidingLog.of(LIMIT, window),
                TokenBucket.of(LIMIT, slow), LeakyBucket.meter(LIMIT, slow));
    }

    @Test
    void manyThreadsOverTwoEnginesAreGrantedExactlyTheLimitOnTheServersClock() throws Exception {
        grantsExactlyTheLimit(null, Duration.ofDays(30));
    }

    @Test
    void manyThreadsOverTwoEnginesAreGrantedExactlyTheLimitOnAClientClock() throws Exception {
        grantsExactlyTheLimit(new ManualClock(1_000_000_000_000L), Duration.ofHours(1));
    }

    private void grantsExactlyTheLimit(ManualClock clock, Duration window) throws Exception {
        try (RedisEngine first = engine(clock); RedisEngine second = engine(clock)) {
            int n = 0;
            for (LimitSpec spec : specs(window)) {
                String name = "shared-" + n++;
                RateLimiter[] limiters = {first.rateLimiter(name, spec), second.rateLimiter(name, spec)};
                AtomicLong granted = new AtomicLong();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    threads.add(pool.submit(() -> {
                        go.await();
                        consume(limiters, thread, granted);
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> thread : threads) {
                    thread.get(60, TimeUnit.SECONDS);
                }
                // Demand was five times the limit; what it left over (at most 2, too little for the last requests
                // of 2 or 3) is drained one by one, so an over- or under-count cannot hide behind a request's size.
                long drained = 0;
                while (limiters[(int) (drained % 2)].tryAcquire(1).granted()) {
                    drained++;
                }
                assertThat(granted.get()).as("%s: granted through both engines", spec).isBetween(LIMIT - 2, LIMIT);
                assertThat(granted.get() + drained).as("%s: granted, then drained", spec).isEqualTo(LIMIT);
            }
            assertThat(first.stats().redisFailures() + second.stats().redisFailures()).isZero();
        }
    }

    /** 100 requests of 1 to 3 permits, alternating engines: a third each by allow, tryAcquire and acquireAsync. */
    private static void consume(RateLimiter[] limiters, int thread, AtomicLong granted) throws Exception {
        List<CompletableFuture<Permit>> pending = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            RateLimiter limiter = limiters[(thread + i) % 2];
            long permits = 1 + i % 3;
            switch (i % 3) {
                case 0 -> granted.addAndGet(limiter.allow(permits) ? permits : 0);
                case 1 -> granted.addAndGet(limiter.tryAcquire(permits).granted() ? permits : 0);
                default -> pending.add(limiter.acquireAsync(permits, Duration.ZERO));
            }
        }
        for (CompletableFuture<Permit> answer : pending) {
            Permit permit = answer.get(30, TimeUnit.SECONDS);
            granted.addAndGet(permit.granted() ? permit.permits() : 0);
        }
    }

    @Test
    void aConcurrencyLimitOverTwoEnginesAdmitsExactlyItsLimitInEveryRound() throws Exception {
        int limit = 3;
        int rounds = 40;
        try (RedisEngine first = engine(null); RedisEngine second = engine(null)) {
            Limiter[] limiters = {first.limiter("jobs", Concurrency.of(limit)),
                second.limiter("jobs", Concurrency.of(limit))};
            CyclicBarrier barrier = new CyclicBarrier(THREADS);
            AtomicInteger[] admitted = new AtomicInteger[rounds];
            for (int r = 0; r < rounds; r++) {
                admitted[r] = new AtomicInteger();
            }
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        barrier.await(30, TimeUnit.SECONDS); // every permit of the last round is released
                        Limiter mine = limiters[(thread + r) % 2];
                        Permit permit = mine.tryAcquire(1);
                        if (permit.granted()) {
                            admitted[r].incrementAndGet();
                        }
                        barrier.await(30, TimeUnit.SECONDS); // every thread has asked while the grants are held
                        permit.close();
                        // Closing sends the release without waiting; a read on the same connection follows it, so
                        // the release is applied before the next round asks through the other engine.
                        mine.availablePermits();
                    }
                    return null;
                }));
            }
            for (Future<?> thread : threads) {
                thread.get(120, TimeUnit.SECONDS);
            }
            for (int r = 0; r < rounds; r++) {
                assertThat(admitted[r].get()).as("round %d: %d threads asked at once", r, THREADS).isEqualTo(limit);
            }
            assertThat(limiters[0].availablePermits()).as("every permit closed").isEqualTo(limit);
            assertThat(RedisServer.get().connection().sync().keys(prefix + "*")).as("nothing held, nothing kept")
                    .isEmpty();
            assertThat(first.stats().redisFailures() + second.stats().redisFailures()).isZero();
        }
    }
}
