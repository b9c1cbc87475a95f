package dev.throttle;

import dev.throttle.kernel.Arguments;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Several limits at once, all or nothing: a request is granted only if every part grants it, and a refusal by one
 * part leaves the others as if nothing had been asked. The refusal names the part that refused
 * ({@link Permit#limiterName()}), with that part's retry time. Parts are asked in order, and a refusal stops there:
 * the parts after the one that refused are not asked, so the retry time is a lower bound. A later part that needs
 * longer refuses the retry with its own time; a waiting {@link Limiter#acquire acquire} waits until every part grants.
 *
 * <p>A part is {@linkplain #shared(String, LimitSpec) shared} by every request of the composite (a global limit, a
 * route's), or {@linkplain #perKey(String, LimitSpec) per key} (per client, per API key): a composite with a per-key
 * part is made with {@link Engine#keyed(String, LimitSpec)}, which gives each key its own state for those parts and
 * one state for the shared ones.
 * <pre>{@code
 * KeyedLimiter<String> checkout = engine.keyed("checkout", AllOf.of(
 *         AllOf.shared("global", TokenBucket.of(500, Rate.perSecond(500))),
 *         AllOf.perKey("per-client", SlidingWindow.of(100, Duration.ofMinutes(1))),
 *         AllOf.shared("orders-db", Concurrency.of(16))));
 * try (Permit permit = checkout.tryAcquire(clientId, 1)) { ... }
 * }</pre>
 * A composite's parts belong to it: they are not shared with a limiter of the same name made elsewhere. On the Redis
 * engine one script call decides every part, and every key of one decision lies in one cluster slot.
 *
 * @param parts the parts, in the order they are asked; at least one, with distinct names, none an {@code AllOf}
 */
public record AllOf(List<Part> parts) implements LimitSpec {

    /**
     * One limit of a composite.
     *
     * @param name the part's name: it names the part's refusals and, on Redis, its keys within the composite's
     * @param spec the part's limit; not an {@code AllOf}
     * @param perKey whether each key has its own state for this part ({@link Engine#keyed}), rather than one state
     *     shared by all requests
     */
    public record Part(String name, LimitSpec spec, boolean perKey) {

        /**
         * Validates the part.
         *
         * @param name the part's name, not empty
         * @param spec the part's limit, not an {@code AllOf}
         * @param perKey whether each key has its own state for this part
         * @throws IllegalArgumentException if the name is null or empty, or the spec null or an {@code AllOf}
         */
        public Part {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name must not be null or empty");
            }
            Arguments.requireNonNull("spec", spec);
            if (spec instanceof AllOf) {
                throw new IllegalArgumentException("spec of part " + name + " is an AllOf; list its parts instead");
            }
        }

        /**
         * The part for logs: {@code global: TokenBucket[capacity=500, rate=500/s]}, or
         * {@code per-client (per key): SlidingWindow[limit=100 per 1 min]}.
         *
         * @return the text
         */
        @Override
        public String toString() {
            return name + (perKey ? " (per key): " : ": ") + spec;
        }
    }

    /**
     * Validates and copies the parts.
     *
     * @param parts the parts, in the order they are asked; at least one, with distinct names
     * @throws IllegalArgumentException if {@code parts} is null or empty, holds a null, or two parts share a name
     */
    public AllOf {
        Arguments.requireNonNull("parts", parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("parts must hold at least one part");
        }
        Set<String> names = new HashSet<>();
        for (Part part : parts) {
            Arguments.requireNonNull("part", part);
            if (!names.add(part.name())) {
                throw new IllegalArgumentException("parts = " + parts + " has two parts named " + part.name()
                        + "; part names must be distinct");
            }
        }
        parts = List.copyOf(parts);
    }

    /**
     * A composite of these parts, asked in this order.
     *
     * @param parts the parts; at least one, with distinct names
     * @return the spec
     * @throws IllegalArgumentException if {@code parts} is null or empty, holds a null, or two parts share a name
     */
    public static AllOf of(Part... parts) {
        Arguments.requireNonNull("parts", parts);
        return new AllOf(List.of(parts.clone()));
    }

    /**
     * A part with one state shared by every request of the composite (a global or a route's limit).
     *
     * @param name the part's name
     * @param spec its limit
     * @return the part
     * @throws IllegalArgumentException if the name is null or empty, or the spec null or an {@code AllOf}
     */
    public static Part shared(String name, LimitSpec spec) {
        return new Part(name, spec, false);
    }

    /**
     * A part with one state per key (a client's limit); the composite is then made with {@link Engine#keyed}.
     *
     * @param name the part's name
     * @param spec its limit, per key
     * @return the part
     * @throws IllegalArgumentException if the name is null or empty, or the spec null or an {@code AllOf}
     */
    public static Part perKey(String name, LimitSpec spec) {
        return new Part(name, spec, true);
    }

    /**
     * Whether a part has per-key state, so that the composite needs {@link Engine#keyed}.
     *
     * @return true if any part is per key
     */
    public boolean hasPerKeyParts() {
        for (Part part : parts) {
            if (part.perKey()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The most one request can be granted: the smallest capacity of the parts.
     *
     * @return the capacity
     */
    @Override
    public long capacity() {
        long min = Long.MAX_VALUE;
        for (Part part : parts) {
            min = Math.min(min, part.spec().capacity());
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
        for (Part part : parts) {
            max = Math.max(max, part.spec().restNanos());
        }
        return max;
    }

    /**
     * A rate composite when every part is a rate spec: its permits need no closing.
     *
     * @return true if no part is a concurrency limit
     */
    @Override
    public boolean isRate() {
        for (Part part : parts) {
            if (!part.spec().isRate()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The composite for logs, its parts in order: {@code AllOf[global: TokenBucket[capacity=500, rate=500/s],
     * per-client (per key): SlidingWindow[limit=100 per 1 min]]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        StringJoiner text = new StringJoiner(", ", "AllOf[", "]");
        for (Part part : parts) {
            text.add(part.toString());
        }
        return text.toString();
    }

    /**
     * Calls the visitor's method for composites.
     *
     * @param visitor the visitor
     * @param <R> what it answers
     * @return its answer
     */
    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.allOf(this);
    }
}
