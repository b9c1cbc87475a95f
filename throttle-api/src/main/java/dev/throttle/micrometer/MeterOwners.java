package dev.throttle.micrometer;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Which limiter the meters of each limiter name (and extra tags) belong to, per registry: a registry hands back the
 * meter it holds for the same name and tags, so two limiters metered under one name would silently add into one set
 * of counters, and the gauges would keep reading the first. A second limiter under a name already metered in a
 * registry is refused instead, while its owner lives and its meters are registered.
 *
 * <p>Registries and limiters are held weakly: a discarded registry takes its entries with it, and a discarded limiter
 * frees its name (its gauges, which read NaN by then, are replaced by the next owner's).
 */
final class MeterOwners {

    /** Per registry (by identity: registries do not override equals), the owner of each set of limiter tags. */
    private static final Map<MeterRegistry, Map<Tags, WeakReference<Object>>> OWNERS = new WeakHashMap<>();

    private MeterOwners() {
    }

    /**
     * Records {@code limiter} as the owner of the meters tagged {@code tags} in {@code registry}, or fails if another
     * live limiter owns them.
     *
     * @param registry the registry
     * @param name the limiter's name
     * @param tags the limiter's tags: its name and any extra tags
     * @param limiter the limiter to meter (a metered decorator counts as the limiter it decorates)
     * @param gauges the names of the gauges this limiter registers, to find a previous owner's
     * @return true if a previous owner was discarded and its gauges are still registered: the caller removes them
     * @throws IllegalArgumentException if another limiter owns these meters
     */
    static boolean claim(MeterRegistry registry, String name, Tags tags, Object limiter, String... gauges) {
        Object source = unwrapped(limiter);
        synchronized (OWNERS) {
            Map<Tags, WeakReference<Object>> owners = OWNERS.computeIfAbsent(registry, r -> new HashMap<>());
            WeakReference<Object> previous = owners.get(tags);
            Object owner = previous == null ? null : previous.get();
            if (owner == source) {
                return false;
            }
            boolean registered = registered(registry, tags, ThrottleMetrics.PERMITS)
                    || registered(registry, tags, gauges);
            if (owner != null && registered) {
                throw new IllegalArgumentException("limiter = " + name + " is already metered in this registry by"
                        + " another limiter of the same name and tags " + tags + ": their counts would add up in one"
                        + " set of meters; give one of them another name or an extra tag, or share the limiter"
                        + " already metered");
            }
            owners.put(tags, new WeakReference<>(source));
            return previous != null && registered;
        }
    }

    /** Removes the gauges a discarded owner left, so that the new owner's can be registered. */
    static void removeGauges(MeterRegistry registry, Tags tags, String... gauges) {
        for (String gauge : gauges) {
            for (Meter meter : registry.find(gauge).tags(tags).meters()) {
                if (Tags.of(meter.getId().getTags()).equals(tags)) {
                    registry.remove(meter);
                }
            }
        }
    }

    /** Whether one of the named meters is registered with exactly these tags (or these plus outcome and reason). */
    private static boolean registered(MeterRegistry registry, Tags tags, String... names) {
        for (String name : names) {
            for (Meter meter : registry.find(name).tags(tags).meters()) {
                Tags own = Tags.of(meter.getId().getTags().stream().filter(tag -> !tag.getKey().equals(
                        ThrottleMetrics.TAG_OUTCOME) && !tag.getKey().equals(ThrottleMetrics.TAG_REASON)).toList());
                if (own.equals(tags)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The limiter a metered decorator decides for: metering a decorator of X is metering X. */
    private static Object unwrapped(Object limiter) {
        Object current = limiter;
        for (;;) {
            if (current instanceof MeteredLimiter metered) {
                current = metered.decorated();
            } else if (current instanceof MeteredKeyedLimiter<?> metered) {
                current = metered.delegate;
            } else {
                return current;
            }
        }
    }
}
