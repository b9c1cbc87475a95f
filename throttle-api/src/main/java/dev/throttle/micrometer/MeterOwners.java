package dev.throttle.micrometer;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Which limiter the meters of each limiter name (and extra tags) belong to, per registry: a registry hands back the
 * meter it holds for the same name and tags, so two limiters metered under one name would silently add into one set
 * of counters, and the gauges would keep reading the first. A second limiter under a name already metered in a
 * registry is refused instead, while its owner lives and its meters are registered.
 *
 * <p>The meters of a set of tags are known by the ids the registry gave them when they were registered, remembered
 * here, not by searching the registry for those tags: a registry's filters may add tags (Spring Boot's common tags),
 * so a meter's id need not equal the tags asked for, and a search by tags also finds the meters of a limiter of the
 * same name with more tags.
 *
 * <p>Registries and limiters are held weakly: a discarded registry takes its entries with it, and a discarded limiter
 * frees its name (its gauges, which read NaN by then, are replaced by the next owner's).
 */
final class MeterOwners {

    /** The owner of one set of limiter tags in one registry, and the ids of the meters registered for them. */
    private static final class Owner {
        WeakReference<Object> limiter;
        final Set<Meter.Id> meters = new HashSet<>();

        Owner(Object limiter) {
            this.limiter = new WeakReference<>(limiter);
        }
    }

    /** Per registry (by identity: registries do not override equals), the owner of each set of limiter tags. */
    private static final Map<MeterRegistry, Map<Tags, Owner>> OWNERS = new WeakHashMap<>();

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
            Map<Tags, Owner> owners = OWNERS.computeIfAbsent(registry, r -> new HashMap<>());
            Owner previous = owners.get(tags);
            if (previous == null) {
                owners.put(tags, new Owner(source));
                return false;
            }
            Object owner = previous.limiter.get();
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
            previous.limiter = new WeakReference<>(source);
            return registered;
        }
    }

    /**
     * Remembers a meter registered for a set of limiter tags, by the id the registry gave it.
     *
     * @param registry the registry
     * @param tags the limiter's tags
     * @param meter the meter the registry returned
     * @param <M> the meter's type
     * @return the meter
     */
    static <M extends Meter> M remember(MeterRegistry registry, Tags tags, M meter) {
        synchronized (OWNERS) {
            OWNERS.computeIfAbsent(registry, r -> new HashMap<>()).computeIfAbsent(tags, t -> new Owner(null))
                    .meters.add(meter.getId());
        }
        return meter;
    }

    /** Removes the gauges a discarded owner left, so that the new owner's can be registered. */
    static void removeGauges(MeterRegistry registry, Tags tags, String... gauges) {
        synchronized (OWNERS) {
            Owner owner = owner(registry, tags);
            if (owner == null) {
                return;
            }
            for (Iterator<Meter.Id> ids = owner.meters.iterator(); ids.hasNext();) {
                Meter.Id id = ids.next();
                if (List.of(gauges).contains(id.getName())) {
                    registry.remove(id);
                    ids.remove();
                }
            }
        }
    }

    /**
     * Whether one of the named meters of a set of limiter tags is registered in the registry now.
     *
     * @param registry the registry
     * @param tags the limiter's tags
     * @param names the meters' names
     * @return true if the registry holds one of them
     */
    static boolean registered(MeterRegistry registry, Tags tags, String... names) {
        synchronized (OWNERS) {
            Owner owner = owner(registry, tags);
            if (owner == null) {
                return false;
            }
            for (Meter.Id id : owner.meters) {
                if (List.of(names).contains(id.getName()) && holds(registry, id)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Owner owner(MeterRegistry registry, Tags tags) {
        Map<Tags, Owner> owners = OWNERS.get(registry);
        return owners == null ? null : owners.get(tags);
    }

    private static boolean holds(MeterRegistry registry, Meter.Id id) {
        for (Meter meter : registry.find(id.getName()).tags(id.getTagsAsIterable()).meters()) {
            if (meter.getId().equals(id)) {
                return true;
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
