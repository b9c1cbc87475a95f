package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import dev.throttle.local.LocalEngine;
import dev.throttle.reactor.ReactorThrottle;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * Behaviours of Resilience4j's RetryOperatorTest and TimeLimiterOperatorTest, in throttle's terms: throttle has no
 * Reactor retry or time-limiter operator, so these are Reactor's {@code retry}/{@code retryWhen}/{@code timeout}
 * composed with a guarded bulkhead, checking that every attempt takes and ends its own permit once.
 */
class ReactorRetryTimeoutPeerTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final Limiter real = engine.limiter("bulkhead", Concurrency.of(1, 10));
    private final EndCountingLimiter bulkhead = new EndCountingLimiter(real);

    private void assertAllFree() {
        assertThat(((ConcurrencyStats) real).inFlight()).isZero();
        assertThat(((ConcurrencyStats) real).queueLength()).isZero();
        assertThat(real.availablePermits()).isEqualTo(1);
    }

    // ---- RetryOperatorTest ----

    @Test
    void retryDownstreamResubscribesWithAFreshPermitEachAttempt() {
        AtomicInteger calls = new AtomicInteger();
        Mono<String> guarded = Mono.fromCallable(() -> {
            if (calls.incrementAndGet() <= 2) {
                throw new IOException("attempt " + calls.get());
            }
            return "Hello world";
        }).transform(ReactorThrottle.of(bulkhead).mono()).retry(3);
        StepVerifier.create(guarded).expectNext("Hello world").verifyComplete();
        assertThat(calls).hasValue(3);
        assertThat(bulkhead.grants).as("the permit of a failed attempt is free before the retry").hasValue(3);
        assertThat(bulkhead.ends()).isEqualTo(3);
        assertAllFree();
    }

    @Test
    void retriesExhaustedPropagateTheLastErrorWithEveryPermitEnded() {
        AtomicInteger calls = new AtomicInteger();
        StepVerifier.create(Mono.fromCallable(() -> {
                    calls.incrementAndGet();
                    throw new IOException("BAM!");
                }).transform(ReactorThrottle.of(bulkhead).mono()).retry(2))
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(calls).hasValue(3);
        assertThat(bulkhead.grants).hasValue(3);
        assertThat(bulkhead.ends()).isEqualTo(3);
        assertAllFree();
    }

    @Test
    void aRetryFilterThatDoesNotMatchMakesOneAttempt() {
        AtomicInteger calls = new AtomicInteger();
        StepVerifier.create(Mono.fromCallable(() -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("not retried");
                }).transform(ReactorThrottle.of(bulkhead).mono())
                        .retryWhen(Retry.max(3).filter(IOException.class::isInstance)))
                .expectError(IllegalStateException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(calls).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void retryUpstreamOfTheGuardKeepsOnePermitForAllAttempts() {
        AtomicInteger calls = new AtomicInteger();
        StepVerifier.create(Mono.fromCallable(() -> {
                    if (calls.incrementAndGet() <= 2) {
                        throw new IOException("again");
                    }
                    return "ok";
                }).retry(3).transform(ReactorThrottle.of(bulkhead).mono()))
                .expectNext("ok")
                .verifyComplete();
        assertThat(bulkhead.grants).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aFluxErrorIsRetriedPerSubscription() {
        AtomicInteger subscriptions = new AtomicInteger();
        StepVerifier.create(Flux.<String>error(new IOException("BAM!"))
                        .doOnSubscribe(s -> subscriptions.incrementAndGet())
                        .transform(ReactorThrottle.of(bulkhead).flux()).retry(2))
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(subscriptions).hasValue(3);
        assertThat(bulkhead.ends()).isEqualTo(3);
        assertAllFree();
    }

    @Test
    void aRefusalCanBeRetriedWithBackoffUntilThePermitIsFree() {
        Permit held = real.tryAcquire(1);
        StepVerifier.withVirtualTime(() -> Mono.just("Event").transform(ReactorThrottle.of(bulkhead).mono())
                        .retryWhen(Retry.fixedDelay(5, Duration.ofSeconds(1))
                                .filter(ThrottledException.class::isInstance)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .then(held::close)
                .thenAwait(Duration.ofSeconds(1))
                .expectNext("Event")
                .verifyComplete();
        assertThat(bulkhead.refusals).as("refused before the holder let go").hasValue(2);
        assertThat(bulkhead.grants).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aNonFatalErrorOfTheSourceIsPropagatedAndEndsThePermit() {
        StepVerifier.create(Mono.fromCallable(() -> {
                    throw new Error("BAM!");
                }).transform(ReactorThrottle.of(bulkhead).mono()))
                .expectError(Error.class)
                .verify(Duration.ofSeconds(1));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    /**
     * R4j shouldNotRetryUsingMonoStackOverFlow: a JVM-fatal error is not lost. Reactor throws such an error from the
     * source's subscribe rather than signalling it (here from Mono.fromCallable); the guard, which subscribes the
     * source when the permit is granted, fails the subscriber with it and closes the permit.
     */
    @Test
    void aJvmFatalErrorThrownBySubscribingTheSourceFailsTheSubscriberAndClosesThePermit() {
        NoClassDefFoundError fatal = new NoClassDefFoundError("com/example/Missing");
        List<Throwable> signalled = new CopyOnWriteArrayList<>();
        Mono.fromCallable(() -> {
            throw fatal;
        }).transform(ReactorThrottle.of(bulkhead).mono()).subscribe(v -> { }, signalled::add);
        assertThat(signalled).containsExactly(fatal);
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    // ---- TimeLimiterOperatorTest ----

    @Test
    void aMonoFasterThanItsTimeoutEmitsAndClosesThePermit() {
        StepVerifier.withVirtualTime(() -> Mono.fromCallable(() -> "Hello world")
                        .transform(ReactorThrottle.of(bulkhead).mono()).timeout(Duration.ofMinutes(1)))
                .expectNext("Hello world")
                .verifyComplete();
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aTimeoutDownstreamCancelsTheSourceAndClosesThePermitOnce() {
        AtomicInteger cancels = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofMinutes(1)).doOnCancel(cancels::incrementAndGet)
                        .transform(ReactorThrottle.of(bulkhead).mono()).timeout(Duration.ofMillis(1)))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(cancels).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aTimeoutUpstreamIsReportedDroppedOnceWhenSaid() {
        StepVerifier.withVirtualTime(() -> Mono.never().timeout(Duration.ofMillis(1))
                        .transform(ReactorThrottle.of(bulkhead).droppedOn(TimeoutException.class::isInstance).mono()))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(bulkhead.drops).hasValue(1);
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aNeverMonoTimesOutAndClosesThePermitOnce() {
        StepVerifier.withVirtualTime(() -> Mono.never().transform(ReactorThrottle.of(bulkhead).mono())
                        .timeout(Duration.ofMillis(1)))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aFluxFasterThanItsTimeoutCompletes() {
        StepVerifier.withVirtualTime(() -> Flux.interval(Duration.ofMillis(1)).take(2)
                        .transform(ReactorThrottle.of(bulkhead).flux()).timeout(Duration.ofMinutes(1)))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(2))
                .expectNextCount(2)
                .verifyComplete();
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aSlowFluxAndANeverFluxTimeOutAndCloseThePermitOnce() {
        StepVerifier.withVirtualTime(() -> Flux.interval(Duration.ofSeconds(1))
                        .transform(ReactorThrottle.of(bulkhead).flux()).timeout(Duration.ofMillis(1)))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        StepVerifier.withVirtualTime(() -> Flux.never().transform(ReactorThrottle.of(bulkhead).flux())
                        .timeout(Duration.ofMillis(1)))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(bulkhead.ends()).isEqualTo(2);
        assertAllFree();
    }

    @Test
    void aFluxErrorIsPropagatedUnderATimeout() {
        StepVerifier.create(Flux.error(new Error("BAM!")).transform(ReactorThrottle.of(bulkhead).flux())
                        .timeout(Duration.ofMinutes(1), Schedulers.single()))
                .expectError(Error.class)
                .verify(Duration.ofSeconds(5));
        assertThat(bulkhead.ends()).isEqualTo(1);
        assertAllFree();
    }

    @Test
    void aTimeoutWhileWaitingForThePermitWithdrawsTheRequest() {
        Permit held = real.tryAcquire(1);
        StepVerifier.withVirtualTime(() -> Mono.just("Event")
                        .transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofHours(1)).mono())
                        .timeout(Duration.ofSeconds(1)))
                .expectSubscription()
                .then(() -> assertThat(((ConcurrencyStats) real).queueLength()).isEqualTo(1))
                .thenAwait(Duration.ofSeconds(1))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        assertThat(((ConcurrencyStats) real).queueLength()).isZero();
        held.close();
        assertThat(bulkhead.grants).as("the timed-out waiter never got the permit").hasValue(0);
        assertAllFree();
    }
}
