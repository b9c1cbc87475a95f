package dev.throttle.micrometer;

import dev.throttle.Arguments;
import dev.throttle.KeyedLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The gauge of one keyed limiter: {@value ThrottleMetrics#KEYS}, the keys it holds state for
 * ({@link KeyedLimiter#estimatedSize()}), tagged {@code limiter} with its name. Never a gauge per key. Held weakly, as
 * Micrometer's gauges are; a name bound twice in one registry keeps its first gauge.
 */
public final class KeyedLimiterMetrics implements MeterBinder {

    private final KeyedLimiter<?> limiter;
    private final Tags tags;

    /**
     * The gauge of a keyed limiter.
     *
     * @param limiter the keyed limiter
     * @throws IllegalArgumentException if null
     */
    public KeyedLimiterMetrics(KeyedLimiter<?> limiter) {
        this(limiter, Tags.empty());
    }

    /**
     * The gauge of a keyed limiter, with extra tags.
     *
     * @param limiter the keyed limiter
     * @param tags extra tags, of bounded cardinality
     * @throws IllegalArgumentException if an argument is null
     */
    public KeyedLimiterMetrics(KeyedLimiter<?> limiter, Iterable<Tag> tags) {
        this.limiter = Arguments.requireNonNull("limiter", limiter);
        this.tags = Meters.tags(limiter.name(), tags);
    }

    /**
     * Registers the gauge.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        if (Meters.bound(registry, ThrottleMetrics.KEYS, tags)) {
            return;
        }
        Meters.gauge(registry, ThrottleMetrics.KEYS, limiter, KeyedLimiter::estimatedSize,
                "Keys whose limiter state is held now (an estimate)", "keys", tags);
    }
}
