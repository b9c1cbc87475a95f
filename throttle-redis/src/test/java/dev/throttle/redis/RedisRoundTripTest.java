package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Exactly one round trip per decision, proved by the server's own command statistics: N decisions add exactly N
 * EVALSHA calls, and no other command. Redis counts the commands a script runs inside itself too; those (read from
 * the scripts' text) are not round trips and are left out, as is INFO, the measurement itself.
 */
class RedisRoundTripTest {

    private static final Pattern STAT = Pattern.compile("cmdstat_([^:]+):calls=(\\d+)");
    private static final Pattern CALL = Pattern.compile("redis\\.call\\('([A-Za-z]+)'");

    @Test
    void eachDecisionIsExactlyOneEvalshaAndNothingElse() {
        RedisServer server = RedisServer.get();
        try (StatefulRedisConnection<String, String> admin = server.newConnection();
                RedisEngine engine = RedisEngine.builder(server.client(), server.uri())
                        .keyPrefix(RedisServer.uniquePrefix("roundtrip"))
                        .refusalCache(false) // a cached refusal makes no round trip at all (RedisFaultTest)
                        .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            List<RateLimiter> limiters = List.of(
                    engine.rateLimiter("bucket", TokenBucket.of(3, Rate.perSecond(1))),
                    engine.rateLimiter("meter", LeakyBucket.meter(3, Rate.perSecond(1))),
                    engine.rateLimiter("fixed", FixedWindow.of(3, Duration.ofMinutes(1))),
                    engine.rateLimiter("sliding", SlidingWindow.of(3, Duration.ofMinutes(1))),
                    engine.rateLimiter("log", SlidingLog.of(3, Duration.ofMinutes(1))));
            // Warm up: the scripts loaded when the engine was built precede this decision on the connection.
            limiters.get(0).tryAcquire(1);

            Map<String, Long> before = commandStats(admin);
            int decisions = 0;
            int refusals = 0;
            for (int round = 0; round < 6; round++) {
                for (RateLimiter limiter : limiters) {
                    Permit permit = limiter.tryAcquire(1);
                    refusals += permit.granted() ? 0 : 1;
                    limiter.allow(1);
                    decisions += 2;
                }
            }
            Map<String, Long> after = commandStats(admin);

            assertThat(refusals).as("the decisions include refusals").isPositive();
            assertThat(delta(before, after, "evalsha")).isEqualTo(decisions);
            Set<String> insideScripts = commandsCalledByScripts();
            assertThat(insideScripts).contains("get", "set", "hmget", "zadd");
            Map<String, Long> others = new HashMap<>();
            for (String command : after.keySet()) {
                if (!command.equals("evalsha") && !command.equals("info") && !insideScripts.contains(command)) {
                    long calls = delta(before, after, command);
                    if (calls != 0) {
                        others.put(command, calls);
                    }
                }
            }
            assertThat(others).as("commands other than EVALSHA during the decisions").isEmpty();
        }
    }

    private static Map<String, Long> commandStats(StatefulRedisConnection<String, String> admin) {
        Map<String, Long> stats = new HashMap<>();
        Matcher matcher = STAT.matcher(admin.sync().info("commandstats"));
        while (matcher.find()) {
            stats.put(matcher.group(1), Long.parseLong(matcher.group(2)));
        }
        return stats;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String command) {
        return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }

    private static Set<String> commandsCalledByScripts() {
        Set<String> commands = new HashSet<>();
        for (Script script : Script.ALL) {
            Matcher matcher = CALL.matcher(script.text);
            while (matcher.find()) {
                commands.add(matcher.group(1).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return commands;
    }
}
