package dev.throttle.micrometer;

import dev.throttle.Arguments;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The gauges of one limiter, tagged {@code limiter} with its name: {@value ThrottleMetrics#PERMITS_AVAILABLE}
 * ({@link Limiter#availablePermits()}), and for a limiter that shows its {@link ConcurrencyStats}
 * {@value ThrottleMetrics#LIMIT}, {@value ThrottleMetrics#IN_FLIGHT} and {@value ThrottleMetrics#QUEUE_LENGTH}.
 *
 * <p>The gauges hold the limiter weakly, as Micrometer's gauges do: they do not keep a discarded limiter alive (they
 * then read NaN). A name bound twice in one registry keeps its first gauges (the second binding does nothing).
 * {@link ThrottleMetrics#meter} binds these itself; bind them alone to watch a limiter whose decisions need not be
 * counted.
 */
public final class LimiterMetrics implements MeterBinder {

    private final Limiter limiter;
    private final Tags tags;

    /**
     * Gauges of a limiter.
     *
     * @param limiter the limiter
     * @throws IllegalArgumentException if null
     */
    public LimiterMetrics(Limiter limiter) {
        this(limiter, Tags.empty());
    }

    /**
     * Gauges of a limiter, with extra tags.
     *
     * @param limiter the limiter
     * @param tags extra tags, of bounded cardinality
     * @throws IllegalArgumentException if an argument is null
     */
    public LimiterMetrics(Limiter limiter, Iterable<Tag> tags) {
        this.limiter = Arguments.requireNonNull("limiter", limiter);
        this.tags = Meters.tags(limiter.name(), tags);
    }

    /**
     * Registers the gauges.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        if (Meters.bound(registry, ThrottleMetrics.PERMITS_AVAILABLE, tags)) {
            return;
        }
        Meters.gauge(registry, ThrottleMetrics.PERMITS_AVAILABLE, limiter, Limiter::availablePermits,
                "Estimate of the permits a request could have now", ThrottleMetrics.UNIT_PERMITS, tags);
        if (limiter instanceof ConcurrencyStats) {
            ConcurrencyStats stats = (ConcurrencyStats) limiter;
            Meters.gauge(registry, ThrottleMetrics.LIMIT, stats, ConcurrencyStats::limit,
                    "The most permits that may be held at once now", ThrottleMetrics.UNIT_PERMITS, tags);
            Meters.gauge(registry, ThrottleMetrics.IN_FLIGHT, stats, ConcurrencyStats::inFlight,
                    "Permits held now by granted permits not yet closed", ThrottleMetrics.UNIT_PERMITS, tags);
            Meters.gauge(registry, ThrottleMetrics.QUEUE_LENGTH, stats, ConcurrencyStats::queueLength,
                    "Requests waiting in the queue for a permit", "requests", tags);
        }
    }
}
