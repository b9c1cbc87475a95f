package dev.throttle.redis;

import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A limiter per key, all enforcing one spec, with every key's state in Redis: the key {@code k}'s limiter is the
 * engine's limiter named {@code name + ":" + String.valueOf(k)}, so it follows the engine's key rule (the name is its
 * own cluster hash tag, or its SHA-256 when longer than 200 characters or holding a brace) and shares its state with
 * any JVM using the same name. Nothing per key is held in this JVM: a key's limiter is made afresh for each call
 * (cheap: a few strings), and a key's Redis state expires once it has returned to rest, which is what bounds memory.
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
    private final RedisEngine engine;
    private final AtomicReference<KeyedLimiter<String>> fallback = new AtomicReference<>();

    RedisKeyedLimiter(String name, LimitSpec spec, RedisEngine engine) {
        this.name = name;
        this.spec = spec;
        this.engine = engine;
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

    @Override
    public boolean allow(K key, long permits) {
        return limiterOf(key).allow(permits);
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

    private RedisRateLimiter limiterOf(K key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        Supplier<Limiter> fallback = null;
        if (engine.failurePolicy().kind() == FailurePolicy.Kind.FALLBACK) {
            String local = String.valueOf(key);
            fallback = () -> localKeyed().forKey(local);
        }
        return engine.rateLimiter(name + ":" + key, spec, fallback);
    }

    /** The failure policy's keyed fallback (its engine bounds its memory), made on first use. */
    private KeyedLimiter<String> localKeyed() {
        KeyedLimiter<String> local = fallback.get();
        if (local == null) {
            FailurePolicy policy = engine.failurePolicy();
            fallback.compareAndSet(null, policy.localKeyed(name, policy.localSpec(spec)));
            local = fallback.get();
        }
        return local;
    }

    @Override
    public String toString() {
        return "RedisKeyedLimiter[" + name + ", " + spec + "]";
    }
}
