package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.LimitSpec;
import java.util.List;
import java.util.Objects;

/**
 * The spec of an all-of composite ({@link Limiters#allOf}): every part must grant. It describes the composite for
 * metrics and sizing; engines do not build limiters from it.
 *
 * @param parts the specs of the parts, in the order they are asked; at least one
 */
public record AllOf(List<LimitSpec> parts) implements LimitSpec {

    /**
     * Validates and copies the parts.
     *
     * @param parts the specs of the parts, in the order they are asked; at least one
     * @throws IllegalArgumentException if {@code parts} is null, empty or holds a null
     */
    public AllOf {
        Arguments.requireNonNull("parts", parts);
        if (parts.isEmpty() || parts.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("parts = " + parts + " must hold at least one spec and no null");
        }
        parts = List.copyOf(parts);
    }

    /**
     * The most one request can be granted: the smallest capacity of the parts.
     *
     * @return the capacity
     */
    @Override
    public long capacity() {
        long min = Long.MAX_VALUE;
        for (LimitSpec part : parts) {
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
        for (LimitSpec part : parts) {
            max = Math.max(max, part.restNanos());
        }
        return max;
    }
}
