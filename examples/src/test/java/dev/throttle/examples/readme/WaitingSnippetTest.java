package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::waiting[]
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
// end::waiting[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: waiting, blocking and without a thread. */
class WaitingSnippetTest extends ManualClockFixture {

    private final dev.throttle.RateLimiter api =
            engine.rateLimiter("api", dev.throttle.TokenBucket.of(10, dev.throttle.Rate.perSecond(100)));

    /** The blocking decision, then the asynchronous one. */
    Object[] waitForPermits() {
        // tag::waiting[]
        Permit permit = api.acquire(1, Duration.ofMillis(250));
        CompletableFuture<Permit> later = api.acquireAsync(1, Duration.ofMillis(250));
        // end::waiting[]
        return new Object[] {permit, later};
    }

    @Test
    void acquireWaitsForTheNextPermitAndAcquireAsyncParksNoThread() throws Exception {
        assertThat(api.allow(10)).isTrue(); // the bucket is empty: the next permit is 10 ms away
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Object[]> asked = caller.submit(this::waitForPermits);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (clock.pendingTasks() == 0) {
                assertThat(System.nanoTime()).as("acquire scheduled its wake-up").isLessThan(deadline);
                Thread.onSpinWait();
            }
            assertThat(asked).as("acquire waits").isNotDone();
            clock.advance(Duration.ofMillis(10));
            Object[] answers = asked.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(((Permit) answers[0]).granted()).isTrue();
            @SuppressWarnings("unchecked")
            CompletableFuture<Permit> later = (CompletableFuture<Permit>) answers[1];
            assertThat(later).as("acquireAsync returned at once, its permit 10 ms away").isNotDone();
            clock.advance(Duration.ofMillis(10));
            assertThat(later).isCompleted();
            assertThat(later.join().granted()).isTrue();
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void acquireReturnsAtOnceWhenThePermitCannotComeInTime() {
        assertThat(api.allow(10)).isTrue();
        Permit tooLate = api.acquire(1, Duration.ofMillis(5)); // the next permit is 10 ms away: no waiting at all
        assertThat(tooLate.granted()).isFalse();
        assertThat(tooLate.retryAfter()).isEqualTo(Duration.ofMillis(10));
        assertThat(clock.pendingTasks()).isZero();
    }
}
