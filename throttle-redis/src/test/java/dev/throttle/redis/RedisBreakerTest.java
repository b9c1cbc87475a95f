package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The breaker's state machine, on a manual clock. */
class RedisBreakerTest {

    private static final long OPEN = 1_000_000_000L;

    private final ManualClock clock = new ManualClock(5L);
    private final RedisEngine.Stats stats = new RedisEngine.Stats();
    private final RedisBreaker breaker = new RedisBreaker(3, OPEN, clock, stats);

    @Test
    void opensAfterThresholdConsecutiveFailuresOnly() {
        breaker.onFailure();
        breaker.onFailure();
        breaker.onSuccess(); // resets the count: failures must be consecutive
        breaker.onFailure();
        breaker.onFailure();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.CLOSED);
        assertThat(breaker.allowCall()).isTrue();
        breaker.onFailure();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.OPEN);
        assertThat(stats.breakerOpens()).isEqualTo(1);
        assertThat(breaker.remainingOpenNanos()).isEqualTo(OPEN);
    }

    @Test
    void shortCircuitsWhileOpenThenLetsExactlyOneProbeThrough() {
        openIt();
        assertThat(breaker.allowCall()).isFalse();
        clock.advance(OPEN - 1);
        assertThat(breaker.allowCall()).isFalse();
        assertThat(breaker.remainingOpenNanos()).isEqualTo(1L);
        clock.advance(1);
        assertThat(breaker.allowCall()).as("the probe").isTrue();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.HALF_OPEN);
        assertThat(breaker.allowCall()).as("a second call while the probe is out").isFalse();
        assertThat(breaker.remainingOpenNanos()).as("half-open is not open").isZero();
    }

    @Test
    void successfulProbeClosesIt() {
        openIt();
        clock.advance(OPEN);
        assertThat(breaker.allowCall()).isTrue();
        breaker.onSuccess();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.CLOSED);
        assertThat(breaker.allowCall()).isTrue();
        assertThat(breaker.allowCall()).isTrue();
        // Closed anew: it takes the full threshold again to open.
        breaker.onFailure();
        breaker.onFailure();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.CLOSED);
    }

    @Test
    void failedProbeReopensForAnotherFullPeriod() {
        openIt();
        clock.advance(OPEN + 7);
        assertThat(breaker.allowCall()).isTrue();
        breaker.onFailure();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.OPEN);
        assertThat(stats.breakerOpens()).isEqualTo(2);
        assertThat(breaker.remainingOpenNanos()).isEqualTo(OPEN);
        assertThat(breaker.allowCall()).isFalse();
    }

    @Test
    void lateAnswersWhileOpenChangeNothing() {
        openIt();
        breaker.onSuccess(); // a call sent before it opened
        breaker.onFailure();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.OPEN);
        assertThat(stats.breakerOpens()).isEqualTo(1);
    }

    @Test
    void aLostProbeIsReplacedAfterAnotherOpenPeriod() {
        openIt();
        clock.advance(OPEN);
        assertThat(breaker.allowCall()).isTrue();
        clock.advance(OPEN - 1);
        assertThat(breaker.allowCall()).isFalse();
        clock.advance(1);
        assertThat(breaker.allowCall()).isTrue();
    }

    @Test
    void concurrentCallersGetOneProbeAndConcurrentFailuresOpenOnce() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(threads);
            for (int i = 0; i < threads; i++) {
                pool.execute(() -> {
                    try {
                        start.await();
                        for (int j = 0; j < 1_000; j++) {
                            breaker.onFailure();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                });
            }
            start.countDown();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(stats.breakerOpens()).as("opened once, then failures while open are ignored").isEqualTo(1);

            clock.advance(OPEN);
            AtomicInteger probes = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            CountDownLatch asked = new CountDownLatch(threads);
            for (int i = 0; i < threads; i++) {
                pool.execute(() -> {
                    try {
                        go.await();
                        for (int j = 0; j < 1_000; j++) {
                            if (breaker.allowCall()) {
                                probes.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        asked.countDown();
                    }
                });
            }
            go.countDown();
            assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(probes.get()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    private void openIt() {
        breaker.onFailure();
        breaker.onFailure();
        breaker.onFailure();
        assertThat(breaker.mode()).isEqualTo(RedisBreaker.Mode.OPEN);
    }
}
