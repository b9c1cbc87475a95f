package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// tag::permit[]
import dev.throttle.Permit;
// end::permit[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: a decision with details; and what never() is for. */
class PermitSnippetTest extends ManualClockFixture {

    private final dev.throttle.RateLimiter api =
            engine.rateLimiter("api", dev.throttle.TokenBucket.of(10, dev.throttle.Rate.perSecond(100)));
    private final java.util.List<String> handled = new java.util.ArrayList<>();
    private final java.util.List<String> answered429 = new java.util.ArrayList<>();

    void decide(String request) {
        // tag::permit[]
        Permit permit = api.tryAcquire();          // or tryAcquire(permits), from 1 to the capacity
        if (permit.granted()) {
            handle(request);
        } else {
            respond429(permit.retryAfter(), permit.remaining(), permit.limit());
        }
        // end::permit[]
    }

    private void handle(String request) {
        handled.add(request);
    }

    private void respond429(java.time.Duration retryAfter, long remaining, long limit) {
        answered429.add(retryAfter.toMillis() + " ms, " + remaining + " of " + limit);
    }

    @Test
    void aRefusalSaysWhenARetryCouldSucceedWhatRemainsAndTheLimit() {
        for (int i = 0; i < 11; i++) {
            decide("request " + i);
        }
        assertThat(handled).hasSize(10);
        assertThat(answered429).containsExactly("10 ms, 0 of 10");
    }

    @Test
    void moreThanTheCapacityIsABugNotARefusal() {
        assertThatThrownBy(() -> api.tryAcquire(11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThat(api.availablePermits()).as("nothing changed").isEqualTo(10);
    }

    @Test
    void neverIsForALimitLoweredBelowARequestAfterItWasChecked() throws Exception {
        dev.throttle.Limiter pool = engine.limiter("pool", dev.throttle.Concurrency.of(3, 10));
        Permit held = pool.tryAcquire(3);
        java.util.concurrent.CompletableFuture<Permit> waiting = pool.acquireAsync(2, java.time.Duration.ofSeconds(5));
        dev.throttle.local.LocalEngine.reconfigure(pool, dev.throttle.Concurrency.of(1, 10));
        Permit refused = waiting.get(1, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.never()).isTrue();
        assertThat(refused.retryAfter()).isEqualTo(java.time.temporal.ChronoUnit.FOREVER.getDuration());
        held.close();
    }
}
