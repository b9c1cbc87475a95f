package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import dev.throttle.testing.Draws;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryTest {

    private static final long MS = 1_000_000L;

    private final ManualClock ticker = new ManualClock();
    private final List<Long> sleeps = new CopyOnWriteArrayList<>();
    private final List<Long> bounds = new CopyOnWriteArrayList<>();
    /** Sleeps by moving the manual ticker: no test waits for real time. */
    private final Retry.Sleeper sleeper = nanos -> {
        sleeps.add(nanos);
        ticker.advance(nanos);
    };

    private Retry.Builder retry(Retry.Config.Builder config, RandomGenerator random) {
        return Retry.builder().config(config.build()).sleeper(sleeper).random(Draws.of(bound -> {
            bounds.add(bound);
            return random.nextLong(bound);
        }));
    }

    private static Retry.Config.Builder backoff(int attempts) {
        return Retry.Config.builder().maxAttempts(attempts).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofSeconds(1));
    }

    @Test
    void delaysAreFullJitterOverACappedExponentialBackoff() {
        Retry highest = retry(backoff(7), Draws.of(bound -> bound - 1)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> highest.call(() -> {
            attempts.incrementAndGet();
            throw new IOException("down");
        })).isInstanceOf(IOException.class);
        assertThat(attempts.get()).isEqualTo(7);
        // The jitter's bound is the cap plus one: delays are drawn from [0, cap], both ends included.
        assertThat(bounds).containsExactly(100 * MS + 1, 200 * MS + 1, 400 * MS + 1, 800 * MS + 1, 1000 * MS + 1,
                1000 * MS + 1);
        assertThat(sleeps).containsExactly(100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS, 1000 * MS);
        assertThat(ticker.read()).isEqualTo(3500 * MS);
    }

    @Test
    void aDrawOfZeroRetriesAtOnceAndAHalfDrawWaitsHalf() throws Exception {
        Retry half = retry(backoff(3), Draws.of(bound -> bound / 2)).build();
        AtomicInteger attempts = new AtomicInteger();
        String result = half.call(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IOException("flaky");
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(sleeps).containsExactly(50 * MS, 100 * MS);
        sleeps.clear();
        Retry zero = retry(backoff(3), Draws.of(bound -> 0L)).build();
        assertThatThrownBy(() -> zero.run(() -> {
            throw new IllegalStateException("down");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(sleeps).isEmpty(); // a zero delay does not call the sleeper
    }

    @Test
    void aThrottledExceptionIsRetriedNoSoonerThanItsRetryAfter() throws Exception {
        Retry retry = retry(backoff(3), Draws.of(bound -> bound - 1)).build();
        AtomicInteger attempts = new AtomicInteger();
        String result = retry.call(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new ThrottledException("quota", 700 * MS);
            }
            if (attempts.get() == 2) {
                throw new ThrottledException("quota", 50 * MS);
            }
            return "granted";
        });
        assertThat(result).isEqualTo("granted");
        // 700 ms beats the 100 ms backoff; the 200 ms backoff beats 50 ms.
        assertThat(sleeps).containsExactly(700 * MS, 200 * MS);
    }

    @Test
    void aRefusalThatCanNeverSucceedOrComesTooLateIsNotRetried() {
        Retry retry = retry(backoff(5), Draws.of(bound -> 0L)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw new ThrottledException("quota", Permit.NEVER);
        })).isInstanceOf(ThrottledException.class);
        assertThat(attempts.get()).isEqualTo(1);
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw new ThrottledException("quota", Duration.ofSeconds(2).toNanos());
        })).isInstanceOf(ThrottledException.class);
        assertThat(attempts.get()).isEqualTo(2); // 2 s exceeds the 1 s max delay
        assertThat(sleeps).isEmpty();
    }

    @Test
    void anOpenBreakerAndErrorsAndUnlistedExceptionsAreNotRetried() {
        Retry retry = retry(backoff(5).retryOn(failure -> !(failure instanceof IllegalArgumentException)
                && !(failure instanceof CallNotPermittedException)), Draws.of(bound -> 0L)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw new CallNotPermittedException("db", 5);
        })).isInstanceOf(CallNotPermittedException.class);
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw new IllegalArgumentException("bad request");
        })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw new AssertionError("bug");
        })).isInstanceOf(AssertionError.class);
        assertThat(attempts.get()).isEqualTo(3);
        Retry defaults = retry(Retry.Config.builder(), Draws.of(bound -> 0L)).build();
        assertThatThrownBy(() -> defaults.call(() -> {
            attempts.incrementAndGet();
            throw new CallNotPermittedException("db", 5);
        })).isInstanceOf(CallNotPermittedException.class);
        assertThat(attempts.get()).isEqualTo(4);
    }

    @Test
    void resultsCanBeRetriedAndTheLastIsReturnedWhenAttemptsRunOut() throws Exception {
        Retry retry = retry(backoff(3).retryOnResult(String.class, "busy"::equals), Draws.of(bound -> bound - 1)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThat(retry.call(() -> attempts.incrementAndGet() < 2 ? "busy" : "done")).isEqualTo("done");
        assertThat(retry.call(() -> "busy")).isEqualTo("busy");
        assertThat(sleeps).containsExactly(100 * MS, 100 * MS, 200 * MS);
    }

    @Test
    void anInterruptedWaitStopsRetryingAndKeepsTheFlag() {
        AtomicInteger attempts = new AtomicInteger();
        Retry retry = Retry.builder().config(backoff(5).build()).random(Draws.of(bound -> 1L)).sleeper(nanos -> {
            throw new InterruptedException();
        }).build();
        try {
            assertThatThrownBy(() -> retry.call(() -> {
                attempts.incrementAndGet();
                throw new IOException("down");
            })).isInstanceOf(IOException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(attempts.get()).isEqualTo(1);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void theDefaultSleeperParksAndHonoursInterrupts() throws Exception {
        Retry.Sleeper parking = Retry.Sleeper.parking();
        parking.sleep(0);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> parking.sleep(Duration.ofHours(1).toNanos())).isInstanceOf(InterruptedException.class);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void asyncRetriesWaitOnTheSchedulerAndParkNoThread() {
        ManualClock clock = new ManualClock();
        Retry retry = Retry.builder().config(backoff(4).build()).random(Draws.of(bound -> bound - 1)).scheduler(clock)
                .sleeper(nanos -> {
                    throw new AssertionError("the async path must not sleep");
                }).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retry.callAsync(() -> attempts.incrementAndGet() < 3
                ? CompletableFuture.failedFuture(new IOException("flaky"))
                : CompletableFuture.completedFuture("third time"));
        assertThat(result).isNotDone();
        assertThat(attempts.get()).isEqualTo(1);
        clock.advance(100 * MS - 1);
        assertThat(attempts.get()).isEqualTo(1);
        clock.advance(1);
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(result).isNotDone();
        clock.advance(200 * MS);
        assertThat(result).isCompletedWithValue("third time");
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void asyncRetriesGiveTheLastFailureUnwrapped() {
        ManualClock clock = new ManualClock();
        Retry retry = Retry.builder().config(backoff(2).build()).random(Draws.of(bound -> 0L)).scheduler(clock).build();
        CompletableFuture<String> result = retry.callAsync(() -> CompletableFuture.<String>supplyAsync(() -> {
            throw new IllegalStateException("down");
        }, Runnable::run).thenApply(value -> value));
        clock.advance(0);
        assertThat(result).isCompletedExceptionally();
        assertThatThrownBy(result::join).hasCauseExactlyInstanceOf(IllegalStateException.class);
    }

    @Test
    void cancellingAnAsyncRetryStopsTheAttempts() {
        ManualClock clock = new ManualClock();
        Retry retry = Retry.builder().config(backoff(5).build()).random(Draws.of(bound -> bound - 1)).scheduler(clock)
                .build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retry.callAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("down"));
        });
        assertThat(clock.pendingTasks()).isEqualTo(1);
        result.cancel(false);
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    void anAsyncRetryWhosePredicateThrowsFailsItsFutureWithThatInsteadOfHanging() {
        ManualClock clock = new ManualClock();
        IllegalStateException onFailure = new IllegalStateException("retryOn is broken");
        Retry failures = Retry.builder().config(backoff(3).retryOn(failure -> {
            throw onFailure;
        }).build()).random(Draws.of(bound -> 0L)).scheduler(clock).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> failed = failures.callAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("down"));
        });
        assertThat(failed).isCompletedExceptionally();
        assertThatThrownBy(failed::join).hasCause(onFailure);
        // The synchronous call throws the same: the predicate's failure, after one attempt.
        assertThatThrownBy(() -> failures.call(() -> {
            throw new IOException("down");
        })).isSameAs(onFailure);

        IllegalStateException onResult = new IllegalStateException("retryOnResult is broken");
        Retry results = Retry.builder().config(backoff(3).retryOnResult(String.class, value -> {
            throw onResult;
        }).build()).random(Draws.of(bound -> 0L)).scheduler(clock).build();
        CompletableFuture<String> returned = results.callAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.completedFuture("x");
        });
        assertThatThrownBy(returned::join).hasCause(onResult);
        assertThat(attempts.get()).as("no attempt after the broken predicate").isEqualTo(2);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void anInterruptedExceptionIsNeverRetriedAndAnInterruptLeftByAnAttemptStopsTheRetries() throws Exception {
        Retry retry = retry(backoff(5), Draws.of(bound -> 0L)).build(); // every delay 0: no wait to interrupt
        AtomicInteger attempts = new AtomicInteger();
        InterruptedException stop = new InterruptedException("shutting down");
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw stop;
        })).isSameAs(stop);
        assertThat(attempts.get()).isEqualTo(1);

        attempts.set(0);
        try {
            assertThatThrownBy(() -> retry.call(() -> {
                attempts.incrementAndGet();
                Thread.currentThread().interrupt(); // as a blocking client might, before failing otherwise
                throw new IOException("down");
            })).isInstanceOf(IOException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the flag is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    void policiesAreCheckedAtOnce() {
        Retry.Config.Builder b = Retry.Config.builder();
        assertThatThrownBy(() -> b.maxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> b.baseDelay(Duration.ofMillis(-1))).hasMessageContaining("baseDelay");
        assertThatThrownBy(() -> b.retryOn(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Retry.Config.builder().baseDelay(Duration.ofSeconds(20)).build())
                .hasMessageContaining("exceeds maxDelay");
        assertThatThrownBy(() -> Retry.builder().budget(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Retry.builder().build().call(null)).isInstanceOf(IllegalArgumentException.class);
        Retry.Config config = Retry.Config.defaults();
        assertThat(config.maxAttempts()).isEqualTo(3);
        assertThat(config.toBuilder().maxAttempts(9).build().baseDelay()).isEqualTo(Duration.ofMillis(100));
        // Caps never overflow, however many doublings.
        Retry.Config many = Retry.Config.builder().maxAttempts(1000).baseDelay(Duration.ofDays(1))
                .maxDelay(Duration.ofDays(3000)).build();
        assertThat(many.settings.backoffCapNanos(999)).isEqualTo(Duration.ofDays(3000).toNanos());
        assertThat(many.settings.backoffCapNanos(3)).isEqualTo(Duration.ofDays(4).toNanos());
    }
}
