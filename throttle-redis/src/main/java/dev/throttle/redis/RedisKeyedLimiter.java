package dev.throttle.redis;

import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A limiter per key, all enforcing one spec, with every key's state in Redis: key {@code k}'s limiter is the one the
 * engine makes for it, named {@code name + ":" + k} (see {@link RedisEngine#keyed(String, LimitSpec)} for where its
 * keys lie), so it shares its state with any JVM using the same name. Nothing per key is held in this JVM: a key's
 * limiter is made afresh for each call (for a rate spec, from the script, numbers and arguments the engine worked out
 * once for the spec, {@link RateShape}: a call only names the key's Redis keys), and a key's Redis state expires once
 * it has returned to rest, which is what bounds memory.
 *
 * <p>Keys with equal {@code String.valueOf} share a limiter; key types should have distinct string forms.
 *
 * <p>With a {@link FailurePolicy#fallback(dev.throttle.Engine) fallback} policy, decisions made while Redis is
 * unavailable go to one keyed limiter of the policy's engine, made on first use, whose memory that engine bounds.
 *
 * @param <K> the key type
 */
final class RedisKeyedLimiter<K> implements KeyedLimiter<K> {

    private final String name;
    private final LimitSpec spec;
    /** Makes the limiter of a key's string form. */
    private final Function<String, Limiter> limiters;
    /** Where Redis is, for the toString. */
    private final String where;

    RedisKeyedLimiter(String name, LimitSpec spec, Function<String, Limiter> limiters, String where) {
        this.name = name;
        this.spec = spec;
        this.limiters = limiters;
        this.where = where;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    /**
     * The key's limiter: the engine's limiter named {@code name + ":" + key}.
     *
     * @throws IllegalArgumentException if {@code key} is null
     */
    @Override
    public Limiter forKey(K key) {
        return limiterOf(key);
    }

    @Override
    public Permit tryAcquire(K key, long permits) {
        return limiterOf(key).tryAcquire(permits);
    }

    /**
     * {@inheritDoc}
     *
     * @throws UnsupportedOperationException if the spec is not a rate spec (a held permit must be closed, which a
     *     boolean cannot be: use {@link #tryAcquire(Object, long)})
     */
    @Override
    public boolean allow(K key, long permits) {
        Limiter limiter = limiterOf(key);
        if (!(limiter instanceof RateLimiter rate)) {
            throw new UnsupportedOperationException("allow needs a rate spec; " + spec
                    + " hands out permits to close: use tryAcquire");
        }
        return rate.allow(permits);
    }

    @Override
    public Permit acquire(K key, long permits, Duration maxWait) {
        return limiterOf(key).acquire(permits, maxWait);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(K key, long permits, Duration maxWait) {
        return limiterOf(key).acquireAsync(permits, maxWait);
    }

    /**
     * Always 0: this JVM holds no state per key. The keys live in Redis, each with an expiry at its return to rest.
     *
     * @return 0
     */
    @Override
    public long estimatedSize() {
        return 0L;
    }

    private Limiter limiterOf(K key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        return limiters.apply(String.valueOf(key));
    }

    /**
     * The keyed limiter for logs: its name, its spec in words and where Redis is, for example
     * {@code RedisKeyedLimiter[per-client: sliding window 100 per 1 min per key on redis://127.0.0.1:6379]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "RedisKeyedLimiter[" + name + ": " + SpecText.describe(spec) + " per key on " + where + "]";
    }
}
