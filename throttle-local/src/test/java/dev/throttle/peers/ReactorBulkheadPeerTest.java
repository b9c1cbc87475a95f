package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.local.LocalEngine;
import dev.throttle.reactor.ReactorThrottle;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.subscriber.TestSubscriber;
import reactor.util.context.Context;

/**
 * Behaviours of Resilience4j's MonoBulkheadTest, FluxBulkheadTest and BulkheadOperatorQueueingTest, in throttle's
 * terms: a {@link Concurrency} limiter guarded by {@link ReactorThrottle#mono()} / {@link ReactorThrottle#flux()}.
 */
class ReactorBulkheadPeerTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final Limiter real = engine.limiter("bulkhead", Concurrency.of(1, 100));
    private final EndCountingLimiter bulkhead = new EndCountingLimiter(real);

    private ConcurrencyStats stats() {
        return (ConcurrencyStats) real;
    }

    private void assertAllFree() {
        assertThat(stats().inFlight()).as("in flight").isZero();
        assertThat(stats().queueLength()).as("queued").isZero();
        assertThat(real.availablePermits()).as("available").isEqualTo(1);
    }

    // ---- MonoBulkheadTest / FluxBulkheadTest ----

    @Test
    void monoValueIsEmittedAndThePermitClosedOnce() {
        StepVerifier.create(Mono.just("Event").transform(ReactorThrottle.of(bulkhead).mono()))
                .expectNext("Event")
                .verifyComplete();
        assertThat(bulkhead.grants).hasValue(1);
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void emptyMonoClosesThePermitOnce() {
        StepVerifier.create(Mono.<String>empty().transform(ReactorThrottle.of(bulkhead).mono()))
                .verifyComplete();
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void monoErrorIsPropagatedAndThePermitClosedOnceNotDropped() {
        StepVerifier.create(Mono.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(bulkhead).mono()))
                .expectSubscription()
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.drops).hasValue(0);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void monoRefusedByAFullBulkheadFailsWithThrottledExceptionWithoutSubscribingUpstream() {
        Permit held = real.tryAcquire(1);
        AtomicBoolean subscribed = new AtomicBoolean();
        StepVerifier.create(Mono.just("Event").doOnSubscribe(s -> subscribed.set(true))
                        .transform(ReactorThrottle.of(bulkhead).mono()))
                .expectSubscription()
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(subscribed).isFalse();
        assertThat(bulkhead.ends()).isZero();
        assertThat(stats().inFlight()).as("the holder's permit only").isEqualTo(1);
        held.close();
        assertAllFree();
    }

    @Test
    void monoRefusalWinsOverAnErrorTheSourceWouldRaiseOnSubscribe() {
        Permit held = real.tryAcquire(1);
        StepVerifier.create(Mono.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(bulkhead).mono()))
                .expectSubscription()
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        held.close();
        assertAllFree();
    }

    @Test
    void cancellingAMonoThatHoldsItsPermitClosesItOnce() {
        StepVerifier.withVirtualTime(() -> Mono.just("Event").delayElement(Duration.ofHours(1))
                        .transform(ReactorThrottle.of(bulkhead).mono()))
                .expectSubscription()
                .then(() -> assertThat(stats().inFlight()).isEqualTo(1))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    /**
     * R4j shouldOnceEmitCompleteWhenErrorInCompleteEvent: a failure in the operator's own end-of-call bookkeeping
     * reaches the subscriber once and does not leak. Throttle's counterpart of user code running at the end of a
     * subscription is the {@code droppedOn} predicate: when it throws, the permit is closed and the subscriber gets
     * the predicate's exception with the source's failure suppressed.
     */
    @Test
    void aThrowingDroppedOnPredicateClosesThePermitAndFailsTheSubscriberWithIt() {
        IllegalStateException broken = new IllegalStateException("predicate bug");
        IOException failure = new IOException("BAM!");
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).droppedOn(e -> {
            throw broken;
        });
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AtomicInteger completions = new AtomicInteger();
        Mono.<String>error(failure).transform(guard.mono())
                .subscribe(value -> { }, errors::add, completions::incrementAndGet);
        assertThat(errors).containsExactly(broken);
        assertThat(broken.getSuppressed()).containsExactly(failure);
        assertThat(completions).hasValue(0);
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    /** As above, with the source failing later (not inside the grant's callback): the common case. */
    @Test
    void aThrowingDroppedOnPredicateOnALaterFailureClosesThePermitAndFailsTheSubscriberWithIt() {
        IllegalStateException broken = new IllegalStateException("predicate bug");
        IOException failure = new IOException("BAM!");
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).droppedOn(e -> {
            throw broken;
        });
        Sinks.One<String> answer = Sinks.one();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        answer.asMono().transform(guard.mono()).subscribe(value -> { }, errors::add);
        assertThat(stats().inFlight()).isEqualTo(1);
        assertThat(answer.tryEmitError(failure)).as("nothing thrown back at the emitting code")
                .isEqualTo(Sinks.EmitResult.OK);
        assertThat(errors).containsExactly(broken);
        assertThat(broken.getSuppressed()).containsExactly(failure);
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void fluxEventsAreEmittedAndThePermitClosedOnce() {
        StepVerifier.create(Flux.just("Event 1", "Event 2").transform(ReactorThrottle.of(bulkhead).flux()))
                .expectNext("Event 1")
                .expectNext("Event 2")
                .verifyComplete();
        assertThat(bulkhead.grants).as("one permit per subscription").hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void fluxErrorIsPropagatedAndThePermitClosedOnce() {
        StepVerifier.create(Flux.<String>error(new IOException("BAM!")).transform(ReactorThrottle.of(bulkhead).flux()))
                .expectSubscription()
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void fluxRefusedByAFullBulkheadFailsWithThrottledException() {
        Permit held = real.tryAcquire(1);
        AtomicBoolean subscribed = new AtomicBoolean();
        StepVerifier.create(Flux.just("Event").doOnSubscribe(s -> subscribed.set(true))
                        .transform(ReactorThrottle.of(bulkhead).flux()))
                .expectSubscription()
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(subscribed).isFalse();
        assertThat(stats().inFlight()).isEqualTo(1);
        held.close();
        assertAllFree();
    }

    @Test
    void fluxRefusalWinsOverAnErrorOfTheSourceEvenDelayed() {
        Permit held = real.tryAcquire(1);
        StepVerifier.create(Flux.<String>error(new IOException("BAM!"), true)
                        .transform(ReactorThrottle.of(bulkhead).flux()))
                .expectSubscription()
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        StepVerifier.create(Flux.<String>error(new IOException("BAM!"))
                        .transform(ReactorThrottle.of(bulkhead).flux()))
                .expectSubscription()
                .expectError(ThrottledException.class)
                .verify(Duration.ofSeconds(1));
        held.close();
        assertAllFree();
    }

    // ---- Flux ended midway ----

    @Test
    void takeNCancelsTheGuardedFluxMidwayAndClosesThePermitOnce() {
        AtomicInteger cancels = new AtomicInteger();
        StepVerifier.create(Flux.range(1, 100).doOnCancel(cancels::incrementAndGet)
                        .transform(ReactorThrottle.of(bulkhead).flux()).take(3))
                .expectNext(1, 2, 3)
                .verifyComplete();
        assertThat(cancels).as("upstream cancelled once").hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aFluxCancelledMidwayClosesThePermitOnce() {
        StepVerifier.withVirtualTime(() -> Flux.interval(Duration.ofSeconds(1))
                        .transform(ReactorThrottle.of(bulkhead).flux()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(0L, 1L)
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void nextOnAGuardedFluxClosesThePermitOnce() {
        StepVerifier.create(Flux.just(1, 2, 3).transform(ReactorThrottle.of(bulkhead).flux()).next())
                .expectNext(1)
                .verifyComplete();
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aMonoConvertedToAFutureClosesItsPermit() throws Exception {
        String value = Mono.just("Event").transform(ReactorThrottle.of(bulkhead).mono()).toFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(value).isEqualTo("Event");
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    // ---- user callbacks that throw ----

    @Test
    void anOperatorDownstreamThatThrowsEndsThePermitOnce() {
        StepVerifier.create(Flux.just(1, 2, 3).transform(ReactorThrottle.of(bulkhead).flux())
                        .map(i -> {
                            if (i == 2) {
                                throw new IllegalStateException("map failed");
                            }
                            return i;
                        }))
                .expectNext(1)
                .expectErrorMessage("map failed")
                .verify(Duration.ofSeconds(1));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void anOperatorUpstreamThatThrowsEndsThePermitOnce() {
        StepVerifier.create(Mono.just(1).map(i -> {
                            throw new IllegalStateException("upstream map failed");
                        })
                        .transform(ReactorThrottle.of(bulkhead).mono()))
                .expectErrorMessage("upstream map failed")
                .verify(Duration.ofSeconds(1));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aSubscriberConsumerThatThrowsDoesNotLeakThePermit() {
        Flux.just(1, 2, 3).transform(ReactorThrottle.of(bulkhead).flux())
                .subscribe(i -> {
                    throw new IllegalStateException("consumer failed");
                }, failure -> { });
        Mono.just(1).transform(ReactorThrottle.of(bulkhead).mono())
                .subscribe(i -> {
                    throw new IllegalStateException("consumer failed");
                }, failure -> { });
        assertThat(bulkhead.grants).hasValue(2);
        assertThat(bulkhead.ends()).isEqualTo(2);
        assertAllFree();
    }

    // ---- subscription happens once, per subscriber ----

    @Test
    void eachSubscriptionSubscribesUpstreamOnceWithItsOwnPermit() {
        AtomicInteger subscriptions = new AtomicInteger();
        Mono<String> guarded = Mono.fromCallable(() -> "v" + subscriptions.incrementAndGet())
                .transform(ReactorThrottle.of(bulkhead).mono());
        StepVerifier.create(guarded).expectNext("v1").verifyComplete();
        StepVerifier.create(guarded).expectNext("v2").verifyComplete();
        assertThat(subscriptions).hasValue(2);
        assertThat(bulkhead.requests).as("one permit request per subscription").hasValue(2);
        assertThat(bulkhead.ends()).isEqualTo(2);
        assertAllFree();
    }

    // ---- BulkheadOperatorQueueingTest ----

    @Test
    @Timeout(5)
    void aSubscriptionToAFullBulkheadWaitsWithoutBlocking() {
        Permit held = real.tryAcquire(1);
        AtomicReference<String> result = new AtomicReference<>();
        Disposable subscription = Mono.just("Event")
                .transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofMinutes(10)).mono())
                .subscribe(result::set);
        assertThat(result.get()).isNull();
        assertThat(stats().queueLength()).isEqualTo(1);
        held.close();
        assertThat(result.get()).isEqualTo("Event");
        subscription.dispose();
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    @Timeout(5)
    void queuedSubscriptionsAreGrantedFifoAndReleasingOneCascades() {
        Permit held = real.tryAcquire(1);
        List<String> results = new CopyOnWriteArrayList<>();
        ReactorThrottle waiting = ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(10));
        Mono.just("first").transform(waiting.mono()).subscribe(results::add);
        Mono.just("second").transform(waiting.mono()).subscribe(results::add);
        Mono.just("third").transform(waiting.mono()).subscribe(results::add);
        assertThat(results).isEmpty();
        held.close();
        assertThat(results).containsExactly("first", "second", "third");
        assertThat(bulkhead.ends()).isEqualTo(3);
        assertAllFree();
    }

    @Test
    void aWaitThatRunsOutIsAThrottledExceptionAfterMaxWaitOnTheEnginesClock() {
        Permit held = real.tryAcquire(1);
        AtomicBoolean subscribed = new AtomicBoolean();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Mono.just("Event").doOnSubscribe(s -> subscribed.set(true))
                .transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofMillis(100)).mono())
                .subscribe(value -> { }, error::set);
        clock.advance(Duration.ofMillis(99));
        assertThat(error.get()).isNull();
        assertThat(stats().queueLength()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(error.get()).isInstanceOf(ThrottledException.class);
        assertThat(subscribed).isFalse();
        held.close();
        assertAllFree();
    }

    @Test
    @Timeout(5)
    void aCancelledWaiterDoesNotConsumeTheReleasedPermit() {
        Permit held = real.tryAcquire(1);
        Disposable waiting = Mono.just("never")
                .transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(10)).mono()).subscribe();
        waiting.dispose();
        held.close();
        assertAllFree();
        StepVerifier.create(Mono.just("after").transform(ReactorThrottle.of(bulkhead).mono()))
                .expectNext("after")
                .verifyComplete();
        assertAllFree();
    }

    @Test
    @Timeout(5)
    void cancelAfterAQueuedGrantReleasesThePermitOnce() {
        Permit held = real.tryAcquire(1);
        Disposable waiting = Mono.never().transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(10))
                .mono()).subscribe();
        held.close();
        assertThat(stats().inFlight()).as("the queued subscription holds the released permit").isEqualTo(1);
        waiting.dispose();
        waiting.dispose();
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    @Timeout(5)
    void anUpstreamErrorAfterAQueuedGrantReleasesThePermit() {
        Permit held = real.tryAcquire(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        Mono.error(new IOException("BAM!")).transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(10))
                .mono()).subscribe(value -> { }, error::set);
        held.close();
        assertThat(error.get()).isInstanceOf(IOException.class);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    @Timeout(5)
    void aQueuedFluxDeliversAllItsElements() {
        Permit held = real.tryAcquire(1);
        List<String> results = new CopyOnWriteArrayList<>();
        Flux.just("Event 1", "Event 2").transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(10))
                .flux()).subscribe(results::add);
        assertThat(results).isEmpty();
        held.close();
        assertThat(results).containsExactly("Event 1", "Event 2");
        assertAllFree();
    }

    @Test
    void requestsMadeBeforeAndAfterAQueuedGrantAreHonoured() {
        Permit held = real.tryAcquire(1);
        TestSubscriber<String> subscriber = TestSubscriber.<String>builder().initialRequest(0).build();
        Flux.just("Event 1", "Event 2", "Event 3")
                .transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(10)).flux())
                .subscribe(subscriber);
        subscriber.request(1);
        assertThat(subscriber.getReceivedOnNext()).isEmpty();
        held.close();
        assertThat(subscriber.getReceivedOnNext()).containsExactly("Event 1");
        assertThat(subscriber.isTerminated()).isFalse();
        subscriber.request(2);
        assertThat(subscriber.getReceivedOnNext()).containsExactly("Event 1", "Event 2", "Event 3");
        assertThat(subscriber.isTerminatedComplete()).isTrue();
        assertAllFree();
    }

    @Test
    @Timeout(5)
    void aGrantThatLosesTheRaceWithACancelIsGivenBackWithoutSubscribingUpstream() {
        AtomicInteger givenBack = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        CompletableFuture<Permit> decision = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                return false; // the grant is already on its way
            }
        };
        Limiter scripted = new ScriptedLimiter(decision);
        AtomicBoolean subscribed = new AtomicBoolean();
        Disposable waiting = Mono.just("Event").doOnSubscribe(s -> subscribed.set(true))
                .transform(ReactorThrottle.of(scripted).maxWait(Duration.ofSeconds(1)).mono()).subscribe();
        waiting.dispose();
        decision.complete(new ScriptedLimiter.Grant(givenBack, closed));
        assertThat(subscribed).as("upstream must not be subscribed for a cancelled subscriber").isFalse();
        assertThat(givenBack).hasValue(1);
        assertThat(closed).as("closed only by giveBack itself").hasValue(0);
    }

    @Test
    @Timeout(5)
    void contextReachesTheSourceAcrossAQueuedGrant() {
        Permit held = real.tryAcquire(1);
        AtomicReference<Object> result = new AtomicReference<>();
        Mono.deferContextual(context -> Mono.just(context.getOrDefault("key", "missing")))
                .transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(10)).mono())
                .contextWrite(Context.of("key", "value"))
                .subscribe(result::set, result::set);
        assertThat(result.get()).isNull();
        held.close();
        assertThat(result.get()).isEqualTo("value");
        assertAllFree();
    }

    @Test
    void contextReachesTheSourceOnAnImmediateGrant() {
        StepVerifier.create(Mono.deferContextual(context -> Mono.just(context.getOrDefault("key", "missing")))
                        .transform(ReactorThrottle.of(bulkhead).mono())
                        .contextWrite(Context.of("key", "value")))
                .expectNext("value")
                .verifyComplete();
        StepVerifier.create(Flux.deferContextual(context -> Flux.just(context.getOrDefault("key", "missing"), "2"))
                        .transform(ReactorThrottle.of(bulkhead).flux())
                        .contextWrite(Context.of("key", "value")))
                .expectNext("value", "2")
                .verifyComplete();
        assertAllFree();
    }

    /**
     * A limiter whose one decision the test completes by hand: asked without waiting it answers that decision if the
     * test has made it, else a refusal until a permit is released; asked to wait it waits for the test.
     */
    static final class ScriptedLimiter implements Limiter {
        private final CompletableFuture<Permit> decision;

        ScriptedLimiter(CompletableFuture<Permit> decision) {
            this.decision = decision;
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public LimitSpec spec() {
            return Concurrency.of(1, 10);
        }

        @Override
        public Permit tryAcquire(long permits) {
            return decision.getNow(RefusedPermit.untilReleased(name(), permits, 0L, 1L));
        }

        @Override
        public Permit acquire(long permits, Duration maxWait) {
            return decision.join();
        }

        @Override
        public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
            return decision;
        }

        @Override
        public long availablePermits() {
            return 0;
        }

        record Grant(AtomicInteger givenBack, AtomicInteger closed) implements Permit {
            @Override public boolean granted() { return true; }
            @Override public long permits() { return 1; }
            @Override public long retryAfterNanos() { return 0; }
            @Override public long remaining() { return 0; }
            @Override public long limit() { return 1; }
            @Override public String limiterName() { return "scripted"; }
            @Override public void close() { closed.incrementAndGet(); }
            @Override public void dropped() { closed.incrementAndGet(); }
            @Override public void settle(long actualPermits) { }
            @Override public void giveBack() { givenBack.incrementAndGet(); }
        }
    }
}
