package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad input is an IllegalArgumentException naming the parameter, thrown before Redis is asked or state touched. */
class RedisBadInputTest {

    @Test
    void badCallsAreRefusedAndChangeNothing() {
        RedisServer server = RedisServer.get();
        try (RedisEngine engine = RedisEngine.builder(server.connection())
                .keyPrefix(RedisServer.uniquePrefix("bad")).build()) {
            RateLimiter limiter = engine.rateLimiter("bucket", TokenBucket.of(3, Rate.perMinute(1)));
            assertThatThrownBy(() -> limiter.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("permits");
            assertThatThrownBy(() -> limiter.tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> limiter.allow(4)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[1, 3]");
            assertThatThrownBy(() -> limiter.acquire(1, null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxWait");
            assertThatThrownBy(() -> limiter.acquire(1, Duration.ofNanos(-1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> limiter.acquireAsync(1, Arguments.MAX_DURATION.plusNanos(1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> limiter.acquireAsync(Long.MAX_VALUE, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class);
            // Nothing was taken: the whole capacity is still there.
            assertThat(limiter.tryAcquire(3).granted()).isTrue();
            assertThat(limiter.allow(1)).isFalse();
        }
    }

    @Test
    void badEngineArgumentsAreRefused() {
        RedisServer server = RedisServer.get();
        try (RedisEngine engine = RedisEngine.builder(server.connection())
                .keyPrefix(RedisServer.uniquePrefix("bad")).build()) {
            FixedWindow spec = FixedWindow.of(1, Duration.ofSeconds(1));
            assertThatThrownBy(() -> engine.limiter(null, spec)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("name");
            assertThatThrownBy(() -> engine.limiter("", spec)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.limiter("x", null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("spec");
            // Concurrency specs are limiters, not rate limiters.
            assertThatThrownBy(() -> engine.rateLimiter("x", Concurrency.of(3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not supported");
            // Client-side throttling decides from this JVM's own calls: only the local engine enforces it.
            for (LimitSpec clientSide : List.of(ClientSideThrottling.defaults(),
                    AllOf.of(AllOf.shared("rate", spec), AllOf.shared("client", ClientSideThrottling.defaults())))) {
                assertThatThrownBy(() -> engine.limiter("x", clientSide)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("only the local engine");
                assertThatThrownBy(() -> engine.keyed("x", clientSide)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("only the local engine");
            }
            assertThatThrownBy(() -> engine.rateLimiter("x", ClientSideThrottling.defaults()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> RedisEngine.builder(server.connection()).keyPrefix("a{b}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix");
        assertThatThrownBy(() -> RedisEngine.builder((StatefulRedisConnection<String, String>) null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisEngine.builder(server.connection()).minExpiry(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minExpiry");
        assertThatThrownBy(() -> RedisEngine.builder(server.connection()).commandTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void specsBeyondTheScriptsExactRangeAreRefusedInClientTime() {
        RedisServer server = RedisServer.get();
        try (RedisEngine engine = RedisEngine.builder(server.connection()).ticker(new dev.throttle.ManualClock())
                .keyPrefix(RedisServer.uniquePrefix("bad")).build()) {
            // 3650 days in nanoseconds is about 3.2e17, beyond 2^52.
            assertThatThrownBy(() -> engine.limiter("huge", FixedWindow.of(1, Arguments.MAX_DURATION)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        }
    }
}
