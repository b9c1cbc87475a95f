package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import dev.throttle.reactor.ReactorThrottle;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Behaviours of Resilience4j's BulkheadOperatorUsageTest (many subscriptions through one bulkhead, every permit back
 * at the end) and the "releasing one cascades through the queue" behaviour at scale. The engine's clock never moves:
 * waits end only by a grant.
 */
class ReactorStressPeerTest {

    private static final int LIMIT = 30;
    private static final int ELEMENTS = 10_000;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    /** Counts a source in from its subscription until its end reaches the guard (see ReactorThrottleStressTest). */
    private static <T> Mono<T> counted(Mono<T> source, AtomicInteger inside, AtomicInteger most) {
        AtomicBoolean in = new AtomicBoolean();
        Runnable out = () -> {
            if (in.compareAndSet(true, false)) {
                inside.decrementAndGet();
            }
        };
        return source.doOnSubscribe(s -> {
            in.set(true);
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
        }).doOnTerminate(out).doOnCancel(out);
    }

    @Test
    @Timeout(60)
    void tenThousandAsyncSubscriptionsThroughOneBulkheadAllCompleteWithExactlyTheLimitInFlight() {
        Limiter bulkhead = engine.limiter("usage", Concurrency.of(LIMIT, ELEMENTS));
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).maxWait(Duration.ofHours(1));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Long count = Flux.range(0, ELEMENTS)
                .flatMap(i -> counted(Mono.just(i).publishOn(Schedulers.parallel()), inside, most)
                        .transform(guard.mono()), 512)
                .count()
                .block(Duration.ofSeconds(50));
        assertThat(count).isEqualTo(ELEMENTS);
        assertThat(most.get()).as("most sources running at once").isEqualTo(LIMIT);
        assertThat(bulkhead.availablePermits()).isEqualTo(LIMIT);
        assertThat(((ConcurrencyStats) bulkhead).inFlight()).isZero();
        assertThat(((ConcurrencyStats) bulkhead).queueLength()).isZero();
    }

    @Test
    @Timeout(60)
    void tenThousandFailingSubscriptionsGiveEveryPermitBack() {
        Limiter bulkhead = engine.limiter("usage-error", Concurrency.of(LIMIT, ELEMENTS));
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).maxWait(Duration.ofHours(1));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Long count = Flux.range(0, ELEMENTS)
                .flatMap(i -> counted(Mono.just(i).publishOn(Schedulers.parallel())
                                .then(Mono.<Integer>error(new RuntimeException("BOOM!"))), inside, most)
                        .transform(guard.mono())
                        .onErrorReturn(i), 512)
                .count()
                .block(Duration.ofSeconds(50));
        assertThat(count).isEqualTo(ELEMENTS);
        assertThat(most.get()).isBetween(1, LIMIT);
        assertThat(bulkhead.availablePermits()).isEqualTo(LIMIT);
        assertThat(((ConcurrencyStats) bulkhead).queueLength()).isZero();
    }

    @Test
    @Timeout(60)
    void manySubscribersOnParallelThreadsWithCancelsNeverExceedTheLimit() {
        Limiter bulkhead = engine.limiter("parallel", Concurrency.of(4, ELEMENTS));
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).maxWait(Duration.ofHours(1));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Long count = Flux.range(0, ELEMENTS)
                .parallel(4).runOn(Schedulers.parallel())
                .flatMap(i -> {
                    Mono<Integer> source = counted(Mono.just(i).delayElement(Duration.ofNanos(1),
                            Schedulers.parallel()), inside, most).transform(guard.mono());
                    // one in five gives up early (a timeout that races the grant and the source)
                    return i % 5 == 0 ? source.take(Duration.ofNanos(1), Schedulers.parallel()).defaultIfEmpty(-1)
                            : source;
                })
                .sequential()
                .count()
                .block(Duration.ofSeconds(50));
        assertThat(count).isEqualTo(ELEMENTS);
        assertThat(most.get()).isBetween(1, 4);
        assertThat(bulkhead.availablePermits()).isEqualTo(4);
        assertThat(((ConcurrencyStats) bulkhead).inFlight()).isZero();
        assertThat(((ConcurrencyStats) bulkhead).queueLength()).isZero();
    }

    /**
     * R4j shouldGrantQueuedSubscriptionsInFifoOrder (releasing one permit cascades through the queued subscriptions),
     * at a queue size a busy service reaches, with sources that end at once: each grant's subscription ends its permit
     * and grants the next, on one thread, without overflowing its stack.
     */
    @Test
    @Timeout(60)
    void releasingOnePermitCascadesThroughALargeQueueOfSynchronousSources() {
        int waiters = 1_000;
        Limiter bulkhead = engine.limiter("cascade", Concurrency.of(1, waiters));
        ReactorThrottle guard = ReactorThrottle.of(bulkhead).maxWait(Duration.ofHours(1));
        Permit held = bulkhead.tryAcquire(1);
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < waiters; i++) {
            Mono.just(i).transform(guard.mono()).subscribe(v -> completed.incrementAndGet(),
                    e -> failed.incrementAndGet());
        }
        assertThat(((ConcurrencyStats) bulkhead).queueLength()).isEqualTo(waiters);
        held.close();
        assertThat(completed).as("completed").hasValue(waiters);
        assertThat(failed).as("failed").hasValue(0);
        assertThat(((ConcurrencyStats) bulkhead).inFlight()).as("in flight").isZero();
        assertThat(((ConcurrencyStats) bulkhead).queueLength()).as("queued").isZero();
    }
}
