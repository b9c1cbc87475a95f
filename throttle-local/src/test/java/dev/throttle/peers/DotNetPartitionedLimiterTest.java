package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours checked by .NET's PartitionedRateLimiterTests (PartitionedRateLimiter.Create), restated for throttle's
 * {@link KeyedLimiter}: one spec, one state per key.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class DotNetPartitionedLimiterTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private static Permit now(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        return future.join();
    }

    // ThrowsWhenAcquiringLessThanZero / ThrowsWhenWaitingForLessThanZero (+ null key, above capacity)
    @Test
    void badArgumentsThrow() {
        for (LimitSpec spec : new LimitSpec[] {TokenBucket.of(2, Rate.perSecond(1)), FixedWindow.of(2, LONG),
                Concurrency.of(2, 1)}) {
            KeyedLimiter<String> keyed = engine.keyed("k", spec);
            assertThatThrownBy(() -> keyed.tryAcquire("a", -1)).as("%s", spec)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keyed.tryAcquire("a", 0)).as("%s", spec)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keyed.acquireAsync("a", -1, LONG)).as("%s", spec)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keyed.tryAcquire(null, 1)).as("%s", spec)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keyed.forKey(null)).as("%s", spec).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keyed.tryAcquire("a", 3)).as("%s", spec)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keyed.acquireAsync("a", 1, Duration.ofSeconds(-1))).as("%s", spec)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(keyed.forKey("a").availablePermits()).as("%s", spec).isEqualTo(2);
        }
    }

    // Create_PartitionIsCached
    @Test
    void aKeysStateIsKeptBetweenRequests() {
        for (LimitSpec spec : new LimitSpec[] {TokenBucket.of(2, Rate.perSecond(1)), FixedWindow.of(2, LONG),
                SlidingWindow.of(2, LONG)}) {
            KeyedLimiter<String> keyed = engine.keyed("k-" + spec.getClass().getSimpleName(), spec);
            assertThat(keyed.tryAcquire("a", 1).granted()).isTrue();
            assertThat(now(keyed.acquireAsync("a", 1, Duration.ZERO)).granted()).isTrue();
            assertThat(keyed.allow("a", 1)).as("%s", spec).isFalse();
            assertThat(keyed.forKey("a").tryAcquire(1).granted()).as("%s", spec).isFalse();
        }
    }

    // Create_MultiplePartitionsWork
    @Test
    void keysAreIndependent() {
        KeyedLimiter<String> keyed = engine.keyed("k", TokenBucket.of(1, Rate.perMinute(1)));
        assertThat(keyed.tryAcquire("1", 1).granted()).isTrue();
        assertThat(keyed.tryAcquire("2", 1).granted()).isTrue();
        assertThat(keyed.tryAcquire("1", 1).granted()).isFalse();
        assertThat(keyed.tryAcquire("2", 1).granted()).isFalse();
        assertThat(keyed.tryAcquire("3", 1).granted()).isTrue();
    }

    // Create_BlockingWaitDoesNotBlockOtherPartitions
    @Test
    void aWaiterOnOneKeyDoesNotBlockAnother() {
        KeyedLimiter<String> keyed = engine.keyed("k", Concurrency.of(1, 2));
        Permit lease = now(keyed.acquireAsync("2", 1, LONG));
        CompletableFuture<Permit> wait = keyed.acquireAsync("2", 1, LONG);
        assertThat(wait).isNotDone();
        assertThat(now(keyed.acquireAsync("1", 1, LONG)).granted()).isTrue();
        lease.close();
        assertThat(now(wait).granted()).isTrue();
    }

    // Create_WithTokenBucketReplenishes / idle-limiter cleanup: forgetting a key never changes a decision.
    @Test
    void forgettingIdleKeysNeverChangesADecision() {
        KeyedLimiter<String> bucket = engine.keyed("b", TokenBucket.of(2, Rate.perSecond(1)));
        KeyedLimiter<String> window = engine.keyed("w", SlidingWindow.of(2, Duration.ofSeconds(1)));
        KeyedLimiter<String> bulkhead = engine.keyed("c", Concurrency.of(1), LocalEngine.KeyedOptions.defaults()
                .withIdleGrace(Duration.ZERO));
        assertThat(bucket.tryAcquire("a", 2).granted()).isTrue();
        assertThat(window.tryAcquire("a", 2).granted()).isTrue();
        Permit held = bulkhead.tryAcquire("a", 1);
        assertThat(held.granted()).isTrue();
        for (int i = 0; i < 40; i++) {
            clock.advance(Duration.ofMillis(100));
            bucket.tryAcquire("other" + i, 1);
            window.tryAcquire("other" + i, 1);
            bulkhead.tryAcquire("other" + i, 1).close();
            bucket.estimatedSize();
            window.estimatedSize();
            bulkhead.estimatedSize();
            long ms = 100L * (i + 1);
            if (ms < 1000) { // neither has refilled a permit for key "a" yet
                assertThat(bucket.tryAcquire("a", 1).granted()).as("bucket at %d ms", ms).isFalse();
                assertThat(window.tryAcquire("a", 1).granted()).as("window at %d ms", ms).isFalse();
            }
            assertThat(bulkhead.tryAcquire("a", 1).granted()).as("bulkhead at %d ms", ms).isFalse();
        }
        held.close();
        assertThat(bulkhead.tryAcquire("a", 1).granted()).isTrue();
    }

    // A keyed waiter that is cancelled gives everything back, on its key only.
    @Test
    void cancellingAKeyedWaiterGivesItsKeyBack() {
        KeyedLimiter<String> keyed = engine.keyed("k", Concurrency.of(1, 1));
        Permit lease = keyed.tryAcquire("a", 1);
        CompletableFuture<Permit> wait = keyed.acquireAsync("a", 1, LONG);
        wait.cancel(false);
        lease.close();
        Limiter a = keyed.forKey("a");
        assertThat(a.availablePermits()).isEqualTo(1);
        assertThat(keyed.tryAcquire("a", 1).granted()).isTrue();
    }

    // A keyed token bucket waiter is granted when the key's next token arrives.
    @Test
    void aKeyedBucketWaiterIsGrantedWhenItsKeyRefills() {
        KeyedLimiter<String> keyed = engine.keyed("k", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(keyed.tryAcquire("a", 1).granted()).isTrue();
        CompletableFuture<Permit> wait = keyed.acquireAsync("a", 1, LONG);
        assertThat(wait).isNotDone();
        assertThat(keyed.tryAcquire("b", 1).granted()).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait).granted()).isTrue();
        assertThat(keyed.tryAcquire("a", 1).granted()).isFalse();
        wait = keyed.acquireAsync("a", 1, LONG);
        wait.cancel(false);
        clock.advance(Duration.ofSeconds(1));
        assertThat(keyed.tryAcquire("a", 1).granted()).isTrue();
    }
}
