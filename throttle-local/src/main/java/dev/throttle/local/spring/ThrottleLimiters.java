package dev.throttle.local.spring;

import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.RateLimiter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The limiters an application uses, by name: those of {@code throttle.limiters} and {@code throttle.keyed}, made by the
 * engine bean at startup (metered when a Micrometer registry is there). Inject it and ask for a limiter by its name:
 *
 * <pre>{@code
 * RateLimiter api = limiters.rateLimiter("api");
 * KeyedLimiter<String> perClient = limiters.keyed("per-client");
 * }</pre>
 *
 * <p>Each name is one limiter, shared by every caller that asks for it. Immutable and thread-safe.
 */
public final class ThrottleLimiters {

    private final Map<String, Limiter> limiters;
    private final Map<String, KeyedLimiter<String>> keyed;

    private ThrottleLimiters(Map<String, Limiter> limiters, Map<String, KeyedLimiter<String>> keyed) {
        this.limiters = limiters;
        this.keyed = keyed;
    }

    /**
     * A registry of given limiters: for an application that makes its own (a bean of this type replaces the one made
     * from the properties).
     *
     * @param limiters the limiters by name
     * @param keyed the keyed limiters by name
     * @return the registry, holding copies of the maps in their order
     * @throws IllegalArgumentException if a map, a name or a limiter is null
     */
    public static ThrottleLimiters of(Map<String, ? extends Limiter> limiters,
            Map<String, ? extends KeyedLimiter<String>> keyed) {
        return new ThrottleLimiters(copy(limiters), copy(keyed));
    }

    private static <V> Map<String, V> copy(Map<String, ? extends V> map) {
        if (map == null) {
            throw new IllegalArgumentException("limiters must not be null");
        }
        Map<String, V> copy = new LinkedHashMap<>();
        map.forEach((name, limiter) -> {
            if (name == null || limiter == null) {
                throw new IllegalArgumentException("a limiter's name and the limiter must not be null");
            }
            copy.put(name, limiter);
        });
        return Collections.unmodifiableMap(copy);
    }

    /**
     * The limiter of a name.
     *
     * @param name its name, a key of {@code throttle.limiters}
     * @return the limiter
     * @throws IllegalArgumentException if there is no limiter of that name
     */
    public Limiter limiter(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(
                "no limiter named " + name + "; the limiters are " + limiters.keySet()));
    }

    /**
     * The limiter of a name, if there is one.
     *
     * @param name its name
     * @return the limiter, or empty
     */
    public Optional<Limiter> find(String name) {
        return Optional.ofNullable(limiters.get(name));
    }

    /**
     * The rate limiter of a name: a limiter of a rate spec (a bucket, a window, a log), with the allocation-free
     * {@link RateLimiter#allow(long)}.
     *
     * @param name its name
     * @return the limiter
     * @throws IllegalArgumentException if there is no limiter of that name, or it is not a rate limiter (a
     *     concurrency limit)
     */
    public RateLimiter rateLimiter(String name) {
        Limiter limiter = limiter(name);
        if (!(limiter instanceof RateLimiter)) {
            throw new IllegalArgumentException("limiter " + name + " is not a rate limiter: " + limiter.spec());
        }
        return (RateLimiter) limiter;
    }

    /**
     * The keyed limiter of a name.
     *
     * @param name its name, a key of {@code throttle.keyed}
     * @return the keyed limiter
     * @throws IllegalArgumentException if there is no keyed limiter of that name
     */
    public KeyedLimiter<String> keyed(String name) {
        return findKeyed(name).orElseThrow(() -> new IllegalArgumentException(
                "no keyed limiter named " + name + "; the keyed limiters are " + keyed.keySet()));
    }

    /**
     * The keyed limiter of a name, if there is one.
     *
     * @param name its name
     * @return the keyed limiter, or empty
     */
    public Optional<KeyedLimiter<String>> findKeyed(String name) {
        return Optional.ofNullable(keyed.get(name));
    }

    /**
     * Every limiter, by name, in the configuration's order.
     *
     * @return an unmodifiable map
     */
    public Map<String, Limiter> limiters() {
        return limiters;
    }

    /**
     * Every keyed limiter, by name, in the configuration's order.
     *
     * @return an unmodifiable map
     */
    public Map<String, KeyedLimiter<String>> keyedLimiters() {
        return keyed;
    }

    @Override
    public String toString() {
        return "ThrottleLimiters[limiters=" + limiters.keySet() + ", keyed=" + keyed.keySet() + "]";
    }
}
