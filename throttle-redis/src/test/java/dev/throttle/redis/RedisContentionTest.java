package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many threads hammer one key in server-time mode, each through its own limiter object (as separate JVMs would):
 * the number admitted is exact. Limits are set so the expected count is exact whatever the timing: a fixed window of
 * ten years (one window for the whole test), a sliding log of an hour, and a token bucket refilling one permit per
 * hour (no refill within the test's duration, which is checked).
 */
class RedisContentionTest {

    private static final int THREADS = 8;
    private static final int REQUESTS_PER_THREAD = 150;

    @Test
    void fixedWindowAdmitsExactlyTheLimit() throws InterruptedException {
        assertThat(hammer(FixedWindow.of(500, Duration.ofDays(3650)), 1)).isEqualTo(500);
    }

    @Test
    void slidingLogAdmitsExactlyTheLimit() throws InterruptedException {
        assertThat(hammer(SlidingLog.of(300, Duration.ofHours(1)), 1)).isEqualTo(300);
    }

    @Test
    void tokenBucketAdmitsExactlyItsCapacityWithoutRefill() throws InterruptedException {
        long start = System.nanoTime();
        long admitted = hammer(TokenBucket.of(400, Rate.of(1, Duration.ofHours(1))), 3);
        long elapsed = System.nanoTime() - start;
        // Capacity plus the refills in the elapsed time: none within an hour.
        assertThat(elapsed).isLessThan(Duration.ofHours(1).toNanos());
        assertThat(admitted).isEqualTo(399); // 133 requests of 3 fit in 400, the 134th does not
    }

    /** Runs the threads; returns the permits admitted. */
    private static long hammer(LimitSpec spec, long permitsPerRequest) throws InterruptedException {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("contention");
        AtomicLong admitted = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(THREADS);
        try (RedisEngine engine = RedisEngine.builder(server.client(), server.uri()).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                RateLimiter limiter = engine.rateLimiter("hot", spec);
                Thread thread = new Thread(() -> {
                    try {
                        ready.countDown();
                        go.await();
                        for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
                            if (limiter.allow(permitsPerRequest)) {
                                admitted.addAndGet(permitsPerRequest);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                });
                thread.start();
                threads.add(thread);
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            assertThat(done.await(60, TimeUnit.SECONDS)).as("threads finished").isTrue();
            for (Thread thread : threads) {
                thread.join(1_000);
            }
        }
        return admitted.get();
    }
}
