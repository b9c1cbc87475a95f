package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Waiting on an algorithm that cannot reserve (a window): a refusal is retried at its retry time on the scheduler,
 * until the deadline; a retry time beyond the deadline refuses at once; cancelling withdraws the pending retry.
 */
class RedisWaitingTest {

    private static final long MS = 1_000_000L;

    private static RateLimiter limiter(ManualClock clock) {
        RedisEngine engine = RedisEngine.builder(RedisServer.get().connection())
                .keyPrefix(RedisServer.uniquePrefix("waiting"))
                .ticker(clock)
                .scheduler(clock)
                .minExpiry(Duration.ofMinutes(1))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
        return engine.rateLimiter("window", FixedWindow.of(1, Duration.ofMillis(100)));
    }

    @Test
    void aRefusalIsRetriedAtItsRetryTime() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        RateLimiter limiter = limiter(clock);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();

        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofMillis(150));
        awaitPendingTask(clock);
        assertThat(waiting).isNotDone();
        clock.advance(100 * MS);
        Permit permit = waiting.get(5, TimeUnit.SECONDS);
        assertThat(permit.granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).as("the retry took the new window's permit").isFalse();
    }

    @Test
    void aRetryBeyondTheDeadlineRefusesAtOnceAndCancellingWithdraws() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        RateLimiter limiter = limiter(clock);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();

        Permit impatient = limiter.acquireAsync(1, Duration.ofMillis(99)).get(5, TimeUnit.SECONDS);
        assertThat(impatient.granted()).isFalse();
        assertThat(impatient.retryAfterNanos()).isEqualTo(100 * MS);
        assertThat(clock.pendingTasks()).isZero();

        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofSeconds(1));
        awaitPendingTask(clock);
        assertThat(waiting.cancel(false)).isTrue();
        // The clock lists the retry as soon as Lettuce's thread schedules it, a moment before the acquisition records
        // it; a cancel in between leaves the withdrawal to that thread, which cancels it once recorded.
        awaitNoPendingTask(clock);
        clock.advance(100 * MS);
        assertThat(limiter.tryAcquire(1).granted()).as("the cancelled waiter took nothing").isTrue();
    }

    /** Waits (bounded) until the clock holds no task: the withdrawal of a retry scheduled on another thread. */
    private static void awaitNoPendingTask(ManualClock clock) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (clock.pendingTasks() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(1); // waiting for Lettuce's thread to finish scheduling, not for time to pass
        }
        assertThat(clock.pendingTasks()).as("the retry was withdrawn").isZero();
    }

    /** The first decision comes back asynchronously; waits (bounded) until its retry is scheduled. */
    private static void awaitPendingTask(ManualClock clock) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (clock.pendingTasks() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1); // waiting for Redis's answer, not for time to pass
        }
        assertThat(clock.pendingTasks()).as("retry scheduled").isEqualTo(1);
    }
}
