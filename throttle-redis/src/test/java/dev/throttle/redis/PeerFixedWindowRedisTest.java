package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fixed-window behaviours of node rate-limiter-flexible's Redis limiter tests, in throttle's terms: consuming points
 * with the remaining points and the time to the window's end reported, a request above the limit, a key that expires
 * with its window, and the penalty and reward calls (here a permit settled at more or fewer than it took). The
 * engine decides in client time on a manual clock.
 *
 * <p>rate-limiter-flexible starts a key's window at its first consumption; throttle's {@link FixedWindow} counts
 * "at most limit permits in each window [k·window, (k+1)·window) of the engine's clock", so the times below are to
 * the aligned end.
 */
class PeerFixedWindowRedisTest {

    /** 1,000 s on the manual clock: a multiple of the 10 s window, so a window starts here. */
    private static final long START = 1_000_000_000_000L;
    private static final Duration WINDOW = Duration.ofSeconds(10);

    private final ManualClock clock = new ManualClock(START);
    private final String prefix = RedisServer.uniquePrefix("peer-window");
    private final RedisEngine engine = RedisEngine.builder(RedisServer.get().connection()).keyPrefix(prefix)
            .ticker(clock).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void consumingReportsTheRemainingPermitsAndTheTimeToTheWindowsEnd() {
        RateLimiter limiter = engine.rateLimiter("consume", FixedWindow.of(5, WINDOW));
        clock.advance(Duration.ofSeconds(2));
        Permit first = limiter.tryAcquire(2);
        assertThat(first.granted()).isTrue();
        assertThat(first.remaining()).isEqualTo(3);
        assertThat(first.limit()).isEqualTo(5);
        Permit refused = limiter.tryAcquire(4);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.remaining()).as("a refusal takes nothing").isEqualTo(3);
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(8));
        assertThat(limiter.tryAcquire(3).remaining()).isZero();
        // rate-limiter-flexible rejects a consumption above the limit; throttle's RateLimiter.allow:
        // "@throws IllegalArgumentException if permits is not in [1, capacity]".
        assertThatThrownBy(() -> limiter.tryAcquire(6)).isInstanceOf(IllegalArgumentException.class);

        clock.advance(Duration.ofSeconds(8));
        Permit nextWindow = limiter.tryAcquire(5);
        assertThat(nextWindow.granted()).as("a new window").isTrue();
        assertThat(nextWindow.remaining()).isZero();
    }

    @Test
    void theWindowsKeyExpiresWhenTheWindowEnds() {
        RateLimiter limiter = engine.rateLimiter("expiry", FixedWindow.of(5, WINDOW));
        clock.advance(Duration.ofSeconds(2));
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        List<String> keys = RedisServer.get().connection().sync().keys(prefix + "*");
        assertThat(keys).hasSize(1);
        // 8 s of the window were left at the write; the server counts them down in real time since.
        assertThat(RedisServer.get().connection().sync().pttl(keys.get(0))).isPositive()
                .isLessThanOrEqualTo(Duration.ofSeconds(8).toMillis());
    }

    @Test
    void aPenaltyChargedPastTheLimitBlocksTheRestOfTheWindow() {
        RateLimiter limiter = engine.rateLimiter("penalty", FixedWindow.of(5, WINDOW));
        Permit estimate = limiter.tryAcquire(2);
        // Permit.settle: using more "takes the extra from the limiter even if that puts it into debt".
        estimate.settle(9);
        Permit refused = limiter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfter()).as("a fixed window's debt ends with it").isEqualTo(WINDOW);
        clock.advance(WINDOW);
        assertThat(limiter.tryAcquire(5).granted()).isTrue();
    }

    @Test
    void aRewardGivesPermitsBackToTheCurrentWindow() {
        RateLimiter limiter = engine.rateLimiter("reward", FixedWindow.of(5, WINDOW));
        limiter.tryAcquire(5).settle(2); // Permit.settle: "Using fewer gives the difference back"
        assertThat(limiter.availablePermits()).isEqualTo(3);
        assertThat(limiter.tryAcquire(3).granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
    }
}
