package dev.throttle.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Limiters;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.ShadowLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.limiters.FakeConcurrencyLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ShadowLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    @Test
    void grantsEverythingAndCountsWhatTheLimitWouldRefuse() {
        RateLimiter limit = engine.rateLimiter("api", TokenBucket.of(2, Rate.perSecond(1)));
        List<Permit> reported = new ArrayList<>();
        ShadowLimiter shadow = Limiters.shadow(limit, reported::add);
        for (int i = 0; i < 5; i++) {
            assertThat(shadow.tryAcquire(1).granted()).isTrue();
        }
        assertThat(shadow.evaluated()).isEqualTo(5);
        assertThat(shadow.wouldHaveRefused()).isEqualTo(3);
        assertThat(reported).hasSize(3).allSatisfy(refusal -> {
            assertThat(refusal.granted()).isFalse();
            assertThat(refusal.limiterName()).isEqualTo("api");
            assertThat(refusal.retryAfterNanos()).isEqualTo(SECOND);
        });
        // The limit's own state evolved as if it enforced: it is empty.
        assertThat(limit.availablePermits()).isZero();
        assertThat(shadow.name()).isEqualTo("api");
        assertThat(shadow.spec()).isEqualTo(limit.spec());
        clock.advance(SECOND);
        assertThat(shadow.tryAcquire(1).granted()).isTrue();
        assertThat(shadow.wouldHaveRefused()).isEqualTo(3);
    }

    @Test
    void theDelegatesPermitIsReturnedSoItIsReleased() {
        FakeConcurrencyLimiter pool = new FakeConcurrencyLimiter("pool", Concurrency.of(1));
        ShadowLimiter shadow = Limiters.shadow(pool);
        Permit real = shadow.tryAcquire(1);
        Permit empty = shadow.tryAcquire(1);
        assertThat(real.granted()).isTrue();
        assertThat(empty.granted()).isTrue();
        assertThat(shadow.wouldHaveRefused()).isEqualTo(1);
        empty.settle(0);
        empty.close();
        assertThat(pool.availablePermits()).as("the empty permit released nothing").isZero();
        real.close();
        assertThat(pool.availablePermits()).isEqualTo(1);
    }

    @Test
    void aThrowingListenerNeverFailsTheRequest() {
        RateLimiter limit = engine.rateLimiter("api", TokenBucket.of(1, Rate.perSecond(1)));
        ShadowLimiter shadow = Limiters.shadow(limit, refused -> {
            throw new IllegalStateException("listener bug");
        });
        assertThat(shadow.tryAcquire(1).granted()).isTrue();
        assertThat(shadow.tryAcquire(1).granted()).isTrue();
        assertThat(shadow.wouldHaveRefused()).isEqualTo(1);
    }

    @Test
    void waitingRequestsAreGrantedAtOnceWhileTheLimitDecidesOnItsOwn() {
        RateLimiter limit = engine.rateLimiter("api", TokenBucket.of(1, Rate.perSecond(1)));
        ShadowLimiter shadow = Limiters.shadow(limit);
        assertThat(shadow.tryAcquire(1).granted()).isTrue();
        CompletableFuture<Permit> wouldWait = shadow.acquireAsync(1, Duration.ofSeconds(5));
        assertThat(wouldWait).isCompleted();
        assertThat(wouldWait.join().granted()).isTrue();
        assertThat(shadow.wouldHaveRefused()).isZero();
        // The limit reserved the next slot for it, as it would when enforcing.
        assertThat(limit.tryAcquire(1).retryAfterNanos()).isEqualTo(2 * SECOND);
        Permit tooShort = shadow.acquire(1, Duration.ofMillis(100));
        assertThat(tooShort.granted()).isTrue();
        assertThat(shadow.wouldHaveRefused()).isEqualTo(1);
        assertThat(shadow.evaluated()).isEqualTo(3);
        clock.advance(SECOND);
        assertThat(shadow.wouldHaveRefused()).isEqualTo(1);
    }

    @Test
    void aLateGrantIsEndedAsTheCallerEndedItsPermit() {
        FakeConcurrencyLimiter pool = new FakeConcurrencyLimiter("pool", Concurrency.of(1));
        ShadowLimiter shadow = Limiters.shadow(pool);
        Permit holder = shadow.tryAcquire(1);
        Permit early = shadow.acquire(1, Duration.ofSeconds(10));
        assertThat(early.granted()).isTrue();
        early.settle(1);
        early.close();
        holder.close();
        // The pool granted the waiting request when the holder left, and its permit was closed at once.
        assertThat(pool.availablePermits()).isEqualTo(1);
        assertThat(pool.maxHeld()).isEqualTo(1);
        assertThatThrownBy(() -> early.settle(1)).isInstanceOf(IllegalStateException.class);
        Permit open = shadow.acquire(1, Duration.ofSeconds(10));
        assertThat(open.granted()).isTrue();
        assertThat(pool.availablePermits()).isZero();
        open.dropped();
        assertThat(pool.availablePermits()).isEqualTo(1);
    }

    @Test
    void badInputIsRefused() {
        RateLimiter limit = engine.rateLimiter("api", TokenBucket.of(1, Rate.perSecond(1)));
        ShadowLimiter shadow = Limiters.shadow(limit);
        assertThatThrownBy(() -> shadow.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(shadow.evaluated()).isZero();
        assertThatThrownBy(() -> Limiters.shadow(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limiters.shadow(limit, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(shadow.delegate()).isSameAs(limit);
    }
}
