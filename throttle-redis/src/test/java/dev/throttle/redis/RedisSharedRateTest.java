package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rate shared through Redis: two engines on their own connections (two nodes) share one limiter and one manual
 * clock (client-time mode); a factor published by one node applies to the other's very next decision, in exact counts.
 */
class RedisSharedRateTest {

    private static final long MILLI = 1_000_000L;
    private static final Duration TTL = Duration.ofMinutes(5);

    private final TwoNodes nodes = new TwoNodes("shared-rate");
    private final RedisServer server = nodes.server;
    private final String prefix = nodes.prefix;
    private final ManualClock clock = nodes.clock;
    private final RedisEngine nodeA = nodes.nodeA;
    private final RedisEngine nodeB = nodes.nodeB;

    @AfterEach
    void close() {
        nodes.close();
    }

    @Test
    void aHalvedRateIsFollowedAtOnceByEveryNodeAndTheFullRateComesBack() {
        TokenBucket spec = TokenBucket.of(10, Rate.perSecond(10));
        RateLimiter a = nodeA.sharedRateLimiter("api", spec);
        RateLimiter b = nodeB.sharedRateLimiter("api", spec);
        RedisSharedRate publisher = nodeA.sharedRate("api", TTL);

        assertThat(b.tryAcquire(10).granted()).isTrue();
        assertThat(b.tryAcquire(1).retryAfterNanos()).isEqualTo(100 * MILLI);

        publisher.setFactor(0.5);
        assertThat(nodeB.sharedRate("api", TTL).factor()).isEqualTo(0.5);
        // Still drained, and a permit now comes back every 200 ms, on both nodes.
        assertThat(b.tryAcquire(1).retryAfterNanos()).isEqualTo(200 * MILLI);
        assertThat(a.tryAcquire(1).retryAfterNanos()).isEqualTo(200 * MILLI);
        clock.advance(199 * MILLI);
        assertThat(b.tryAcquire(1).granted()).isFalse();
        clock.advance(MILLI);
        Permit one = b.tryAcquire(1);
        assertThat(one.granted()).isTrue();
        assertThat(one.remaining()).isZero();
        assertThat(a.allow(1)).isFalse();

        // The burst scales too: a full bucket holds 5 permits at half the rate.
        clock.advance(Duration.ofSeconds(5));
        assertThat(b.availablePermits()).isEqualTo(5);
        assertThat(a.tryAcquire(6).granted()).isFalse();
        assertThat(a.tryAcquire(5).granted()).isTrue();
        assertThat(b.allow(1)).isFalse();

        publisher.setFactor(1.0);
        assertThat(b.tryAcquire(1).retryAfterNanos()).isEqualTo(100 * MILLI);
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.availablePermits()).isEqualTo(10);
        assertThat(a.tryAcquire(10).granted()).isTrue();
        assertThat(b.allow(1)).isFalse();
    }

    @Test
    void anAbsentResetOrUnreadableFactorIsTheFullRate() {
        TokenBucket spec = TokenBucket.of(4, Rate.perSecond(4));
        RateLimiter b = nodeB.sharedRateLimiter("plain", spec);
        RedisSharedRate publisher = nodeA.sharedRate("plain", TTL);
        assertThat(publisher.factor()).isEqualTo(1.0);
        assertThat(b.availablePermits()).isEqualTo(4);

        publisher.setFactor(0.25);
        assertThat(b.availablePermits()).isEqualTo(1);
        publisher.reset();
        assertThat(publisher.factor()).isEqualTo(1.0);
        assertThat(b.availablePermits()).isEqualTo(4);

        String key = RedisSharedRate.key(prefix, "plain");
        for (String unreadable : new String[] {"abc", "0", "-5", "1000001", "2.5", ""}) {
            server.connection().sync().set(key, unreadable);
            assertThat(b.availablePermits()).as(unreadable).isEqualTo(4);
            assertThat(publisher.factor()).as(unreadable).isEqualTo(1.0);
        }
        server.connection().sync().set(key, "500000");
        assertThat(b.availablePermits()).isEqualTo(2);
    }

    @Test
    void aPublishedFactorExpiresBackToTheFullRate() {
        RateLimiter b = nodeB.sharedRateLimiter("expiring", TokenBucket.of(4, Rate.perSecond(4)));
        RedisSharedRate publisher = nodeA.sharedRate("expiring", Duration.ofSeconds(1));
        publisher.setFactor(0.5);
        long ttl = server.connection().sync().pttl(RedisSharedRate.key(prefix, "expiring"));
        assertThat(ttl).isBetween(1L, 1000L);
        Polling.until(() -> b.availablePermits() == 4, Duration.ofSeconds(5));
        assertThat(b.availablePermits()).isEqualTo(4);
        assertThat(publisher.factor()).isEqualTo(1.0);
    }

    @Test
    void leakyBucketsFollowTheFactorAndAShapingQueueKeepsItsDelay() {
        RateLimiter meter = nodeB.sharedRateLimiter("meter", LeakyBucket.meter(6, Rate.perSecond(10)));
        RateLimiter queue = nodeB.sharedRateLimiter("queue",
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(400)));
        nodeA.sharedRate("meter", TTL).setFactor(0.5);
        nodeA.sharedRate("queue", TTL).setFactor(0.5);

        assertThat(meter.availablePermits()).isEqualTo(3);
        assertThat(meter.tryAcquire(3).granted()).isTrue();
        assertThat(meter.tryAcquire(1).retryAfterNanos()).isEqualTo(200 * MILLI);

        // 400 ms of queue at 200 ms per request: the head now and two more.
        assertThat(queue.availablePermits()).isEqualTo(3);
        assertThat(queue.tryAcquire(1).granted()).isTrue();
        Permit refused = queue.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(200 * MILLI);
    }

    @Test
    void aTinyFactorStillLeavesOnePermitAndKeepsTheArithmeticExact() {
        RateLimiter b = nodeB.sharedRateLimiter("tiny", TokenBucket.of(3, Rate.perSecond(3)));
        nodeA.sharedRate("tiny", TTL).setFactor(0.000001);
        Permit first = b.tryAcquire(1);
        assertThat(first.granted()).isTrue();
        assertThat(first.remaining()).isZero();
        // A million times slower: one permit per 333,333,334 ns x 10^6.
        assertThat(b.tryAcquire(1).retryAfterNanos()).isEqualTo(333_333_334L * 1_000_000L);
    }

    @Test
    void badArgumentsAreRefusedNamingTheParameter() {
        RedisSharedRate publisher = nodeA.sharedRate("bad", TTL);
        for (double factor : new double[] {0.0, -0.5, 1.5, 0.0000001, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> publisher.setFactor(factor)).as(Double.toString(factor))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("factor").hasMessageContaining("[0.000001, 1]");
        }
        assertThat(publisher.factor()).as("nothing was written").isEqualTo(1.0);
        assertThatThrownBy(() -> nodeA.sharedRate("bad", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThatThrownBy(() -> nodeA.sharedRate("bad", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl");
        assertThatThrownBy(() -> nodeA.sharedRate("", TTL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> nodeA.sharedRateLimiter("bad", FixedWindow.of(1, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spec");
        assertThatThrownBy(() -> nodeA.sharedRateLimiter("bad", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spec");
    }
}
