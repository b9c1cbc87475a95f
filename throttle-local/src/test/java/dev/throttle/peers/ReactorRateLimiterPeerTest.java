package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.ThrottledException;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.reactor.ReactorThrottle;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.StepVerifierOptions;
import reactor.util.context.Context;

/**
 * Behaviours of Resilience4j's MonoRateLimiterTest, FluxRateLimiterTest, RateLimiterOperatorContextTest and
 * CombinedOperatorsTest, in throttle's terms: a rate limit guarded per subscription ({@code mono()}, {@code flux()})
 * or per element ({@code perElement()}).
 */
class ReactorRateLimiterPeerTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private RateLimiter bucket(long capacity, Rate refill) {
        return engine.rateLimiter("rate", TokenBucket.of(capacity, refill));
    }

    @Test
    void monoEmitsAndSpendsOnePermitPerSubscription() {
        RateLimiter rate = bucket(10, Rate.perSecond(1));
        Mono<String> guarded = Mono.just("Event").transform(ReactorThrottle.of(rate).mono());
        StepVerifier.create(guarded).expectNext("Event").verifyComplete();
        StepVerifier.create(guarded).expectNext("Event").verifyComplete();
        assertThat(rate.availablePermits()).isEqualTo(8);
    }

    @Test
    void monoErrorIsPropagatedAfterSpendingOnePermit() {
        RateLimiter rate = bucket(10, Rate.perSecond(1));
        StepVerifier.create(Mono.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(rate).mono()))
                .expectSubscription()
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(rate.availablePermits()).isEqualTo(9);
    }

    @Test
    void aWaitForARatePermitDelaysTheSubscriptionUntilTheEnginesClockGrantsIt() {
        RateLimiter rate = bucket(1, Rate.perSecond(1));
        assertThat(rate.allow()).isTrue();
        AtomicBoolean subscribed = new AtomicBoolean();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Mono.<String>error(new IOException("BAM!")).doOnSubscribe(s -> subscribed.set(true))
                .transform(ReactorThrottle.of(rate).maxWait(Duration.ofSeconds(2)).mono())
                .subscribe(value -> { }, error::set);
        clock.advance(Duration.ofSeconds(1).minusNanos(1));
        assertThat(subscribed).as("not yet").isFalse();
        assertThat(error.get()).isNull();
        clock.advance(Duration.ofNanos(1));
        assertThat(subscribed).isTrue();
        assertThat(error.get()).isInstanceOf(IOException.class);
    }

    @Test
    void monoRefusedByAnExhaustedRateFailsWithThrottledExceptionWithoutSubscribing() {
        RateLimiter rate = bucket(1, Rate.perMinute(1));
        assertThat(rate.allow()).isTrue();
        AtomicBoolean subscribed = new AtomicBoolean();
        StepVerifier.create(Mono.just("Event").doOnSubscribe(s -> subscribed.set(true))
                        .transform(ReactorThrottle.of(rate).mono()))
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(ThrottledException.class,
                        t -> assertThat(t.retryAfter()).isPositive()))
                .verify(Duration.ofSeconds(1));
        StepVerifier.create(Mono.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(rate).mono()))
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(subscribed).isFalse();
    }

    /** Throttle documents one permit per subscription for flux(); per element is perElement(). */
    @Test
    void fluxSpendsOnePermitPerSubscriptionAndPerElementOnePerElement() {
        RateLimiter rate = bucket(10, Rate.perMinute(1));
        StepVerifier.create(Flux.just("Event 1", "Event 2").transform(ReactorThrottle.of(rate).flux()))
                .expectNext("Event 1", "Event 2")
                .verifyComplete();
        assertThat(rate.availablePermits()).as("flux(): per subscription").isEqualTo(9);
        StepVerifier.create(Flux.just("Event 1", "Event 2").transform(ReactorThrottle.of(rate).perElement()))
                .expectNext("Event 1", "Event 2")
                .verifyComplete();
        assertThat(rate.availablePermits()).as("perElement(): per element").isEqualTo(7);
    }

    @Test
    void fluxErrorIsPropagated() {
        RateLimiter rate = bucket(10, Rate.perMinute(1));
        StepVerifier.create(Flux.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(rate).flux()))
                .expectSubscription()
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        StepVerifier.create(Flux.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(rate)
                        .perElement()))
                .expectSubscription()
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(rate.availablePermits()).isEqualTo(9);
    }

    @Test
    void fluxRefusalWinsOverAnErrorOfTheSourceImmediateOrDelayed() {
        RateLimiter rate = bucket(1, Rate.perMinute(1));
        assertThat(rate.allow()).isTrue();
        StepVerifier.create(Flux.just("Event").transform(ReactorThrottle.of(rate).flux()))
                .expectSubscription()
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        StepVerifier.create(Flux.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(rate).flux()))
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        StepVerifier.create(Flux.<String>error(new IOException("BAM!"), true).transform(ReactorThrottle.of(rate)
                        .flux()))
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(rate.availablePermits()).isZero();
    }

    // ---- RateLimiterOperatorContextTest ----

    @Test
    void contextReachesTheSourceWithAndWithoutAWait() {
        for (boolean wait : new boolean[] {false, true}) {
            for (boolean flux : new boolean[] {false, true}) {
                RateLimiter rate = engine.rateLimiter("ctx-" + wait + flux, TokenBucket.of(1, Rate.perSecond(1)));
                if (wait) {
                    assertThat(rate.allow()).isTrue();
                }
                ReactorThrottle guard = ReactorThrottle.of(rate).maxWait(Duration.ofSeconds(2));
                Flux<String> guarded = flux
                        ? Flux.deferContextual(c -> Flux.just(c.getOrDefault("tenant", "missing"), "second"))
                                .transform(guard.flux())
                        : Mono.deferContextual(c -> Mono.just(c.getOrDefault("tenant", "missing")))
                                .transform(guard.mono()).flux();
                List<String> got = new CopyOnWriteArrayList<>();
                guarded.contextWrite(Context.of("tenant", "A")).subscribe(got::add);
                clock.advance(Duration.ofSeconds(1));
                assertThat(got).as("wait=" + wait + " flux=" + flux).first().isEqualTo("A");
            }
        }
    }

    @Test
    void perElementKeepsTheContext() {
        RateLimiter rate = bucket(10, Rate.perSecond(1));
        StepVerifier.create(Flux.deferContextual(c -> Flux.just(c.getOrDefault("tenant", "missing")))
                        .transform(ReactorThrottle.of(rate).perElement()),
                        StepVerifierOptions.create().withInitialContext(Context.of("tenant", "A")))
                .expectNext("A")
                .verifyComplete();
    }

    // ---- perElement: cancel, refusal ----

    @Test
    void cancellingAPerElementFluxWhileAnElementWaitsWithdrawsItsReservation() {
        RateLimiter rate = bucket(1, Rate.perSecond(1));
        List<Integer> got = new CopyOnWriteArrayList<>();
        Disposable running = Flux.range(1, 3).transform(ReactorThrottle.of(rate).maxWait(Duration.ofSeconds(10))
                .perElement()).subscribe(got::add);
        assertThat(got).containsExactly(1);
        running.dispose();
        clock.advance(Duration.ofSeconds(1));
        assertThat(got).containsExactly(1);
        assertThat(rate.availablePermits()).as("the withdrawn reservation is not spent").isEqualTo(1);
    }

    @Test
    void aPerElementRefusalFailsTheFluxAndCancelsUpstream() {
        RateLimiter rate = bucket(1, Rate.perMinute(1));
        AtomicInteger cancels = new AtomicInteger();
        StepVerifier.create(Flux.range(1, 100).doOnCancel(cancels::incrementAndGet)
                        .transform(ReactorThrottle.of(rate).maxWait(Duration.ofSeconds(1)).perElement()))
                .expectNext(1)
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(cancels).hasValue(1);
    }

    // ---- CombinedOperatorsTest ----

    @Test
    void bulkheadThenRateOnOneFluxEmitsAndFreesBoth() {
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
        RateLimiter rate = bucket(5, Rate.perMinute(1));
        StepVerifier.create(Flux.just("Event 1", "Event 2")
                        .transform(ReactorThrottle.of(bulkhead).flux())
                        .transform(ReactorThrottle.of(rate).flux()))
                .expectNext("Event 1", "Event 2")
                .verifyComplete();
        StepVerifier.create(Mono.just("Event 1")
                        .transform(ReactorThrottle.of(bulkhead).mono())
                        .transform(ReactorThrottle.of(rate).mono()))
                .expectNext("Event 1")
                .verifyComplete();
        StepVerifier.create(Flux.<String>error(new IOException("BAM!"))
                        .transform(ReactorThrottle.of(bulkhead).flux())
                        .transform(ReactorThrottle.of(rate).flux()))
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        assertThat(rate.availablePermits()).isEqualTo(2);
    }

    @Test
    void anInnerRefusalSurfacesThroughTheOuterGuardWhichEndsItsPermit() {
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
        RateLimiter rate = bucket(1, Rate.perMinute(1));
        assertThat(rate.allow()).isTrue();
        AtomicBoolean subscribed = new AtomicBoolean();
        StepVerifier.create(Flux.<String>error(new IOException("BAM!"), true).doOnSubscribe(s -> subscribed.set(true))
                        .transform(ReactorThrottle.of(rate).flux())
                        .transform(ReactorThrottle.of(bulkhead).flux()))
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(subscribed).isFalse();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void aRefusalIsNotCountedAsSpent() {
        RateLimiter rate = bucket(2, Rate.perMinute(1));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Limiter bulkhead = engine.limiter("b2", Concurrency.of(1));
        Permit held = bulkhead.tryAcquire(1);
        Mono.just("x").transform(ReactorThrottle.of(rate).mono()).transform(ReactorThrottle.of(bulkhead).mono())
                .subscribe(v -> { }, failure::set);
        assertThat(failure.get()).isInstanceOf(ThrottledException.class);
        assertThat(rate.availablePermits()).as("the inner rate guard never ran").isEqualTo(2);
        held.close();
    }
}
