package dev.throttle.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.Limiters;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.limiters.FakeConcurrencyLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AllOfLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private Limiter allOf(Limiter... limiters) {
        return Limiters.allOf("request", clock, clock, List.of(limiters));
    }

    @Test
    void grantsOnlyWhenEveryPartGrantsAndNamesTheRefusingPart() {
        RateLimiter global = engine.rateLimiter("global", TokenBucket.of(10, Rate.perSecond(10)));
        RateLimiter client = engine.rateLimiter("client", TokenBucket.of(3, Rate.perSecond(1)));
        RateLimiter route = engine.rateLimiter("route", TokenBucket.of(5, Rate.perSecond(1)));
        Limiter composite = allOf(global, client, route);
        for (int i = 0; i < 3; i++) {
            assertThat(composite.tryAcquire(1).granted()).isTrue();
        }
        Permit refused = composite.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("client");
        assertThat(refused.retryAfterNanos()).isEqualTo(SECOND);
        // The global limit was given back what it had granted to the refused request.
        assertThat(global.availablePermits()).isEqualTo(7);
        assertThat(route.availablePermits()).isEqualTo(2);
    }

    /** After a refund, the earlier parts decide exactly as parts that were never asked. */
    @Test
    void refundsLeaveTheEarlierPartsAsIfNothingHadBeenAsked() {
        TokenBucket globalSpec = TokenBucket.of(10, Rate.perSecond(4));
        TokenBucket routeSpec = TokenBucket.of(2, Rate.perSecond(1));
        RateLimiter global = engine.rateLimiter("global", globalSpec);
        RateLimiter client = engine.rateLimiter("client", TokenBucket.of(10, Rate.perSecond(10)));
        RateLimiter route = engine.rateLimiter("route", routeSpec);
        RateLimiter globalUntouched = engine.rateLimiter("global-ref", globalSpec);
        RateLimiter clientUntouched = engine.rateLimiter("client-ref", TokenBucket.of(10, Rate.perSecond(10)));
        Limiter composite = allOf(global, client, route);
        assertThat(composite.tryAcquire(2).granted()).isTrue();
        assertThat(globalUntouched.tryAcquire(2).granted()).isTrue();
        assertThat(clientUntouched.tryAcquire(2).granted()).isTrue();
        for (int i = 0; i < 5; i++) {
            clock.advance(100_000_000L);
            Permit refused = composite.tryAcquire(2);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.limiterName()).isEqualTo("route");
        }
        // Same state as the references that saw only the granted request: same decisions from now on.
        for (long permits = 1; permits <= 10; permits++) {
            Permit got = global.tryAcquire(permits);
            Permit want = globalUntouched.tryAcquire(permits);
            assertThat(got.granted()).isEqualTo(want.granted());
            assertThat(got.retryAfterNanos()).isEqualTo(want.retryAfterNanos());
            assertThat(got.remaining()).isEqualTo(want.remaining());
        }
        assertThat(client.availablePermits()).isEqualTo(clientUntouched.availablePermits());
    }

    @Test
    void aGrantFansOutToEveryPart() {
        FakeConcurrencyLimiter pool = new FakeConcurrencyLimiter("pool", Concurrency.of(2));
        RateLimiter tokens = engine.rateLimiter("tokens", TokenBucket.of(100, Rate.perSecond(10)));
        Limiter composite = allOf(tokens, pool);
        Permit permit = composite.tryAcquire(1);
        assertThat(permit.granted()).isTrue();
        assertThat(permit.limiterName()).isEqualTo("request");
        assertThat(permit.remaining()).isEqualTo(1);
        assertThat(permit.limit()).isEqualTo(2);
        assertThat(composite.availablePermits()).isEqualTo(1);
        permit.settle(0);
        assertThat(tokens.availablePermits()).isEqualTo(100);
        assertThatThrownBy(() -> permit.settle(1)).isInstanceOf(IllegalStateException.class);
        permit.close();
        permit.close();
        assertThat(pool.availablePermits()).isEqualTo(2);
        Permit dropped = composite.tryAcquire(2);
        dropped.dropped();
        assertThat(pool.availablePermits()).isEqualTo(2);
        assertThat(tokens.availablePermits()).isEqualTo(98);
    }

    @Test
    void specAndBadInput() {
        RateLimiter big = engine.rateLimiter("big", TokenBucket.of(10, Rate.perSecond(1)));
        RateLimiter small = engine.rateLimiter("small", TokenBucket.of(3, Rate.perSecond(1)));
        Limiter composite = allOf(big, small);
        assertThat(composite.spec()).isEqualTo(AllOf.of(AllOf.shared("big", big.spec()), AllOf.shared("small", small.spec())));
        assertThat(composite.spec().capacity()).isEqualTo(3);
        assertThat(composite.spec().restNanos()).isEqualTo(10 * SECOND);
        assertThatThrownBy(() -> composite.tryAcquire(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> composite.acquire(4, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> composite.acquireAsync(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(big.availablePermits()).isEqualTo(10);
        assertThatThrownBy(() -> Limiters.allOf("x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limiters.allOf("", big)).isInstanceOf(IllegalArgumentException.class);
        List<Limiter> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> Limiters.allOf("x", withNull)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AllOf(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void waitingRetriesAtTheRefusalsRetryTimeWithoutHoldingAnything() {
        RateLimiter global = engine.rateLimiter("global", TokenBucket.of(10, Rate.perSecond(10)));
        RateLimiter client = engine.rateLimiter("client", TokenBucket.of(1, Rate.perSecond(1)));
        Limiter composite = allOf(global, client);
        assertThat(composite.tryAcquire(1).granted()).isTrue();
        CompletableFuture<Permit> tooShort = composite.acquireAsync(1, Duration.ofMillis(999));
        assertThat(tooShort.join().granted()).isFalse();
        assertThat(tooShort.join().limiterName()).isEqualTo("client");
        CompletableFuture<Permit> waiting = composite.acquireAsync(1, Duration.ofSeconds(5));
        assertThat(waiting).isNotDone();
        assertThat(global.availablePermits()).as("nothing held while waiting").isEqualTo(9);
        clock.advance(SECOND - 1);
        assertThat(waiting).isNotDone();
        clock.advance(1);
        assertThat(waiting.join().granted()).isTrue();
        assertThat(global.availablePermits()).as("refilled to full, less the one granted").isEqualTo(9);
        CompletableFuture<Permit> cancelled = composite.acquireAsync(1, Duration.ofSeconds(5));
        assertThat(clock.pendingTasks()).isEqualTo(1);
        cancelled.cancel(false);
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(SECOND);
        assertThat(composite.acquire(1, Duration.ofSeconds(1)).granted()).isTrue();
    }

    @Test
    void aPartThatCannotTellWhenIsWaitedOnNatively() {
        FakeConcurrencyLimiter pool = new FakeConcurrencyLimiter("pool", Concurrency.of(1));
        RateLimiter tokens = engine.rateLimiter("tokens", TokenBucket.of(5, Rate.perSecond(1)));
        Limiter composite = allOf(tokens, pool);
        Permit holder = composite.tryAcquire(1);
        CompletableFuture<Permit> waiting = composite.acquireAsync(1, Duration.ofSeconds(10));
        assertThat(waiting).isNotDone();
        assertThat(tokens.availablePermits()).isEqualTo(4);
        holder.close();
        Permit granted = waiting.join();
        assertThat(granted.granted()).isTrue();
        assertThat(tokens.availablePermits()).isEqualTo(3);
        assertThat(pool.availablePermits()).isZero();
        granted.close();
        assertThat(pool.availablePermits()).isEqualTo(1);
    }

    /** Threads hammering a composite: exactly the tightest limit is granted and every refund is exact. */
    @Test
    void hammeringGrantsExactlyTheTightestLimitAndRefundsExactly() throws Exception {
        RateLimiter global = engine.rateLimiter("global", TokenBucket.of(500, Rate.perMinute(1)));
        RateLimiter route = engine.rateLimiter("route", TokenBucket.of(300, Rate.perMinute(1)));
        Limiter composite = allOf(global, route);
        AtomicInteger granted = new AtomicInteger();
        int threads = 8;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    for (int i = 0; i < 500; i++) {
                        if (composite.tryAcquire(1).granted()) {
                            granted.incrementAndGet();
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
            worker.setDaemon(true);
            worker.start();
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(granted.get()).isEqualTo(300);
        assertThat(global.availablePermits()).isEqualTo(200);
    }

    @Test
    void aWaitingRequestIsGrantedWhenTheCompositesOwnEarlierGrantIsClosed() {
        // The first part queues, the second does not: closing the grant hands the first part's slot to the waiter,
        // which asks the second part at once, on the closing thread; that part must be free by then.
        Limiter pool = engine.limiter("pool", Concurrency.of(1, 1));
        Limiter db = engine.limiter("db", Concurrency.of(1));
        Limiter request = allOf(pool, db);
        Permit first = request.tryAcquire(1);
        CompletableFuture<Permit> waiting = request.acquireAsync(1, Duration.ofSeconds(30));
        assertThat(waiting).isNotDone();
        first.close();
        assertThat(waiting).isCompleted();
        Permit second = waiting.join();
        assertThat(second.granted()).as("refused by %s", second.limiterName()).isTrue();
        assertThat(pool.availablePermits()).isZero();
        assertThat(db.availablePermits()).isZero();
        second.close();
        assertThat(pool.availablePermits()).isEqualTo(1);
        assertThat(db.availablePermits()).isEqualTo(1);

        // The same through an AllOf spec, the way most callers build it; and a dropped grant hands over alike.
        Limiter checkout = engine.limiter("checkout", AllOf.of(
                AllOf.shared("checkout-pool", Concurrency.of(1, 1)), AllOf.shared("checkout-db", Concurrency.of(1))));
        Permit held = checkout.tryAcquire(1);
        CompletableFuture<Permit> next = checkout.acquireAsync(1, Duration.ofSeconds(30));
        held.dropped();
        assertThat(next.join().granted()).isTrue();
    }
}
