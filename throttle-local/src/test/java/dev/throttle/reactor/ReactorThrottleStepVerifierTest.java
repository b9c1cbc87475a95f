package dev.throttle.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.ThrottledException;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.micrometer.ThrottleMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The Reactor operators as Reactor's own tooling sees them: {@link StepVerifier} on every signal, and Reactor's virtual
 * time where the guarded source keeps time with Reactor's schedulers ({@code Mono.delay}, {@code Flux.interval},
 * {@code timeout}). The limiters keep the engine's time, a {@link ManualClock}, so a wait for a permit is moved on by
 * that clock; a source's own time is moved on by the virtual clock. Every test ends with the permits counted.
 */
class ReactorThrottleStepVerifierTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Limiter bulkhead = ThrottleMetrics.meter(engine.limiter("bulkhead", Concurrency.of(1, 10)), registry);

    private ConcurrencyStats stats() {
        return (ConcurrencyStats) bulkhead;
    }

    @Test
    void aDelayedMonoHoldsItsPermitForTheWholeVirtualDelay() {
        StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofSeconds(10)).transform(ReactorThrottle.of(bulkhead)
                        .mono()))
                .expectSubscription()
                .then(() -> assertThat(stats().inFlight()).as("taken on subscription").isEqualTo(1))
                .thenAwait(Duration.ofSeconds(9))
                .then(() -> assertThat(stats().inFlight()).as("held while the source runs").isEqualTo(1))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(0L)
                .verifyComplete();

        assertThat(stats().inFlight()).isZero();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void aFluxHoldsOnePermitForAllItsElementsAndAnotherSubscriptionIsRefusedMeanwhile() {
        StepVerifier.withVirtualTime(() -> Flux.interval(Duration.ofSeconds(1)).take(3)
                        .transform(ReactorThrottle.of(bulkhead).flux()))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(1))
                .expectNext(0L)
                .then(() -> StepVerifier.create(Mono.just("other").transform(ReactorThrottle.of(bulkhead).mono()))
                        .expectErrorSatisfies(refusal -> assertThat(refusal).isInstanceOf(ThrottledException.class))
                        .verify(Duration.ofSeconds(5)))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(1L, 2L)
                .verifyComplete();

        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void aVirtualTimeoutOfTheSourceReportsThePermitDroppedOnce() {
        StepVerifier.withVirtualTime(() -> Mono.never().timeout(Duration.ofSeconds(5))
                        .transform(ReactorThrottle.of(bulkhead).droppedOn(TimeoutException.class::isInstance).mono()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(5))
                .expectError(TimeoutException.class)
                .verify();

        assertThat(registry.get("throttle.dropped").counter().count()).as("dropped, not closed, once").isEqualTo(1.0);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void perElementPacingFollowsTheLimitersClockOneElementPerPermit() {
        RateLimiter rate = engine.rateLimiter("pace", TokenBucket.of(2, Rate.perSecond(1)));

        StepVerifier.create(Flux.range(1, 4).transform(ReactorThrottle.of(rate).maxWait(Duration.ofMinutes(1))
                        .perElement()))
                .expectNext(1, 2)
                .then(() -> assertThat(clock.pendingTasks()).as("the third waits on the engine's clock").isPositive())
                .then(() -> clock.advance(Duration.ofSeconds(1)))
                .expectNext(3)
                .then(() -> clock.advance(Duration.ofSeconds(1)))
                .expectNext(4)
                .verifyComplete();
    }

    @Test
    void cancellingASubscriptionThatWaitsForItsPermitLeavesTheQueue() {
        StepVerifier.create(Mono.never().transform(ReactorThrottle.of(bulkhead).mono()))
                .expectSubscription()
                .then(() -> assertThat(stats().inFlight()).isEqualTo(1))
                .then(() -> StepVerifier.create(Mono.just("second").transform(ReactorThrottle.of(bulkhead)
                                .maxWait(Duration.ofSeconds(30)).mono()))
                        .expectSubscription()
                        .then(() -> assertThat(stats().queueLength()).as("waiting").isEqualTo(1))
                        .thenCancel()
                        .verify(Duration.ofSeconds(5)))
                .then(() -> assertThat(stats().queueLength()).as("withdrawn").isZero())
                .thenCancel()
                .verify(Duration.ofSeconds(5));

        assertThat(stats().inFlight()).isZero();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }
}
