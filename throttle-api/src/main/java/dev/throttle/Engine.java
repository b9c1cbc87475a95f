package dev.throttle;

/**
 * Enforces specs: the local engine in this JVM's memory, the Redis engine across a fleet. The same spec gives the
 * same decisions on either, so moving from one machine to many changes the engine, not the code.
 */
public interface Engine {

    /**
     * Creates a limiter enforcing a spec.
     *
     * @param name the limiter's name (for permits, exceptions and metrics; the Redis engine's key)
     * @param spec the limit
     * @return the limiter
     * @throws IllegalArgumentException if the name is null or empty, or the engine does not support the spec
     */
    Limiter limiter(String name, LimitSpec spec);

    /**
     * Creates a limiter per key, all enforcing one spec.
     *
     * @param name the name shared by every key's limiter
     * @param spec the limit
     * @param <K> the key type
     * @return the keyed limiter
     * @throws IllegalArgumentException if the name is null or empty, or the engine does not support the spec
     */
    <K> KeyedLimiter<K> keyed(String name, LimitSpec spec);
}
