package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Token-bucket behaviours from peers' Redis limiter suites, in throttle's terms: redis-cell's GCRA test
 * ({@code it_rate_limits}: remaining and retry times through a burst and its refill), Spring Cloud Gateway's
 * {@code RedisRateLimiterTests} (a burst then the steady rate, a low rate with multi-token requests, routes kept
 * apart) and Bucket4j's distributed bucket tests (independent keys, a consumption that overdraws the bucket). The
 * engine decides in client time on a manual clock, so no test races real time.
 *
 * <p>redis-cell's {@code max_burst} counts the permits beyond the first: its burst 4 is throttle's capacity 5
 * ({@link TokenBucket}: "the bucket's size: the largest burst").
 */
class PeerTokenBucketRedisTest {

    /** 1,000 s on the manual clock. */
    private static final long START = 1_000_000_000_000L;

    private final ManualClock clock = new ManualClock(START);
    private final RedisEngine engine = RedisEngine.builder(RedisServer.get().connection())
            .keyPrefix(RedisServer.uniquePrefix("peer-bucket")).ticker(clock)
            .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();

    @AfterEach
    void close() {
        engine.close();
    }

    private static long millis(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Moves the clock to {@code offsetNanos} after {@link #START}. */
    private void at(long offsetNanos) {
        clock.advance(START + offsetNanos - clock.read());
    }

    private static void expect(Permit permit, boolean granted, long remaining, long retryNanos) {
        assertThat(permit.granted()).as("granted").isEqualTo(granted);
        assertThat(permit.remaining()).as("remaining").isEqualTo(remaining);
        assertThat(permit.retryAfterNanos()).as("retry after").isEqualTo(retryNanos);
        assertThat(permit.limit()).as("limit").isEqualTo(5);
    }

    private static String describe(Permit permit) {
        return (permit.granted() ? "granted" : "refused") + " retry=" + permit.retryAfterNanos()
                + " remaining=" + permit.remaining() + " limit=" + permit.limit();
    }

    @Test
    void aBurstOfFiveAtOnePerSecondAnswersRedisCellsTable() {
        RateLimiter limiter = engine.rateLimiter("cell", TokenBucket.of(5, Rate.perSecond(1)));
        // redis-cell answers "limited" to a request above the burst; throttle's Permit.never(): "A request above
        // the spec's capacity is not refused this way: ... throw an IllegalArgumentException before deciding."
        assertThatThrownBy(() -> limiter.tryAcquire(6)).isInstanceOf(IllegalArgumentException.class);
        at(0);
        expect(limiter.tryAcquire(1), true, 4, 0);
        expect(limiter.tryAcquire(1), true, 3, 0);
        expect(limiter.tryAcquire(1), true, 2, 0);
        expect(limiter.tryAcquire(1), true, 1, 0);
        expect(limiter.tryAcquire(1), true, 0, 0);
        expect(limiter.tryAcquire(1), false, 0, millis(1000));
        at(millis(3000));
        expect(limiter.tryAcquire(1), true, 2, 0);
        at(millis(3100));
        expect(limiter.tryAcquire(1), true, 1, 0);
        at(millis(4000));
        expect(limiter.tryAcquire(1), true, 1, 0);
        at(millis(8000));
        expect(limiter.tryAcquire(1), true, 4, 0);
        at(millis(9500));
        expect(limiter.tryAcquire(1), true, 4, 0);
        assertThat(limiter.availablePermits()).as("a peek takes nothing").isEqualTo(4);
        expect(limiter.tryAcquire(2), true, 2, 0);
        expect(limiter.tryAcquire(5), false, 2, millis(3000));
    }

    @Test
    void redisCellsTableGetsTheSameAnswersFromTheLocalEngine() {
        LocalEngine local = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        TokenBucket spec = TokenBucket.of(5, Rate.perSecond(1));
        RateLimiter onRedis = engine.rateLimiter("cell-twin", spec);
        RateLimiter inJvm = local.rateLimiter("cell-twin", spec);
        long[][] steps = {{0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}, {3000, 1}, {3100, 1}, {4000, 1},
            {8000, 1}, {9500, 1}, {9500, 2}, {9500, 5}};
        for (long[] step : steps) {
            at(millis(step[0]));
            Permit expected = inJvm.tryAcquire(step[1]);
            Permit actual = onRedis.tryAcquire(step[1]);
            assertThat(describe(actual)).as("at %d ms, %d permits", step[0], step[1]).isEqualTo(describe(expected));
        }
    }

    @Test
    void aBurstOfTwentyPassesThenTenPerSecond() {
        RateLimiter limiter = engine.rateLimiter("route", TokenBucket.of(20, Rate.perSecond(10)));
        for (int i = 0; i < 20; i++) {
            assertThat(limiter.tryAcquire(1).granted()).as("burst #%d", i).isTrue();
        }
        assertThat(limiter.tryAcquire(1).granted()).as("past the burst").isFalse();
        for (int second = 1; second <= 3; second++) {
            clock.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 10; i++) {
                assertThat(limiter.tryAcquire(1).granted()).as("second %d, #%d", second, i).isTrue();
            }
            assertThat(limiter.tryAcquire(1).granted()).as("second %d, past the rate", second).isFalse();
        }
    }

    @Test
    void aLowRateServesRequestsOfThreeTokensEveryThreeSeconds() {
        RateLimiter limiter = engine.rateLimiter("low", TokenBucket.of(3, Rate.perSecond(1)));
        assertThat(limiter.tryAcquire(3).granted()).isTrue();
        Permit refused = limiter.tryAcquire(3);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        clock.advance(Duration.ofMillis(2999));
        assertThat(limiter.tryAcquire(3).granted()).as("1 ms early").isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.tryAcquire(3).granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
    }

    @Test
    void limitersOfDifferentNamesKeepSeparateBuckets() {
        TokenBucket spec = TokenBucket.of(10, Rate.of(10, Duration.ofDays(1)));
        RateLimiter first = engine.rateLimiter("route-a", spec);
        RateLimiter second = engine.rateLimiter("route-b", spec);
        assertThat(first.tryAcquire(10).granted()).isTrue();
        assertThat(first.tryAcquire(1).granted()).isFalse();
        assertThat(second.availablePermits()).as("untouched by the first route").isEqualTo(10);
        assertThat(second.tryAcquire(10).granted()).isTrue();
        assertThat(second.tryAcquire(1).granted()).isFalse();
    }

    /**
     * Bucket4j consumes 121,000 of a 1,000-per-minute bucket ignoring the limit and reports 120 minutes of overdraft.
     * throttle has no consumption that ignores the limit; settling a grant at more than it took does the same
     * (Permit.settle: using more "takes the extra from the limiter even if that puts it into debt"), and the next
     * permit waits for the debt and one interval of its own.
     */
    @Test
    void settlingAboveTheBucketOverdrawsItUntilTheDebtIsRefilled() {
        RateLimiter limiter = engine.rateLimiter("overdraft",
                TokenBucket.of(1000, Rate.of(1000, Duration.ofMinutes(1))));
        Permit all = limiter.tryAcquire(1000);
        assertThat(all.granted()).isTrue();
        all.settle(121_000);
        Permit next = limiter.tryAcquire(1);
        assertThat(next.granted()).isFalse();
        assertThat(next.retryAfter()).isEqualTo(Duration.ofMinutes(120).plusMillis(60));
        assertThat(limiter.availablePermits()).isZero();
        clock.advance(Duration.ofMinutes(120).plusMillis(59));
        assertThat(limiter.tryAcquire(1).granted()).as("a millisecond before the debt is paid").isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
    }
}
