package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Behaviours checked by Guava's RateLimiterTest (SmoothBursty on a fake stopwatch), restated against throttle's token
 * bucket on a manual clock. Where Guava lets a request go into debt (the next caller pays), throttle makes the caller
 * wait for its own permits; the tests check throttle's rule and the grant times it implies.
 */
class PeerGuavaRateLimiterTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;

    private final ManualClock clock = new ManualClock(7 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    /** Grants of async requests, as offsets from a start, recorded when each future completes. */
    private final List<Long> grantTimes = new ArrayList<>();

    private CompletableFuture<Permit> timed(CompletableFuture<Permit> f, long start) {
        f.thenAccept(p -> {
            if (p.granted()) {
                grantTimes.add(clock.read() - start);
            }
        });
        return f;
    }

    /** testSimple: 5/s, three acquires: now, +200 ms, +400 ms. */
    @Test
    void simpleAcquiresAreSpacedByTheInterval() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(1, Rate.perSecond(5)));
        long start = clock.read();
        for (int i = 0; i < 3; i++) {
            timed(limiter.acquireAsync(1, Duration.ofSeconds(10)), start);
        }
        clock.advance(SECOND);
        assertThat(grantTimes).containsExactly(0L, 200 * MS, 400 * MS);
    }

    /** testImmediateTryAcquire / testTryAcquire_noWaitAllowed. */
    @Test
    void tryAcquireWithoutWait() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(1, Rate.perSecond(5)));
        assertThat(limiter.tryAcquire().granted()).isTrue();
        assertThat(limiter.tryAcquire().granted()).isFalse();
        assertThat(limiter.acquire(1, Duration.ZERO).granted()).isFalse();
        clock.advance(100 * MS);
        Permit p = limiter.tryAcquire();
        assertThat(p.granted()).isFalse();
        assertThat(p.retryAfterNanos()).isEqualTo(100 * MS);
    }

    /** testSimpleWithWait / testSimpleAcquireReturnValues: after an idle interval the next is immediate. */
    @Test
    void idleIntervalMakesTheNextImmediate() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(1, Rate.perSecond(5)));
        assertThat(limiter.allow()).isTrue();
        clock.advance(200 * MS);
        long start = clock.read();
        timed(limiter.acquireAsync(1, Duration.ofSeconds(1)), start);
        timed(limiter.acquireAsync(1, Duration.ofSeconds(1)), start);
        clock.advance(SECOND);
        assertThat(grantTimes).containsExactly(0L, 200 * MS);
    }

    /**
     * testOneSecondBurst: a burst of one second's permits after idling. Guava grants a 6th at once (debt); throttle's
     * bucket of 5 grants 5 and the 6th waits one interval.
     */
    @Test
    void oneSecondBurstThenTheRate() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(5, Rate.perSecond(5)));
        clock.advance(2 * SECOND);
        long start = clock.read();
        timed(limiter.acquireAsync(1, Duration.ofSeconds(10)), start);
        timed(limiter.acquireAsync(1, Duration.ofSeconds(10)), start);
        timed(limiter.acquireAsync(3, Duration.ofSeconds(10)), start);
        timed(limiter.acquireAsync(1, Duration.ofSeconds(10)), start);
        timed(limiter.acquireAsync(1, Duration.ofSeconds(10)), start);
        clock.advance(2 * SECOND);
        assertThat(grantTimes).containsExactly(0L, 0L, 0L, 200 * MS, 400 * MS);
    }

    /** testSimpleWeights: with throttle each request waits for its own permits, in order. */
    @Test
    void weightedRequestsWaitForTheirOwnPermits() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(8, Rate.perSecond(1)));
        assertThat(limiter.allow(8)).isTrue(); // empty
        long start = clock.read();
        long[] weights = {1, 1, 2, 4, 8, 1};
        for (long w : weights) {
            timed(limiter.acquireAsync(w, Duration.ofSeconds(60)), start);
        }
        clock.advance(Duration.ofSeconds(30));
        assertThat(grantTimes).containsExactly(1 * SECOND, 2 * SECOND, 4 * SECOND, 8 * SECOND, 16 * SECOND,
                17 * SECOND);
    }

    /**
     * testTryAcquire_someWaitAllowed: 5/s; granted now; granted within 200 ms; refused within 100 ms; 100 ms later
     * granted within 100 ms. Guava sleeps inside tryAcquire; here the clock is moved to each grant.
     */
    @Test
    void tryAcquireWithSomeWaitAllowed() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(1, Rate.perSecond(5)));
        assertThat(limiter.acquire(1, Duration.ZERO).granted()).isTrue();
        CompletableFuture<Permit> second = limiter.acquireAsync(1, Duration.ofMillis(200));
        clock.advance(200 * MS);
        assertThat(second.join().granted()).isTrue();
        CompletableFuture<Permit> third = limiter.acquireAsync(1, Duration.ofMillis(100));
        assertThat(third).isCompleted();
        assertThat(third.join().granted()).isFalse();
        assertThat(third.join().retryAfterNanos()).isEqualTo(200 * MS);
        clock.advance(100 * MS);
        CompletableFuture<Permit> fourth = limiter.acquireAsync(1, Duration.ofMillis(100));
        assertThat(fourth).isNotDone();
        clock.advance(100 * MS);
        assertThat(fourth.join().granted()).isTrue();
    }

    /** testTryAcquire_overflow / testTryAcquire_negative: throttle refuses absurd or negative waits. */
    @Test
    void absurdOrNegativeWaitsAreIllegalArguments() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(5, Rate.perSecond(5)));
        assertThatThrownBy(() -> limiter.acquire(1, Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(1, Duration.of(Long.MAX_VALUE, ChronoUnit.MICROS)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire(1, Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.availablePermits()).isEqualTo(5);
    }

    /** testAcquireParameterValidation. */
    @Test
    void zeroOrNegativePermitsAreIllegalArguments() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(5, Rate.perSecond(999)));
        for (long bad : new long[] {0, -1, Long.MIN_VALUE}) {
            assertThatThrownBy(() -> limiter.tryAcquire(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> limiter.allow(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> limiter.acquire(bad, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> limiter.acquireAsync(bad, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(limiter.availablePermits()).isEqualTo(5);
    }

    /** testSimpleRateUpdate / testCreateWarmupParameterValidation: zero or negative rates are refused. */
    @Test
    void zeroOrNegativeRatesAreIllegalArguments() {
        assertThatThrownBy(() -> Rate.perSecond(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.perSecond(-10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.of(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.of(1, Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(0, Rate.perSecond(1))).isInstanceOf(IllegalArgumentException.class);
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(5, Rate.perSecond(5)));
        LocalEngine.reconfigure(limiter, TokenBucket.of(5, Rate.perSecond(10)));
        assertThat(limiter.spec()).isEqualTo(TokenBucket.of(5, Rate.perSecond(10)));
    }

    /**
     * testBurstyAndUpdate: after a rate change, Guava makes the next caller repay the previous grant at the old rate.
     * Throttle's documented rule: the permits owed drain at the new rate from the change on.
     */
    @Test
    void rateChangeDrainsWhatIsOwedAtTheNewRate() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(limiter.allow()).isTrue();
        LocalEngine.reconfigure(limiter, TokenBucket.of(1, Rate.perSecond(2)));
        long start = clock.read();
        timed(limiter.acquireAsync(1, Duration.ofSeconds(10)), start);
        timed(limiter.acquireAsync(1, Duration.ofSeconds(10)), start);
        clock.advance(5 * SECOND);
        assertThat(grantTimes).containsExactly(500 * MS, 1_000 * MS);
    }

    /**
     * A rate change halfway through an interval keeps the half permit already refilled. Guava keeps the owed time as
     * it is (500 ms); throttle's rule (BucketLimiter.reconfigure: "the permits the bucket is short of full ...,
     * fraction included, stay so, and drain at the new rate from now on") owes half a permit at the new rate.
     */
    @Test
    void rateChangeMidIntervalKeepsTheFractionAlreadyRefilled() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(limiter.allow()).isTrue();
        clock.advance(500 * MS);
        LocalEngine.reconfigure(limiter, TokenBucket.of(1, Rate.perSecond(2)));
        assertThat(limiter.tryAcquire().retryAfterNanos()).isEqualTo(250 * MS);
        clock.advance(250 * MS - 1);
        assertThat(limiter.allow()).isFalse();
        clock.advance(1);
        assertThat(limiter.allow()).isTrue();
    }

    /** Guava's setRate keeps stored permits in proportion; a full bucket stays full at its new size. */
    @Test
    void fullBucketStaysFullAcrossARateAndCapacityChange() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(5, Rate.perSecond(5)));
        LocalEngine.reconfigure(limiter, TokenBucket.of(10, Rate.perSecond(10)));
        assertThat(limiter.availablePermits()).isEqualTo(10);
        assertThat(limiter.allow(10)).isTrue();
    }

    /** What a waiting acquire returns: a grant with no retry time, whose remaining is what is left after it. */
    @Test
    void aWaitedGrantReportsZeroRetryAndRemaining() {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(5, Rate.perSecond(5)));
        assertThat(limiter.allow(5)).isTrue();
        CompletableFuture<Permit> waited = limiter.acquireAsync(2, Duration.ofSeconds(1));
        clock.advance(400 * MS);
        Permit p = waited.join();
        assertThat(p.granted()).isTrue();
        assertThat(p.permits()).isEqualTo(2);
        assertThat(p.retryAfterNanos()).isZero();
        assertThat(p.remaining()).isZero();
        assertThat(p.limit()).isEqualTo(5);
    }

    /**
     * A blocking acquire interrupted while waiting is withdrawn: the interrupt flag is set again, a refusal returned,
     * and the reserved slot given back.
     */
    @Test
    void interruptedAcquireWithdrawsItsReservation() throws Exception {
        RateLimiter limiter = engine.rateLimiter("g", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(limiter.allow()).isTrue();
        AtomicReference<Permit> result = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            result.set(limiter.acquire(1, Duration.ofSeconds(5)));
            flag.set(Thread.currentThread().isInterrupted());
        });
        waiter.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (clock.pendingTasks() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        waiter.interrupt();
        waiter.join(5_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(result.get().granted()).isFalse();
        assertThat(flag.get()).isTrue();
        clock.advance(SECOND);
        assertThat(limiter.allow()).as("the withdrawn slot is free again").isTrue();
    }
}
