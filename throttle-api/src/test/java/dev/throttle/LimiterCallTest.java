package dev.throttle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The call-wrapping defaults of {@link Limiter}, over a minimal limiter with a fixed number of slots. */
class LimiterCallTest {

    /** A test double: grants while slots remain; close gives the slot back. */
    private static final class Slots extends ImmediateLimiter {
        final AtomicInteger free;
        final AtomicInteger closed = new AtomicInteger();

        Slots(int slots) {
            free = new AtomicInteger(slots);
        }

        @Override
        public String name() {
            return "slots";
        }

        @Override
        public LimitSpec spec() {
            return Concurrency.of(1);
        }

        @Override
        public Permit tryAcquire(long permits) {
            boolean granted = free.getAndUpdate(f -> f > 0 ? f - 1 : f) > 0;
            return new Permit() {
                @Override public boolean granted() { return granted; }
                @Override public long permits() { return 1; }
                @Override public long retryAfterNanos() { return granted ? 0 : 42; }
                @Override public long remaining() { return free.get(); }
                @Override public long limit() { return 1; }
                @Override public String limiterName() { return "slots"; }
                @Override public void close() {
                    if (granted) {
                        closed.incrementAndGet();
                        free.incrementAndGet();
                    }
                }
                @Override public void dropped() { close(); }
                @Override public void settle(long actualPermits) { }
            };
        }

        @Override
        public long availablePermits() {
            return free.get();
        }
    }

    @Test
    void callRunsTheTaskUnderAPermitAndReleasesIt() throws Exception {
        Slots limiter = new Slots(1);
        assertThat(limiter.call(() -> "done")).isEqualTo("done");
        assertThat(limiter.closed).hasValue(1);
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void callThrowsThrottledExceptionWithRetryAfterWhenRefused() {
        Slots limiter = new Slots(0);
        assertThatThrownBy(() -> limiter.call(() -> "never"))
                .isInstanceOf(ThrottledException.class)
                .hasMessage("throttled by slots: retry after PT0.000000042S")
                .satisfies(e -> assertThat(((ThrottledException) e).retryAfterNanos()).isEqualTo(42));
    }

    @Test
    void runReleasesThePermitWhenTheTaskFails() {
        Slots limiter = new Slots(1);
        assertThatThrownBy(() -> limiter.run(() -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void callAsyncHoldsThePermitUntilTheStageCompletes() {
        Slots limiter = new Slots(1);
        CompletableFuture<String> backend = new CompletableFuture<>();
        CompletableFuture<String> result = limiter.callAsync(() -> backend);
        assertThat(limiter.availablePermits()).isZero();
        CompletableFuture<String> refused = limiter.callAsync(() -> CompletableFuture.completedFuture("x"));
        assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ThrottledException.class);
        backend.complete("ok");
        assertThat(result.join()).isEqualTo("ok");
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void callAsyncGivesThePermitBackAndFailsItsFutureWhenTheTaskSuppliesNoStage() {
        Slots limiter = new Slots(1);
        CompletableFuture<String> nullStage = limiter.callAsync(() -> null);
        assertThatThrownBy(nullStage::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stage supplied by task must not be null");
        assertThat(limiter.availablePermits()).isEqualTo(1);

        IllegalStateException broken = new IllegalStateException("no connection");
        CompletableFuture<String> thrown = limiter.callAsync(() -> {
            throw broken;
        });
        assertThatThrownBy(thrown::join).isInstanceOf(CompletionException.class).hasCause(broken);
        assertThat(limiter.availablePermits()).isEqualTo(1);

        // The one slot is free again: a well-behaved call still goes through.
        assertThat(limiter.callAsync(() -> CompletableFuture.completedFuture("ok")).join()).isEqualTo("ok");
    }

    @Test
    void neverIsReportedAsForever() {
        ThrottledException never = new ThrottledException("x", Permit.NEVER);
        assertThat(never.retryAfter()).isEqualTo(java.time.temporal.ChronoUnit.FOREVER.getDuration());
        assertThat(never).hasMessage("throttled by x: the request exceeds its capacity");
    }

    @Test
    void manualClockMovesOnlyForward() {
        ManualClock ticker = new ManualClock(5);
        assertThat(ticker.advance(Duration.ofNanos(10))).isEqualTo(15);
        assertThatThrownBy(() -> ticker.advance(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nanos = -1 is out of range; allowed range is [0, 9223372036854775807]");
        assertThat(ticker.read()).isEqualTo(15);
    }
}
