package dev.throttle;

/**
 * Enforces specs: the local engine in this JVM's memory, the Redis engine across a fleet. The same spec gives the
 * same decisions on either, so moving from one machine to many changes the engine, not the code:
 * <pre>{@code
 * void configure(Engine engine) {                       // a LocalEngine, or a RedisEngine
 *     RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
 *     Limiter database = engine.limiter("database", Concurrency.of(20));
 *     KeyedLimiter<String> perClient = engine.keyed("per-client", SlidingWindow.of(100, Duration.ofMinutes(1)));
 *     KeyedLimiter<String> checkout = engine.keyed("checkout", AllOf.of(           // all or nothing
 *             AllOf.shared("global", TokenBucket.of(500, Rate.perSecond(500))),
 *             AllOf.perKey("per-client", SlidingWindow.of(100, Duration.ofMinutes(1))),
 *             AllOf.shared("orders-db", Concurrency.of(16))));
 * }
 * }</pre>
 *
 * <h2>Names</h2>
 * A name is what permits, exceptions and metrics call a limiter. On the Redis engine it is also where the state
 * lives: two limiters of one name and spec, in one JVM or many, share one state. On the local engine every call
 * makes a new limiter with a state of its own, whatever its name: share the limiter object to share its state.
 *
 * <p>Engines are thread-safe; make one, share it, and close it when done (a Redis engine closes its connection).
 */
public interface Engine extends AutoCloseable {

    /**
     * Creates a limiter enforcing a spec: any spec; an {@link AllOf} without per-key parts.
     *
     * @param name the limiter's name (for permits, exceptions and metrics; the Redis engine's key)
     * @param spec the limit
     * @return the limiter; a {@link RateLimiter} for a rate spec ({@link LimitSpec#isRate()})
     * @throws IllegalArgumentException if the name is null or empty, the spec is null, has per-key parts, or is out
     *     of the engine's range
     */
    Limiter limiter(String name, LimitSpec spec);

    /**
     * Creates a rate limiter: a limiter with the allocation-free {@link RateLimiter#allow(long)} fast path.
     *
     * @param name the limiter's name
     * @param spec a rate spec ({@link LimitSpec#isRate()}): a window, a bucket, or an {@link AllOf} of them
     * @return the limiter
     * @throws IllegalArgumentException if the name is null or empty, or the spec is null, not a rate spec, has
     *     per-key parts, or is out of the engine's range
     */
    RateLimiter rateLimiter(String name, LimitSpec spec);

    /**
     * Creates a limiter per key, all enforcing one spec; for an {@link AllOf}, its per-key parts are per key and its
     * shared parts are one limit for all keys.
     *
     * @param name the name shared by every key's limiter
     * @param spec the limit
     * @param <K> the key type
     * @return the keyed limiter
     * @throws IllegalArgumentException if the name is null or empty, or the spec is null or out of the engine's range
     */
    <K> KeyedLimiter<K> keyed(String name, LimitSpec spec);

    /**
     * Releases what the engine holds (a Redis engine's connection); its limiters must not be used afterwards. The
     * local engine holds nothing. Never throws.
     */
    @Override
    void close();
}
