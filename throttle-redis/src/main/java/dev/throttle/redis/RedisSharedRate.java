package dev.throttle.redis;

import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Durations;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The publisher of a fleet-wide rate factor: every node's limiter made by
 * {@link RedisEngine#sharedRateLimiter(String, dev.throttle.LimitSpec)} under the same name reads it in the same
 * script call as its decision (no extra round trip), so a factor set by any node applies to the next decision of every
 * node.
 *
 * <p>The factor scales the spec's rate: 1 is the full rate, 0.5 half of it (the interval per permit doubles, rounded
 * up to a whole clock unit). The burst scales with it: the bucket keeps its tolerance, a span of time (capacity ×
 * interval, and a shaping queue's longest delay), so it holds {@code floor(capacity × factor)} permits, at least one;
 * a request for more than that is granted only by waiting for a reserved slot. The bucket's state is a time, so a
 * change needs no conversion: a drained bucket stays drained and refills at the new rate from the next decision on.
 * The factor is stored in one key next to the limiter's own (same hash tag, so a Cluster keeps them in one slot) as
 * an integer in millionths, {@code [1, 1000000]}, rounded to the nearest millionth; any other content of the key
 * counts as the full rate. A factor only ever lowers the rate: the spec stays the ceiling. At very small factors the
 * interval is capped so that capacity × interval stays at most 2^52 clock units, the scripts' exact range.
 *
 * <p><b>Expiry.</b> Every {@link #setFactor(double)} writes the key with this publisher's time to live; once it
 * expires, limiters are back at the full rate. A controller republishes (at least once per TTL) for as long as it
 * wants a reduced rate, so a controller that stops, or a node that dies, never leaves the fleet throttled for good.
 * {@link #reset()} returns to the full rate at once.
 *
 * <p>While Redis is unavailable, a limiter's local fallback (if its failure policy has one) enforces the spec's full
 * rate: the factor lives in Redis.
 */
public final class RedisSharedRate {

    /** The factor's unit in the key: millionths of the spec's rate. */
    static final long SCALE = 1_000_000L;

    private final String name;
    private final String key;
    /** The engine's commands; throws while the engine has not connected yet (see {@link RedisLink}). */
    private final Supplier<RedisClusterAsyncCommands<String, String>> commands;
    private final long ttlMillis;
    private final long timeoutNanos;

    RedisSharedRate(String name, String key, Supplier<RedisClusterAsyncCommands<String, String>> commands,
            long ttlMillis, long timeoutNanos) {
        this.name = name;
        this.key = key;
        this.commands = commands;
        this.ttlMillis = ttlMillis;
        this.timeoutNanos = timeoutNanos;
    }

    /** The key of a limiter's shared rate factor: next to its own keys, under the same hash tag. */
    static String key(String prefix, String name) {
        return Keys.key(prefix, name, ":rate");
    }

    /**
     * The name of the limiters this publisher steers.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Publishes a factor of the spec's rate for every node, for this publisher's time to live; it applies to the next
     * decision of every node's limiter of this name. Returns once Redis has stored it.
     *
     * @param factor the fraction of the spec's rate, in {@code [0.000001, 1]}; stored rounded to the nearest millionth
     * @throws IllegalArgumentException if {@code factor} is outside {@code [0.000001, 1]} (or not a number)
     * @throws RuntimeException the Redis failure, or a timeout after the engine's command timeout
     */
    public void setFactor(double factor) {
        long millionths = millionths(factor);
        await(commands.get().set(key, Long.toString(millionths), SetArgs.Builder.px(ttlMillis)));
    }

    /**
     * The factor in force: the one last published, or 1 (the full rate) when none is, or it has expired.
     *
     * @return the factor, in {@code [0.000001, 1]}
     * @throws RuntimeException the Redis failure, or a timeout after the engine's command timeout
     */
    public double factor() {
        String stored = await(commands.get().get(key));
        return (double) storedMillionths(stored) / SCALE;
    }

    /**
     * Returns every node to the spec's full rate at once (removes the published factor).
     *
     * @throws RuntimeException the Redis failure, or a timeout after the engine's command timeout
     */
    public void reset() {
        await(commands.get().del(key));
    }

    /** The factor in millionths, as the scripts read it; checks the range first. */
    static long millionths(double factor) {
        if (!(factor >= 1.0 / SCALE && factor <= 1.0)) { // also refuses NaN
            throw new IllegalArgumentException("factor = " + factor + " is out of range; allowed range is [0.000001,"
                    + " 1]");
        }
        return Math.max(1L, Math.min(SCALE, Math.round(factor * SCALE)));
    }

    /** How the scripts read the key: an integer in [1, 10^6], anything else (or nothing) the full rate. */
    static long storedMillionths(String stored) {
        if (stored == null) {
            return SCALE;
        }
        try {
            long value = Long.parseLong(stored);
            return value >= 1L && value <= SCALE ? value : SCALE;
        } catch (NumberFormatException notAnInteger) {
            return SCALE;
        }
    }

    private <T> T await(RedisFuture<T> pending) {
        try {
            return pending.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing the shared rate of " + name, interrupted);
        } catch (ExecutionException failure) {
            Throwable cause = Acquisition.unwrap(failure);
            throw cause instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("the shared rate of " + name + " failed", cause);
        } catch (TimeoutException timeout) {
            throw new RedisCommandTimeoutException("the shared rate of " + name + " took over "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
    }

    /**
     * The publisher in one line, for logs: its name, the key it publishes to and the time to live of what it
     * publishes, for example {@code RedisSharedRate[api: key throttle:{api}:rate, ttl 5 s]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "RedisSharedRate[" + name + ": key " + key + ", ttl " + Durations.text(ttlMillis * 1_000_000L) + "]";
    }
}
