package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Limiters;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours checked by .NET's ChainedLimiterTests (PartitionedRateLimiter.CreateChained), restated for throttle's
 * all-or-nothing composites: {@link Limiters#allOf} over limiters the test holds, and {@link AllOf} specs.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class DotNetChainedLimiterTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private Limiter bulkhead(String name, long limit, int maxQueue) {
        return engine.limiter(name, Concurrency.of(limit, maxQueue));
    }

    private Limiter chain(Limiter... parts) {
        return Limiters.allOf("chain", clock, clock, List.of(parts));
    }

    private static Permit now(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        return future.join();
    }

    // ThrowsWhenNoLimitersProvided / ThrowsWhenNullPassedIn
    @Test
    void emptyOrNullCompositesAreRefused() {
        assertThatThrownBy(() -> Limiters.allOf("chain", clock, clock, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limiters.allOf("chain", clock, clock, null))
                .isInstanceOf(IllegalArgumentException.class);
        List<Limiter> withNull = new ArrayList<>();
        withNull.add(null);
        assertThatThrownBy(() -> Limiters.allOf("chain", clock, clock, withNull))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AllOf.of()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AllOf(null)).isInstanceOf(IllegalArgumentException.class);
    }

    // GetStatisticsReturnsLowestOrAggregateValues / GetStatisticsWithSingleLimiterWorks
    @Test
    void availabilityIsTheLowestOfTheParts() {
        Limiter chain = chain(bulkhead("a", 34, 4), bulkhead("b", 22, 2), bulkhead("c", 13, 10));
        assertThat(chain.availablePermits()).isEqualTo(13);
        assertThat(chain(bulkhead("single", 34, 0)).availablePermits()).isEqualTo(34);
    }

    // GetStatisticsHasCorrectValues
    @Test
    void availabilityFollowsGrantsAndRefusals() {
        Limiter a = bulkhead("a", 34, 4);
        Limiter b = bulkhead("b", 22, 2);
        Limiter c = bulkhead("c", 13, 10);
        Limiter chain = chain(a, b, c);
        Permit lease = chain.tryAcquire(10);
        assertThat(lease.granted()).isTrue();
        assertThat(lease.remaining()).isEqualTo(3);
        assertThat(lease.limit()).isEqualTo(13);
        assertThat(chain.availablePermits()).isEqualTo(3);
        Permit refused = chain.tryAcquire(10);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("c");
        assertThat(chain.availablePermits()).isEqualTo(3);
        assertThat(a.availablePermits()).isEqualTo(24);
        assertThat(b.availablePermits()).isEqualTo(12);
    }

    // AcquireLeaseCorrectlyDisposesWithMultipleLimiters / AcquireAsyncLeaseCorrectlyDisposesWithMultipleLimiters
    @Test
    void closingTheCompositeReleasesEveryPart() {
        Limiter a = bulkhead("a", 1, 0);
        Limiter b = bulkhead("b", 1, 0);
        Limiter chain = chain(a, b);
        Permit lease = chain.tryAcquire(1);
        assertThat(lease.granted()).isTrue();
        assertThat(a.availablePermits()).isZero();
        assertThat(b.availablePermits()).isZero();
        lease.close();
        assertThat(a.availablePermits()).isEqualTo(1);
        assertThat(b.availablePermits()).isEqualTo(1);

        Permit asyncLease = now(chain.acquireAsync(1, LONG));
        assertThat(asyncLease.granted()).isTrue();
        assertThat(a.availablePermits()).isZero();
        asyncLease.close();
        assertThat(a.availablePermits()).isEqualTo(1);
        assertThat(b.availablePermits()).isEqualTo(1);
    }

    // AcquireFailsWhenOneLimiterDoesNotHaveEnoughResources / AcquireFailsAndReleasesAcquiredResources
    @Test
    void aRefusalByALaterPartGivesTheEarlierPartsBack() {
        Limiter a = bulkhead("a", 1, 0);
        Limiter b = bulkhead("b", 1, 0);
        Permit held = b.tryAcquire(1);
        Limiter chain = chain(a, b);
        Permit refused = chain.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("b");
        assertThat(a.availablePermits()).isEqualTo(1);
        Permit refusedAsync = now(chain.acquireAsync(1, Duration.ZERO));
        assertThat(refusedAsync.granted()).isFalse();
        assertThat(a.availablePermits()).isEqualTo(1);
        held.close();
        assertThat(chain.tryAcquire(1).granted()).isTrue();
    }

    // A rate part is refunded too when a later concurrency part refuses.
    @Test
    void aRefusalRefundsTheTokensOfAnEarlierBucket() {
        RateLimiter bucket = engine.rateLimiter("bucket", TokenBucket.of(1, Rate.perSecond(1)));
        Limiter b = bulkhead("b", 1, 0);
        Permit held = b.tryAcquire(1);
        Limiter chain = chain(bucket, b);
        assertThat(chain.tryAcquire(1).granted()).isFalse();
        assertThat(bucket.availablePermits()).isEqualTo(1);
        held.close();
        assertThat(chain.tryAcquire(1).granted()).isTrue();
        assertThat(bucket.availablePermits()).isZero();
    }

    // AcquireThrowsAndReleasesAcquiredResources / AcquireAsyncThrowsAndReleasesAcquiredResources
    @Test
    void aPartThatThrowsLeavesTheEarlierPartsAsTheyWere() {
        Limiter a = bulkhead("a", 1, 0);
        Limiter broken = new Broken();
        Limiter chain = chain(a, broken);
        assertThatThrownBy(() -> chain.tryAcquire(1)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(a.availablePermits()).isEqualTo(1);
        assertThatThrownBy(() -> chain.acquireAsync(1, Duration.ZERO)).isInstanceOf(
                UnsupportedOperationException.class);
        assertThat(a.availablePermits()).isEqualTo(1);
        CompletableFuture<Permit> waiting = chain.acquireAsync(1, LONG);
        assertThat(waiting).isCompletedExceptionally();
        assertThatThrownBy(waiting::join).hasCauseInstanceOf(UnsupportedOperationException.class);
        assertThat(a.availablePermits()).isEqualTo(1);
    }

    // AcquireForwardsCorrectPermitCount / AcquireAsyncForwardsCorrectPermitCount
    @Test
    void theRequestedCountIsTakenFromEveryPart() {
        Limiter a = bulkhead("a", 5, 0);
        Limiter b = bulkhead("b", 3, 0);
        Limiter chain = chain(a, b);
        Permit lease = chain.tryAcquire(3);
        assertThat(a.availablePermits()).isEqualTo(2);
        assertThat(b.availablePermits()).isZero();
        lease.close();
        assertThat(a.availablePermits()).isEqualTo(5);
        assertThat(b.availablePermits()).isEqualTo(3);
        Permit asyncLease = now(chain.acquireAsync(3, LONG));
        assertThat(a.availablePermits()).isEqualTo(2);
        assertThat(b.availablePermits()).isZero();
        asyncLease.close();
        assertThat(a.availablePermits()).isEqualTo(5);
        assertThat(b.availablePermits()).isEqualTo(3);
        assertThatThrownBy(() -> chain.tryAcquire(4)).isInstanceOf(IllegalArgumentException.class);
    }

    // AcquireAsyncCanBeCanceled / AcquireAsyncCanceledReleasesAcquiredResources
    @Test
    void cancellingAWaitingCompositeGivesEverythingBack() {
        Limiter a = bulkhead("a", 2, 0);
        Limiter b = bulkhead("b", 1, 1);
        Limiter chain = chain(a, b);
        Permit lease = chain.tryAcquire(1);
        assertThat(a.availablePermits()).isEqualTo(1);
        CompletableFuture<Permit> wait = chain.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        assertThat(wait.cancel(false)).isTrue();
        assertThat(a.availablePermits()).isEqualTo(1);
        assertThat(((ConcurrencyStats) b).queueLength()).isZero();
        lease.close();
        assertThat(a.availablePermits()).isEqualTo(2);
        assertThat(b.availablePermits()).isEqualTo(1);
        assertThat(clock.pendingTasks()).isZero();
    }

    // AcquireAsyncWaitsForResourcesBeforeCallingNextLimiter: the first part queues (limit 1, queue 1), the second has
    // no queue; once the composite's own earlier grant is closed, the waiting request must be granted.
    @Test
    void aWaitingCompositeIsGrantedWhenTheEarlierCompositeGrantIsClosed() {
        Limiter a = bulkhead("a", 1, 1);
        Limiter b = bulkhead("b", 1, 0);
        Limiter chain = chain(a, b);
        Permit lease = chain.tryAcquire(1);
        assertThat(lease.granted()).isTrue();
        CompletableFuture<Permit> wait = chain.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        lease.close();
        Permit granted = now(wait);
        assertThat(granted.granted()).as("refused by %s", granted.limiterName()).isTrue();
        assertThat(a.availablePermits()).isZero();
        assertThat(b.availablePermits()).isZero();
        granted.close();
        assertThat(a.availablePermits()).isEqualTo(1);
        assertThat(b.availablePermits()).isEqualTo(1);
    }

    // Same, through the AllOf spec on the local engine (the path users take).
    @Test
    void aWaitingAllOfSpecIsGrantedWhenTheEarlierGrantIsClosed() {
        Limiter chain = engine.limiter("checkout", AllOf.of(
                AllOf.shared("pool", Concurrency.of(1, 1)),
                AllOf.shared("db", Concurrency.of(1))));
        Permit lease = chain.tryAcquire(1);
        CompletableFuture<Permit> wait = chain.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        lease.close();
        Permit granted = now(wait);
        assertThat(granted.granted()).as("refused by %s", granted.limiterName()).isTrue();
    }

    // Variant with a queue on the second part too (then the outcome must not depend on close order either).
    @Test
    void aWaitingCompositeWithQueuesOnEveryPartIsGrantedWhenTheGrantIsClosed() {
        Limiter a = bulkhead("a", 1, 1);
        Limiter b = bulkhead("b", 1, 1);
        Limiter chain = chain(a, b);
        Permit lease = chain.tryAcquire(1);
        CompletableFuture<Permit> wait = chain.acquireAsync(1, LONG);
        lease.close();
        assertThat(now(wait).granted()).isTrue();
        assertThat(a.availablePermits()).isZero();
        assertThat(b.availablePermits()).isZero();
    }

    // A composite waiting on a bulkhead part that times out is refused and leaves nothing behind.
    @Test
    void aWaitingCompositeThatTimesOutLeavesNothingBehind() {
        Limiter a = bulkhead("a", 1, 1);
        RateLimiter bucket = engine.rateLimiter("bucket", TokenBucket.of(5, Rate.perSecond(1)));
        Limiter chain = chain(bucket, a);
        Permit lease = chain.tryAcquire(1);
        CompletableFuture<Permit> wait = chain.acquireAsync(1, Duration.ofSeconds(2));
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofSeconds(2));
        Permit refused = now(wait);
        assertThat(refused.granted()).isFalse();
        assertThat(((ConcurrencyStats) a).queueLength()).isZero();
        assertThat(bucket.availablePermits()).isEqualTo(5);
        lease.close();
        assertThat(a.availablePermits()).isEqualTo(1);
        assertThat(clock.pendingTasks()).isZero();
    }

    // LeasesAreDisposedInReverseOrder. AllOfPermit.close(): "Ends every part's grant, latest first, as giving back
    // does"; dropped() likewise.
    @Test
    void closingOrDroppingTheCompositeEndsItsPartsLatestFirst() {
        List<String> ended = new ArrayList<>();
        Limiter chain = chain(new Recording("a", ended), new Recording("b", ended), new Recording("c", ended));
        chain.tryAcquire(1).close();
        assertThat(ended).containsExactly("c", "b", "a");
        ended.clear();
        chain.tryAcquire(1).dropped();
        assertThat(ended).containsExactly("c", "b", "a");
    }

    // A composite of rate parts waits until every part can grant (retry at the refusal's time).
    @Test
    void aWaitingRateCompositeIsGrantedWhenTheSlowestPartRefills() {
        RateLimiter fast = engine.rateLimiter("fast", TokenBucket.of(1, Rate.perSecond(10)));
        RateLimiter slow = engine.rateLimiter("slow", TokenBucket.of(1, Rate.perSecond(1)));
        Limiter chain = chain(fast, slow);
        assertThat(chain.tryAcquire(1).granted()).isTrue();
        CompletableFuture<Permit> wait = chain.acquireAsync(1, LONG);
        clock.advance(Duration.ofMillis(999));
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(now(wait).granted()).isTrue();
        assertThat(fast.availablePermits()).isZero();
        assertThat(slow.availablePermits()).isZero();
    }

    /** A part whose every request throws, like .NET's NotImplementedLimiter. */
    private static final class Broken implements Limiter {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public LimitSpec spec() {
            return Concurrency.of(10);
        }

        @Override
        public Permit tryAcquire(long permits) {
            throw new UnsupportedOperationException("broken");
        }

        @Override
        public Permit acquire(long permits, Duration maxWait) {
            throw new UnsupportedOperationException("broken");
        }

        @Override
        public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
            throw new UnsupportedOperationException("broken");
        }

        @Override
        public long availablePermits() {
            return 10;
        }
    }

    /** A part that always grants and records the order in which its grants are ended. */
    private static final class Recording implements Limiter {
        private final String name;
        private final List<String> ended;

        Recording(String name, List<String> ended) {
            this.name = name;
            this.ended = ended;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public LimitSpec spec() {
            return Concurrency.of(10);
        }

        @Override
        public Permit tryAcquire(long permits) {
            return new Permit() {
                @Override
                public boolean granted() {
                    return true;
                }

                @Override
                public long permits() {
                    return permits;
                }

                @Override
                public long retryAfterNanos() {
                    return 0;
                }

                @Override
                public long remaining() {
                    return 10;
                }

                @Override
                public long limit() {
                    return 10;
                }

                @Override
                public String limiterName() {
                    return name;
                }

                @Override
                public void close() {
                    ended.add(name);
                }

                @Override
                public void dropped() {
                    ended.add(name);
                }

                @Override
                public void settle(long actualPermits) {
                }
            };
        }

        @Override
        public Permit acquire(long permits, Duration maxWait) {
            return tryAcquire(permits);
        }

        @Override
        public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
            return CompletableFuture.completedFuture(tryAcquire(permits));
        }

        @Override
        public long availablePermits() {
            return 10;
        }
    }
}
