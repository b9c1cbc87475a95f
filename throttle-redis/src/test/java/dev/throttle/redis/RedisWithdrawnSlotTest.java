package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.LeakyBucket;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A waiter withdrawn while others wait behind it never hands its slot to a second grant: giving its permits back
 * would take time off the end of the schedule, the slot of a grant still waiting. As in the local engine
 * ({@code BucketLimiterTest}), found by translating Sentinel's pacing tests; and a give-back while nobody waits still
 * returns the permits at once.
 */
class RedisWithdrawnSlotTest {

    private static final long MILLI = 1_000_000L;

    private final ManualClock clock = new ManualClock(1_000_000_000_000L);
    private final RedisEngine engine = RedisEngine.builder(RedisServer.get().connection())
            .keyPrefix(RedisServer.uniquePrefix("withdrawn-slot")).ticker(clock).scheduler(clock)
            .minExpiry(Duration.ofMinutes(1)) // the manual clock stands still while real time runs
            .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();

    /** The answer to a waiting request, once its slot has come. */
    private static Permit waitFor(CompletableFuture<Permit> waiting) throws Exception {
        return waiting.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWithdrawnShapingWaiterBetweenOthersLeavesItsSlotUnused() throws Exception {
        RateLimiter queue = engine.rateLimiter("queue",
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(500)));
        assertThat(queue.allow()).isTrue(); // the slot at 0 ms
        CompletableFuture<Permit> a = queue.acquireAsync(1, Duration.ofMillis(500)); // 100 ms
        CompletableFuture<Permit> b = queue.acquireAsync(1, Duration.ofMillis(500)); // 200 ms
        awaitReserved(2);
        a.cancel(false);
        awaitWithdrawn(a);
        Permit c = queue.tryAcquire(1);
        assertThat(c.granted()).isFalse();
        assertThat(c.retryAfterNanos()).as("after b's slot, not in it").isEqualTo(300 * MILLI);
        clock.advance(Duration.ofMillis(200));
        assertThat(waitFor(b).granted()).isTrue();
    }

    @Test
    void aTokenBucketOfOneNeverGrantsTwoAtOnceWhenAWaiterBeforeTheLastGivesUp() throws Exception {
        RateLimiter bucket = engine.rateLimiter("one", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.allow()).isTrue();
        CompletableFuture<Permit> first = bucket.acquireAsync(1, Duration.ofSeconds(5)); // at 1 s
        CompletableFuture<Permit> second = bucket.acquireAsync(1, Duration.ofSeconds(5)); // at 2 s
        awaitReserved(2);
        first.cancel(false);
        awaitWithdrawn(first);
        Permit third = bucket.tryAcquire(1);
        assertThat(third.retryAfterNanos()).as("a second after the second's grant").isEqualTo(3_000 * MILLI);
        clock.advance(Duration.ofSeconds(2));
        assertThat(waitFor(second).granted()).isTrue();
    }

    @Test
    void withNobodyWaitingAGiveBackReturnsThePermitsAtOnce() {
        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(5, Rate.perSecond(1)));
        Permit three = bucket.tryAcquire(3);
        assertThat(bucket.availablePermits()).isEqualTo(2);
        three.settle(1);
        assertThat(bucket.availablePermits()).isEqualTo(4);
    }

    /** Waits (bounded) until the clock holds the reservations' deliveries, answered on the connection's thread. */
    private void awaitReserved(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (clock.pendingTasks() < count && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(clock.pendingTasks()).isEqualTo(count);
    }

    /** Waits (bounded) until a cancelled reservation's give-back has been applied in Redis (sent, not awaited). */
    private void awaitWithdrawn(CompletableFuture<Permit> cancelled) {
        assertThat(cancelled).isCancelled();
        // The give-back is the next command on the engine's connection: any decision after it sees it applied.
        engine.rateLimiter("sync-" + System.nanoTime(), TokenBucket.of(1, Rate.perSecond(1))).allow();
    }
}
