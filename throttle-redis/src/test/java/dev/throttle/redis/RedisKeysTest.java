package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.ManualClock;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The key rule: {@code prefix{name}suffix}, the name hashed (SHA-256 hex) when longer than 200 characters or holding
 * a brace; odd names work, stay apart, and every key of a limiter lies in one cluster slot.
 */
class RedisKeysTest {

    @Test
    void theRuleKeepsShortPlainNamesAndHashesLongOrBracedOnes() {
        assertThat(Keys.key("p:", "api users", ":fw")).isEqualTo("p:{api users}:fw");
        assertThat(Keys.key("p:", "é 🚀", ":fw")).isEqualTo("p:{é 🚀}:fw");
        String braced = Keys.key("p:", "a{b}c", ":fw");
        assertThat(braced).matches("p:\\{[0-9a-f]{64}\\}:fw");
        assertThat(Keys.key("p:", "x".repeat(200), "")).isEqualTo("p:{" + "x".repeat(200) + "}");
        assertThat(Keys.key("p:", "x".repeat(201), "")).matches("p:\\{[0-9a-f]{64}\\}");
        assertThat(Keys.tag("x".repeat(201))).isNotEqualTo(Keys.tag("x".repeat(202)));
    }

    @Test
    void oddNamesWorkStayApartAndKeepTheirKeysInOneSlot() {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("keys");
        RedisCommands<String, String> redis = server.connection().sync();
        List<String> names = List.of("with spaces", "ünïcødé ✓", "{braces}", "}{", "x".repeat(10_240),
                "x".repeat(10_241), "'); redis.call('FLUSHALL') --");
        // A manual clock: on the server's, a window boundary between a name's two decisions would reset its count.
        ManualClock clock = new ManualClock(1_000_000_000L);
        try (RedisEngine engine = RedisEngine.builder(server.connection()).keyPrefix(prefix).ticker(clock)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            for (String name : names) {
                RateLimiter limiter = engine.rateLimiter(name, FixedWindow.of(2, Duration.ofMinutes(1)));
                assertThat(limiter.tryAcquire(2).granted()).as("first of %s", name.length()).isTrue();
                assertThat(limiter.tryAcquire(1).granted()).as("over the limit for %s", name.length()).isFalse();
                RateLimiter log = engine.rateLimiter(name, SlidingLog.of(1, Duration.ofMinutes(1)));
                assertThat(log.tryAcquire(1).granted()).isTrue();
            }
            List<String> keys = redis.keys(prefix + "*");
            // Per name: the fixed window's hash, the log's set and its counter.
            assertThat(keys).hasSize(names.size() * 3);
            assertThat(keys).allSatisfy(key -> assertThat(key.length()).isLessThan(prefix.length() + 210));
            for (String name : names) {
                int slot = SlotHash.getSlot(Keys.key(prefix, name, ":fw"));
                assertThat(SlotHash.getSlot(Keys.key(prefix, name, ":sl"))).isEqualTo(slot);
                assertThat(SlotHash.getSlot(Keys.key(prefix, name, ":sl:seq"))).isEqualTo(slot);
            }
            assertThat(redis.dbsize()).as("the injection-looking name flushed nothing").isPositive();
        }
    }
}
