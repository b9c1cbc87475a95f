package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// tag::peers[]
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import java.time.Duration;
// end::peers[]
import org.junit.jupiter.api.Test;

/**
 * README, coming from Resilience4j, Bucket4j or Guava: the task the peers' code does, here; and what behaves
 * differently (a bucket that starts full, a refusal that charges nothing, a request above the capacity).
 */
class PeersSnippetTest extends ManualClockFixture {

    private final java.util.List<String> handled = new java.util.ArrayList<>();

    RateLimiter makeTheLimiter() {
        // tag::peers[]
        RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));   // starts full
        // end::peers[]
        return api;
    }

    void tryNow(RateLimiter api, String request) {
        // tag::peers[]
        if (api.allow()) {
            handle(request);
        }
        // end::peers[]
    }

    Permit whenToRetry(RateLimiter api) {
        // tag::peers[]
        Permit permit = api.tryAcquire();                          // refused: permit.retryAfter()
        // end::peers[]
        return permit;
    }

    Permit waitForIt(RateLimiter api) {
        // tag::peers[]
        Permit waited = api.acquire(1, Duration.ofMillis(250));   // api.acquireAsync(...) parks no thread
        // end::peers[]
        return waited;
    }

    private void handle(String request) {
        handled.add(request);
    }

    @Test
    void theBucketStartsFullAndARefusalSaysWhenToComeBack() {
        RateLimiter api = makeTheLimiter();
        for (int i = 0; i < 11; i++) {
            tryNow(api, "request " + i);
        }
        assertThat(handled).as("a burst of 10 at once, from the start").hasSize(10);
        Permit refused = whenToRetry(api);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void waitingIsAskedForByTheCallAndEndsWhenThePermitComes() throws Exception {
        RateLimiter api = makeTheLimiter();
        assertThat(api.allow(10)).isTrue();
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Permit> asked = caller.submit(() -> waitForIt(api));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (clock.pendingTasks() == 0) {
                assertThat(System.nanoTime()).as("acquire scheduled its wake-up").isLessThan(deadline);
                Thread.onSpinWait();
            }
            assertThat(asked).isNotDone();
            clock.advance(Duration.ofMillis(10));
            assertThat(asked.get(10, java.util.concurrent.TimeUnit.SECONDS).granted()).isTrue();
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void aRefusalChargesNothingNobodyPaysForAnotherRequest() {
        RateLimiter api = makeTheLimiter();
        assertThat(api.allow(10)).isTrue();
        Permit big = api.tryAcquire(10);
        assertThat(big.granted()).isFalse();
        assertThat(big.retryAfter()).as("its own permits, 100 ms away").isEqualTo(Duration.ofMillis(100));
        clock.advance(Duration.ofMillis(10));
        assertThat(api.allow()).as("the refused request took nothing: the next permit is on time").isTrue();
    }

    @Test
    void aRequestAboveTheCapacityIsABugNotARefusal() {
        RateLimiter api = makeTheLimiter();
        assertThatThrownBy(() -> api.tryAcquire(11)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.acquire(11, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.acquireAsync(11, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(api.availablePermits()).as("nothing changed").isEqualTo(10);
    }
}
