package dev.throttle.micrometer;

import dev.throttle.ConcurrencyStats;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * The gauges of one limiter or keyed limiter, tagged {@code limiter} with its name: the binder behind
 * {@link ThrottleMetrics#gauges} and the gauges {@link ThrottleMetrics#meter} registers.
 * <ul>
 *   <li>a limiter: {@value ThrottleMetrics#PERMITS_AVAILABLE} ({@link Limiter#availablePermits()}), and for one that
 *   shows its {@link ConcurrencyStats} {@value ThrottleMetrics#LIMIT}, {@value ThrottleMetrics#IN_FLIGHT} and
 *   {@value ThrottleMetrics#QUEUE_LENGTH};</li>
 *   <li>a keyed limiter: {@value ThrottleMetrics#KEYS}, the keys it holds state for
 *   ({@link KeyedLimiter#estimatedSize()}); never a gauge per key.</li>
 * </ul>
 * The gauges hold their source weakly, as Micrometer's gauges do: they do not keep a discarded limiter alive (they
 * then read NaN). The same limiter bound twice in one registry keeps its first gauges (the second binding does
 * nothing); another limiter of the same name and tags is refused ({@link MeterOwners}), unless the first was
 * discarded, whose gauges it then replaces.
 */
final class LimiterGauges implements MeterBinder {

    /** Every gauge a limiter may have. */
    private static final String[] LIMITER_GAUGES = {ThrottleMetrics.PERMITS_AVAILABLE, ThrottleMetrics.LIMIT,
        ThrottleMetrics.IN_FLIGHT, ThrottleMetrics.QUEUE_LENGTH};
    /** The gauge of a keyed limiter. */
    private static final String[] KEYED_GAUGES = {ThrottleMetrics.KEYS};

    /** The limiter whose gauges these are; null for a keyed limiter. */
    private final Limiter limiter;
    /** The keyed limiter whose gauge this is; null for a limiter. */
    private final KeyedLimiter<?> keyed;
    private final Tags tags;

    private LimiterGauges(Limiter limiter, KeyedLimiter<?> keyed, Tags tags) {
        this.limiter = limiter;
        this.keyed = keyed;
        this.tags = tags;
    }

    /** The gauges of a limiter, checked by the caller to be non-null; {@code tags} holds the limiter tag. */
    static LimiterGauges of(Limiter limiter, Tags tags) {
        return new LimiterGauges(limiter, null, tags);
    }

    /** The gauge of a keyed limiter, checked by the caller to be non-null; {@code tags} holds the limiter tag. */
    static LimiterGauges of(KeyedLimiter<?> keyed, Tags tags) {
        return new LimiterGauges(null, keyed, tags);
    }

    /**
     * Registers the gauges, unless this limiter name's gauges are in the registry already.
     *
     * @param registry the registry
     * @throws IllegalArgumentException if another limiter of the same name and tags is metered in the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        String[] names = keyed != null ? KEYED_GAUGES : LIMITER_GAUGES;
        if (MeterOwners.claim(registry, keyed != null ? keyed.name() : limiter.name(), tags,
                keyed != null ? keyed : limiter, names)) {
            MeterOwners.removeGauges(registry, tags, names);
        }
        if (keyed != null) {
            if (!bound(registry, ThrottleMetrics.KEYS)) {
                gauge(registry, ThrottleMetrics.KEYS, keyed, KeyedLimiter::estimatedSize,
                        "Keys whose limiter state is held now (an estimate)", "keys");
            }
            return;
        }
        if (bound(registry, ThrottleMetrics.PERMITS_AVAILABLE)) {
            return;
        }
        gauge(registry, ThrottleMetrics.PERMITS_AVAILABLE, limiter, Limiter::availablePermits,
                "Estimate of the permits a request could have now", ThrottleMetrics.UNIT_PERMITS);
        if (limiter instanceof ConcurrencyStats) {
            ConcurrencyStats stats = (ConcurrencyStats) limiter;
            gauge(registry, ThrottleMetrics.LIMIT, stats, ConcurrencyStats::limit,
                    "The most permits that may be held at once now", ThrottleMetrics.UNIT_PERMITS);
            gauge(registry, ThrottleMetrics.IN_FLIGHT, stats, ConcurrencyStats::inFlight,
                    "Permits held now by granted permits not yet closed", ThrottleMetrics.UNIT_PERMITS);
            gauge(registry, ThrottleMetrics.QUEUE_LENGTH, stats, ConcurrencyStats::queueLength,
                    "Requests waiting in the queue for a permit", "requests");
        }
    }

    private boolean bound(MeterRegistry registry, String gauge) {
        return MeterOwners.registered(registry, tags, gauge);
    }

    private <T> void gauge(MeterRegistry registry, String gauge, T source, ToDoubleFunction<T> reading,
            String description, String unit) {
        MeterOwners.remember(registry, tags, Gauge.builder(gauge, source, reading)
                .description(description)
                .baseUnit(unit)
                .tags(tags)
                .register(registry));
    }
}
