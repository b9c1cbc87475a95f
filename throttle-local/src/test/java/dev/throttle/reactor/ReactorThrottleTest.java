package dev.throttle.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * The Reactor operators on real local engines and a manual clock: permits per subscription held until the source
 * completes, fails or is cancelled (exactly once), waiting without blocking, refusals as {@link ThrottledException},
 * cancels that withdraw a waiting request, and per-element pacing by a rate limit.
 */
class ReactorThrottleTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Limiter bulkhead = ThrottleMetrics.meter(engine.limiter("bulkhead", Concurrency.of(1, 10)), registry);

    @Test
    void aMonoHoldsItsPermitUntilItCompletes() {
        Sinks.One<String> answer = Sinks.one();
        AtomicReference<String> got = new AtomicReference<>();
        answer.asMono().transform(ReactorThrottle.of(bulkhead).mono()).subscribe(got::set);
        assertThat(bulkhead.availablePermits()).as("held while the source runs").isZero();

        answer.tryEmitValue("row");
        assertThat(got).hasValue("row");
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        assertThat(dropped()).isZero();
    }

    @Test
    void aFailureClosesThePermitOrReportsItDroppedWhenSaid() {
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).droppedOn(TimeoutException.class::isInstance);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Mono.<String>error(new IllegalStateException("bad input")).transform(guard.mono())
                .subscribe(value -> { }, failures::add);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        assertThat(dropped()).isZero();

        Mono.<String>error(new TimeoutException("slow")).transform(guard.mono()).subscribe(value -> { }, failures::add);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        assertThat(dropped()).as("overload reported once").isEqualTo(1.0);
        assertThat(failures).hasSize(2);
    }

    @Test
    void aCancelledSubscriptionGivesItsPermitBackOnce() {
        Disposable running = Mono.never().transform(ReactorThrottle.of(bulkhead).mono()).subscribe();
        assertThat(bulkhead.availablePermits()).isZero();
        running.dispose();
        running.dispose();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void aSecondSubscriptionWaitsWithoutBlockingAndARefusalIsAThrottledException() {
        Sinks.One<String> first = Sinks.one();
        first.asMono().transform(ReactorThrottle.of(bulkhead).mono()).subscribe();

        AtomicReference<Object> second = new AtomicReference<>();
        Mono.just("second").transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(5)).mono())
                .subscribe(second::set, second::set);
        assertThat(second).as("waiting, and subscribe() returned").hasValue(null);

        AtomicReference<Throwable> refused = new AtomicReference<>();
        Mono.just("third").transform(ReactorThrottle.of(bulkhead).mono()).subscribe(value -> { }, refused::set);
        // A wait that runs out is a refusal too, on the clock.
        AtomicReference<Throwable> timedOut = new AtomicReference<>();
        Mono.just("fourth").transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(1)).mono())
                .subscribe(value -> { }, timedOut::set);
        clock.advance(Duration.ofSeconds(1));
        assertThat(timedOut.get()).isInstanceOf(ThrottledException.class);
        assertThat(refused.get()).isInstanceOf(ThrottledException.class);

        first.tryEmitValue("first");
        assertThat(second).as("granted when the first ended").hasValue("second");
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void aCancelWhileWaitingWithdrawsTheRequest() {
        Sinks.One<String> first = Sinks.one();
        first.asMono().transform(ReactorThrottle.of(bulkhead).mono()).subscribe();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Disposable waiting = Mono.just("never")
                .transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(5)).mono())
                .subscribe(outcome::set, outcome::set);
        assertThat(outcome).as("still waiting in the queue").hasValue(null);
        waiting.dispose();

        first.tryEmitValue("done");
        assertThat(bulkhead.availablePermits()).as("the cancelled waiter took nothing").isEqualTo(1);
    }

    @Test
    void aFluxHoldsItsPermitUntilItTerminates() {
        Sinks.Many<Integer> events = Sinks.many().unicast().onBackpressureBuffer();
        List<Integer> got = new CopyOnWriteArrayList<>();
        events.asFlux().transform(ReactorThrottle.of(bulkhead).flux()).subscribe(got::add);
        events.tryEmitNext(1);
        events.tryEmitNext(2);
        assertThat(bulkhead.availablePermits()).isZero();
        events.tryEmitComplete();
        assertThat(got).containsExactly(1, 2);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void perElementPacesAFluxByARateLimitInOrder() {
        RateLimiter rate = engine.rateLimiter("rate", TokenBucket.of(2, Rate.perSecond(1)));
        List<Integer> got = new CopyOnWriteArrayList<>();
        Flux.range(1, 5).transform(ReactorThrottle.of(rate).maxWait(Duration.ofSeconds(10)).perElement())
                .subscribe(got::add);
        assertThat(got).as("the burst at once").containsExactly(1, 2);
        clock.advance(Duration.ofSeconds(1));
        assertThat(got).containsExactly(1, 2, 3);
        clock.advance(Duration.ofSeconds(2));
        assertThat(got).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void perElementRefusesWhenTheWaitWouldBeTooLongAndNeedsARateLimit() {
        RateLimiter rate = engine.rateLimiter("slow", TokenBucket.of(1, Rate.of(1, Duration.ofMinutes(1))));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Integer> got = new CopyOnWriteArrayList<>();
        Flux.range(1, 3).transform(ReactorThrottle.of(rate).maxWait(Duration.ofSeconds(1)).perElement())
                .subscribe(got::add, failure::set);
        assertThat(got).containsExactly(1);
        assertThat(failure.get()).isInstanceOf(ThrottledException.class);

        assertThatThrownBy(() -> ReactorThrottle.of(bulkhead).perElement()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rate limit");
        assertThatThrownBy(() -> ReactorThrottle.of(bulkhead).permits(2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ReactorThrottle.of(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limiter");
    }

    @Test
    void theSourceSeesTheSubscribersContextWhetherGrantedAtOnceOrAfterWaiting() {
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(1));
        Mono<String> reads = Mono.deferContextual(context -> Mono.just(context.getOrDefault("user", "nobody")));
        AtomicReference<String> now = new AtomicReference<>();
        reads.transform(guard.mono()).contextWrite(Context.of("user", "ada")).subscribe(now::set);
        assertThat(now).hasValue("ada");

        Sinks.One<String> holder = Sinks.one();
        holder.asMono().transform(guard.mono()).subscribe();
        AtomicReference<String> later = new AtomicReference<>();
        reads.transform(guard.mono()).contextWrite(Context.of("user", "grace")).subscribe(later::set);
        assertThat(later).hasValue(null);
        holder.tryEmitValue("done");
        assertThat(later).hasValue("grace");
        List<String> each = new CopyOnWriteArrayList<>();
        Flux.deferContextual(context -> Flux.just(context.get("user"), "!")).transform(guard.flux())
                .contextWrite(Context.of("user", "alan")).subscribe(each::add);
        assertThat(each).containsExactly("alan", "!");
    }

    @Test
    void aDroppedOnPredicateThatThrowsEndsThePermitAndFailsTheSubscriber() {
        IllegalStateException broken = new IllegalStateException("predicate is broken");
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).droppedOn(failure -> {
            throw broken;
        });
        IllegalArgumentException sourceFailure = new IllegalArgumentException("bad row");
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Mono.<String>error(sourceFailure).transform(guard.mono()).subscribe(value -> { }, failures::add);
        assertThat(failures).singleElement().isSameAs(broken);
        assertThat(broken.getSuppressed()).containsExactly(sourceFailure);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        assertThat(dropped()).isZero();
    }

    @Test
    void oneReleaseServesFiveThousandQueuedSourcesThatCompleteAtOnceWithoutDeepeningTheStack() {
        Limiter narrow = engine.limiter("narrow", Concurrency.of(1, 5_000));
        ReactorThrottle guard = ReactorThrottle.of(narrow).maxWait(Duration.ofHours(1));
        Sinks.One<String> holder = Sinks.one();
        holder.asMono().transform(guard.mono()).subscribe();
        AtomicInteger completed = new AtomicInteger();
        int[] deepest = new int[1];
        for (int i = 0; i < 5_000; i++) {
            Mono.fromCallable(() -> {
                deepest[0] = Math.max(deepest[0], new Throwable().getStackTrace().length);
                return "cached";
            }).transform(guard.mono()).subscribe(value -> completed.incrementAndGet());
        }
        assertThat(completed).hasValue(0);
        holder.tryEmitValue("slow call done");
        assertThat(completed).hasValue(5_000);
        assertThat(narrow.availablePermits()).isEqualTo(1);
        assertThat(deepest[0]).as("each source subscribed after the last, not inside it").isLessThan(300);
    }

    @Test
    void aSourceThatThrowsOnSubscribeFailsTheSubscriberAndGivesThePermitBack() {
        Sinks.One<String> holder = Sinks.one();
        holder.asMono().transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(1)).mono()).subscribe();
        // Reactor rethrows the JVM's fatal errors from subscribe(); inside the grant's callback nobody would see it.
        Mono<String> fatal = Mono.fromCallable(() -> {
            throw new NoClassDefFoundError("com/example/Missing");
        });
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        fatal.transform(ReactorThrottle.of(bulkhead).maxWait(Duration.ofSeconds(1)).mono())
                .subscribe(value -> { }, failures::add);
        holder.tryEmitValue("done");
        assertThat(failures).singleElement().isInstanceOf(NoClassDefFoundError.class);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    private double dropped() {
        return registry.get(ThrottleMetrics.PERMITS_DROPPED).tag("limiter", "bulkhead").counter().count();
    }
}
