package dev.throttle.micrometer;

import dev.throttle.Arguments;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.function.ToDoubleFunction;

/**
 * What every binder of a limiter's meters does the same way: the tags, the "bound already" check, a gauge's
 * registration.
 */
final class Meters {

    private Meters() {
    }

    /** The tags of every meter of one limiter: its name, then the caller's extra tags. */
    static Tags tags(String limiter, Iterable<Tag> extra) {
        return Tags.of(ThrottleMetrics.TAG_LIMITER, limiter).and(Arguments.requireNonNull("tags", extra));
    }

    /**
     * Tells whether the gauge is in the registry already: the registry would keep its first gauge anyway, after a
     * warning, so a second binding does nothing instead.
     */
    static boolean bound(MeterRegistry registry, String gauge, Tags tags) {
        return registry.find(gauge).tags(tags).gauge() != null;
    }

    /** Registers a gauge reading {@code source}, held weakly as Micrometer's gauges are. */
    static <T> void gauge(MeterRegistry registry, String gauge, T source, ToDoubleFunction<T> reading,
            String description, String unit, Tags tags) {
        Gauge.builder(gauge, source, reading)
                .description(description)
                .baseUnit(unit)
                .tags(tags)
                .register(registry);
    }
}
