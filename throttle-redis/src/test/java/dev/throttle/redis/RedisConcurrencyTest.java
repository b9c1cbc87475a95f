package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Concurrency limits on Redis with leases: never more than the limit held at once under contention, a lease never
 * closed expires after its TTL, closing is idempotent, settling shrinks a lease, and waiting polls until a permit is
 * released or the deadline passes.
 */
class RedisConcurrencyTest {

    private static final long MS = 1_000_000L;
    private static final int THREADS = 8;

    private static RedisEngine serverTimeEngine(String what) {
        return RedisEngine.builder(RedisServer.get().connection()).keyPrefix(RedisServer.uniquePrefix(what)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    private static RedisEngine clientTimeEngine(String what, ManualClock clock) {
        return RedisEngine.builder(RedisServer.get().connection())
                .keyPrefix(RedisServer.uniquePrefix(what))
                .ticker(clock)
                .scheduler(clock)
                .leaseTtl(Duration.ofSeconds(1))
                .minExpiry(Duration.ofMinutes(1))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    @Test
    void neverMoreThanTheLimitHeldAtOnceUnderContention() throws Exception {
        Limiter limiter = serverTimeEngine("cc-hammer").limiter("pool", Concurrency.of(3));
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger maxHolders = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        runOnThreads(() -> {
            for (int i = 0; i < 40; i++) {
                Permit permit = limiter.tryAcquire(1);
                if (permit.granted()) {
                    admitted.incrementAndGet();
                    int now = holders.incrementAndGet();
                    maxHolders.accumulateAndGet(now, Math::max);
                    holders.decrementAndGet(); // before the release is sent: Redis never holds fewer than we count
                    permit.close();
                }
            }
        });
        assertThat(maxHolders.get()).isBetween(1, 3);
        assertThat(admitted.get()).isPositive();
        // The releases were sent before this read on the same connection: every permit is back.
        assertThat(limiter.availablePermits()).isEqualTo(3);
    }

    @Test
    void permitsNeverClosedAreGrantedExactlyUpToTheLimitAcrossConnections() throws Exception {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("cc-exact");
        List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
        List<Limiter> limiters = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                StatefulRedisConnection<String, String> connection = server.newConnection();
                connections.add(connection);
                limiters.add(RedisEngine.builder(connection).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()
                        .limiter("pool", Concurrency.of(5)));
            }
            AtomicInteger next = new AtomicInteger();
            AtomicInteger admitted = new AtomicInteger();
            runOnThreads(() -> {
                Limiter mine = limiters.get(next.getAndIncrement());
                for (int i = 0; i < 20; i++) {
                    if (mine.tryAcquire(1).granted()) { // held, never closed
                        admitted.incrementAndGet();
                    }
                }
            });
            assertThat(admitted.get()).isEqualTo(5);
            assertThat(limiters.get(0).availablePermits()).isZero();
        } finally {
            connections.forEach(StatefulRedisConnection::close);
        }
    }

    @Test
    void aLeaseNeverClosedExpiresAfterTheTtl() {
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        Limiter limiter = clientTimeEngine("cc-crash", clock).limiter("pool", Concurrency.of(2));
        Permit crashed = limiter.tryAcquire(2); // its client "crashes": never closed
        assertThat(crashed.granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        clock.advance(999 * MS);
        assertThat(limiter.tryAcquire(1).granted()).as("the lease still holds before its TTL").isFalse();
        clock.advance(MS);
        assertThat(limiter.availablePermits()).isEqualTo(2);
        assertThat(limiter.tryAcquire(2).granted()).as("the lease expired with its TTL").isTrue();
    }

    @Test
    void closeIsIdempotentAndDroppedReleasesToo() {
        Limiter limiter = serverTimeEngine("cc-close").limiter("pool", Concurrency.of(1));
        Permit first = limiter.tryAcquire(1);
        assertThat(first.granted()).isTrue();
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("pool");
        assertThat(refused.retryAfterNanos()).isEqualTo(1L);
        refused.close(); // a refusal holds nothing
        first.close();
        first.close();
        Permit second = limiter.tryAcquire(1);
        assertThat(second.granted()).isTrue();
        first.close(); // closing again must not free the slot second holds
        first.dropped();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        second.dropped();
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void settleShrinksTheLease() {
        Limiter limiter = serverTimeEngine("cc-settle").limiter("pool", Concurrency.of(5));
        Permit permit = limiter.tryAcquire(4);
        assertThat(permit.remaining()).isEqualTo(1);
        permit.settle(1);
        assertThat(limiter.availablePermits()).isEqualTo(4);
        assertThatThrownBy(() -> permit.settle(1)).isInstanceOf(IllegalStateException.class);
        permit.close();
        assertThat(limiter.availablePermits()).isEqualTo(5);

        Permit other = limiter.tryAcquire(2);
        assertThatThrownBy(() -> other.settle(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("actualPermits");
        assertThatThrownBy(() -> other.settle(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.availablePermits()).as("a refused settle changes nothing").isEqualTo(3);
        other.settle(0);
        assertThat(limiter.availablePermits()).isEqualTo(5);
        Permit third = limiter.tryAcquire(5);
        other.close(); // settled to nothing: closing must not free third's slots
        assertThat(third.granted()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
    }

    @Test
    void badRequestsAreRefusedBeforeAnyRoundTrip() {
        Limiter limiter = serverTimeEngine("cc-bad").limiter("pool", Concurrency.of(2));
        assertThatThrownBy(() -> limiter.tryAcquire(3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisEngine.builder(RedisServer.get().connection()).leaseTtl(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTtl");
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }

    @Test
    void aWaiterPollsUntilAPermitIsReleased() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        Limiter limiter = clientTimeEngine("cc-wait", clock).limiter("pool", Concurrency.of(1, 10));
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofMillis(100));
        awaitPendingTask(clock);
        clock.advance(10 * MS);
        awaitPendingTask(clock);
        assertThat(waiting).as("still held: it polls again").isNotDone();
        held.close();
        clock.advance(10 * MS);
        Permit granted = waiting.get(5, TimeUnit.SECONDS);
        assertThat(granted.granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
    }

    @Test
    void aWaiterGivesUpAtItsDeadlineAndASpecWithoutQueueDoesNotWait() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        RedisEngine engine = clientTimeEngine("cc-deadline", clock);
        Limiter queued = engine.limiter("queued", Concurrency.of(1, 10));
        assertThat(queued.tryAcquire(1).granted()).isTrue();
        CompletableFuture<Permit> waiting = queued.acquireAsync(1, Duration.ofMillis(25));
        for (int i = 0; i < 3; i++) {
            awaitPendingTask(clock);
            clock.advance(10 * MS);
        }
        Permit refused = waiting.get(5, TimeUnit.SECONDS);
        assertThat(refused.granted()).isFalse();
        assertThat(clock.pendingTasks()).isZero();

        Limiter unqueued = engine.limiter("unqueued", Concurrency.of(1));
        assertThat(unqueued.tryAcquire(1).granted()).isTrue();
        assertThat(unqueued.acquireAsync(1, Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS).granted()).isFalse();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void bothKeysExpireWithTheLatestLease() {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("cc-expiry");
        try (StatefulRedisConnection<String, String> admin = server.newConnection()) {
            RedisEngine engine = RedisEngine.builder(server.connection()).keyPrefix(prefix)
                    .leaseTtl(Duration.ofSeconds(20)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
            Limiter limiter = engine.limiter("pool", Concurrency.of(3));
            limiter.tryAcquire(1);
            List<String> keys = admin.sync().keys(prefix + "*");
            assertThat(keys).hasSize(2);
            for (String key : keys) {
                assertThat(admin.sync().pttl(key)).isBetween(15_000L, 20_000L);
            }
        }
    }

    private static void runOnThreads(Runnable body) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    body.run();
                } catch (Throwable failure) {
                    failures.add(failure);
                }
            });
            threads.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(thread.isAlive()).as("thread finished in time").isFalse();
        }
        assertThat(failures).isEmpty();
    }

    /** The decision comes back asynchronously; waits (bounded) until its retry is scheduled. */
    static void awaitPendingTask(ManualClock clock) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (clock.pendingTasks() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1); // waiting for Redis's answer, not for time to pass
        }
        assertThat(clock.pendingTasks()).as("retry scheduled").isEqualTo(1);
    }
}
