package dev.throttle.redis;

import dev.throttle.Arguments;
import dev.throttle.LimitSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The spec of a Redis all-of composite ({@link RedisEngine#allOf(String, Map)}): every named part must grant. It
 * describes the composite for metrics and sizing.
 *
 * @param parts the parts by name, in the order they are asked (an unmodifiable copy keeping that order)
 */
public record AllOfSpec(Map<String, LimitSpec> parts) implements LimitSpec {

    /**
     * Validates and copies the parts, keeping their order.
     *
     * @param parts the parts by name, in the order they are asked; at least one
     * @throws IllegalArgumentException if {@code parts} is null or empty, or holds a null or empty name or a null
     *     spec
     */
    public AllOfSpec {
        Arguments.requireNonNull("parts", parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("parts must hold at least one limit");
        }
        for (Map.Entry<String, LimitSpec> part : parts.entrySet()) {
            if (part.getKey() == null || part.getKey().isEmpty() || part.getValue() == null) {
                throw new IllegalArgumentException("parts = " + parts + " must not hold a null or empty name, or a"
                        + " null spec");
            }
        }
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    }

    /**
     * The most one request can be granted: the smallest capacity of the parts.
     *
     * @return the capacity
     */
    @Override
    public long capacity() {
        long min = Long.MAX_VALUE;
        for (LimitSpec part : parts.values()) {
            min = Math.min(min, part.capacity());
        }
        return min;
    }

    /**
     * The longest rest time of the parts: the composite is at rest once all of them are.
     *
     * @return nanoseconds
     */
    @Override
    public long restNanos() {
        long max = 0L;
        for (LimitSpec part : parts.values()) {
            max = Math.max(max, part.restNanos());
        }
        return max;
    }
}
