package dev.throttle.micrometer;

import dev.throttle.ConcurrencyStats;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.RateLimiter;
import dev.throttle.kernel.Arguments;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Meters limiters with Micrometer, the one entry point of this package: {@code meter(limiter, registry)} returns a
 * limiter that decides exactly as the given one and counts, in the registry, what it decided, and registers the
 * limiter's gauges; {@code gauges(limiter)} gives the gauges alone, for a limiter whose decisions need not be counted.
 *
 * <pre>{@code
 * RateLimiter api = ThrottleMetrics.meter(engine.rateLimiter("api", spec), registry);
 * }</pre>
 *
 * <p>Meters, all tagged {@code limiter} with the limiter's name (plus any extra tags given):
 * <ul>
 *   <li>{@value #PERMITS} (counter, permits): permits asked for, tagged {@code outcome} ({@value #GRANTED} or
 *   {@value #REFUSED}) and {@code reason}: {@code none} for a grant; for a refusal {@code limit} (refused at once: a
 *   try, a boolean allow, a zero wait), {@code timeout} (not to be had within a positive wait), {@code never} (above
 *   what the limiter can ever grant), {@code interrupted} (a blocking wait withdrawn by an interrupt),
 *   {@code cancelled} (an asynchronous wait cancelled by its caller) or {@code error} (an asynchronous wait that
 *   failed). A request counts its permits, so a request for 5 adds 5.</li>
 *   <li>{@value #WAIT} (timer): time from an {@code acquire} or {@code acquireAsync} call to its decision, tagged
 *   {@code outcome}.</li>
 *   <li>{@value #PERMITS_DROPPED} (counter, permits): granted permits ended by {@code dropped()}.</li>
 *   <li>{@value #PERMITS_AVAILABLE} (gauge, permits): the limiter's estimate of the permits a request could have
 *   now; for a limiter that shows its {@link ConcurrencyStats} also {@value #LIMIT}, {@value #IN_FLIGHT} (permits)
 *   and {@value #QUEUE_LENGTH} (requests); for a keyed limiter instead {@value #KEYS}, the keys it holds state for.
 *   The gauges hold the limiter weakly, as Micrometer's do: a discarded limiter's gauges read NaN.</li>
 * </ul>
 * A keyed limiter's decisions, for every key, are counted under its one name: no tag ever holds a key.
 *
 * <p>A name means one limiter per registry. Metering a limiter this class already metered into the same registry
 * returns it as is, so nothing counts twice; metering the same limiter again (undecorated) shares its meters. Metering
 * another limiter under a name (and extra tags) already metered in the registry throws an
 * {@link IllegalArgumentException} instead of silently adding its counts into the first one's: on the local engine
 * two limiters of one name are two independent limits. Tell them apart by their names, or by an extra tag (the same
 * extra tag keys for every limiter of a registry that needs consistent tag keys per name, such as Prometheus's). A
 * limiter that was discarded frees its name. {@link #gauges} follows the same rule.
 */
public final class ThrottleMetrics {

    /** Counter of permits asked for, by outcome and reason. */
    public static final String PERMITS = "throttle.permits";
    /** Timer of the time from an acquisition call to its decision. */
    public static final String WAIT = "throttle.wait";
    /**
     * Counter of granted permits given back unused: settled below what was granted, or given back whole
     * ({@code Permit.giveBack()}) because a later limit of the same request refused or its caller gave up. The
     * permits a limiter admitted are {@value #PERMITS} {@code {outcome=granted}} less these. In Prometheus:
     * {@code throttle_returned_permits_total}.
     */
    public static final String PERMITS_RETURNED = "throttle.returned";
    /** Counter of granted permits ended by {@code dropped()}; in Prometheus {@code throttle_dropped_permits_total}. */
    public static final String PERMITS_DROPPED = "throttle.dropped";
    /**
     * Gauge of the limiter's estimate of the permits a request could have now; in Prometheus
     * {@code throttle_available_permits}.
     */
    public static final String PERMITS_AVAILABLE = "throttle.available";
    /** Gauge of a concurrency limit: the most permits that may be held at once now. */
    public static final String LIMIT = "throttle.limit";
    /** Gauge of the permits held now by a concurrency limiter's granted permits. */
    public static final String IN_FLIGHT = "throttle.in.flight";
    /** Gauge of the requests waiting in a concurrency limiter's queue. */
    public static final String QUEUE_LENGTH = "throttle.queue.length";
    /** Gauge of the keys a keyed limiter holds state for. */
    public static final String KEYS = "throttle.keys";

    /** The tag holding the limiter's name. */
    public static final String TAG_LIMITER = "limiter";
    /** The tag holding a decision's outcome: {@value #GRANTED} or {@value #REFUSED}. */
    public static final String TAG_OUTCOME = "outcome";
    /** The tag holding why a request was refused, or {@code none}. */
    public static final String TAG_REASON = "reason";
    /** The outcome of a grant. */
    public static final String GRANTED = "granted";
    /** The outcome of a refusal. */
    public static final String REFUSED = "refused";

    /** The base unit of the permit counters and gauges. */
    static final String UNIT_PERMITS = "permits";

    private ThrottleMetrics() {
    }

    /**
     * Meters a limiter. The result is a {@link RateLimiter} when the limiter is one, and a
     * {@link dev.throttle.ConcurrencyStats} when the limiter is one.
     *
     * @param limiter the limiter to meter
     * @param registry where its meters go
     * @return a limiter deciding as {@code limiter} does, counting its decisions
     * @throws IllegalArgumentException if an argument is null, or another limiter of the same name and tags is
     *     metered in the registry
     */
    public static Limiter meter(Limiter limiter, MeterRegistry registry) {
        return meter(limiter, registry, Tags.empty());
    }

    /**
     * Meters a limiter, with extra tags on every meter. The result is a {@link RateLimiter} when the limiter is one,
     * and a {@link dev.throttle.ConcurrencyStats} when the limiter is one.
     *
     * @param limiter the limiter to meter
     * @param registry where its meters go
     * @param tags extra tags, of bounded cardinality
     * @return a limiter deciding as {@code limiter} does, counting its decisions
     * @throws IllegalArgumentException if an argument is null, or another limiter of the same name and tags is
     *     metered in the registry
     */
    public static Limiter meter(Limiter limiter, MeterRegistry registry, Iterable<Tag> tags) {
        Arguments.requireNonNull("limiter", limiter);
        Arguments.requireNonNull("registry", registry);
        Arguments.requireNonNull("tags", tags);
        if (limiter instanceof MeteredLimiter && ((MeteredLimiter) limiter).meters.registry == registry) {
            return limiter;
        }
        Tags limiterTags = limiterTags(limiter.name(), tags);
        LimiterGauges.of(limiter, limiterTags).bindTo(registry); // first: it refuses a second limiter of one name
        DecisionMeters meters = new DecisionMeters(registry, limiterTags);
        return MeteredLimiter.of(limiter, meters);
    }

    /**
     * Meters a rate limiter, keeping its allocation-free {@link RateLimiter#allow(long)}, which is counted too.
     *
     * @param limiter the limiter to meter
     * @param registry where its meters go
     * @return a rate limiter deciding as {@code limiter} does, counting its decisions
     * @throws IllegalArgumentException if an argument is null, or another limiter of the same name and tags is
     *     metered in the registry
     */
    public static RateLimiter meter(RateLimiter limiter, MeterRegistry registry) {
        return meter(limiter, registry, Tags.empty());
    }

    /**
     * Meters a rate limiter, with extra tags on every meter.
     *
     * @param limiter the limiter to meter
     * @param registry where its meters go
     * @param tags extra tags, of bounded cardinality
     * @return a rate limiter deciding as {@code limiter} does, counting its decisions
     * @throws IllegalArgumentException if an argument is null, or another limiter of the same name and tags is
     *     metered in the registry
     */
    public static RateLimiter meter(RateLimiter limiter, MeterRegistry registry, Iterable<Tag> tags) {
        return (RateLimiter) meter((Limiter) limiter, registry, tags);
    }

    /**
     * Meters a keyed limiter: the decisions of every key are counted under its name, and the number of keys it holds
     * is a gauge.
     *
     * @param limiter the keyed limiter to meter
     * @param registry where its meters go
     * @param <K> the key type
     * @return a keyed limiter deciding as {@code limiter} does, counting its decisions
     * @throws IllegalArgumentException if an argument is null, or another limiter of the same name and tags is
     *     metered in the registry
     */
    public static <K> KeyedLimiter<K> meter(KeyedLimiter<K> limiter, MeterRegistry registry) {
        return meter(limiter, registry, Tags.empty());
    }

    /**
     * Meters a keyed limiter, with extra tags on every meter.
     *
     * @param limiter the keyed limiter to meter
     * @param registry where its meters go
     * @param tags extra tags, of bounded cardinality
     * @param <K> the key type
     * @return a keyed limiter deciding as {@code limiter} does, counting its decisions
     * @throws IllegalArgumentException if an argument is null, or another limiter of the same name and tags is
     *     metered in the registry
     */
    public static <K> KeyedLimiter<K> meter(KeyedLimiter<K> limiter, MeterRegistry registry, Iterable<Tag> tags) {
        Arguments.requireNonNull("limiter", limiter);
        Arguments.requireNonNull("registry", registry);
        Arguments.requireNonNull("tags", tags);
        if (limiter instanceof MeteredKeyedLimiter && ((MeteredKeyedLimiter<?>) limiter).meters.registry == registry) {
            return limiter;
        }
        Tags limiterTags = limiterTags(limiter.name(), tags);
        LimiterGauges.of(limiter, limiterTags).bindTo(registry); // first: it refuses a second limiter of one name
        DecisionMeters meters = new DecisionMeters(registry, limiterTags);
        return new MeteredKeyedLimiter<>(limiter, meters);
    }

    /**
     * The gauges of a limiter, without counting its decisions: {@value #PERMITS_AVAILABLE}, and for a limiter that
     * shows its {@link ConcurrencyStats} {@value #LIMIT}, {@value #IN_FLIGHT} and {@value #QUEUE_LENGTH}, tagged
     * {@code limiter} with its name. {@link #meter(Limiter, MeterRegistry) meter} binds these itself; bind them alone
     * to watch a limiter whose decisions need not be counted. The same limiter bound twice in one registry keeps its
     * first gauges (the second binding does nothing); binding another limiter of a name already metered or bound in
     * the registry throws an {@link IllegalArgumentException}.
     *
     * @param limiter the limiter
     * @return the binder to register the gauges with
     * @throws IllegalArgumentException if {@code limiter} is null
     */
    public static MeterBinder gauges(Limiter limiter) {
        return gauges(limiter, Tags.empty());
    }

    /**
     * The gauges of a limiter, with extra tags; see {@link #gauges(Limiter)}.
     *
     * @param limiter the limiter
     * @param tags extra tags, of bounded cardinality
     * @return the binder to register the gauges with
     * @throws IllegalArgumentException if an argument is null
     */
    public static MeterBinder gauges(Limiter limiter, Iterable<Tag> tags) {
        Arguments.requireNonNull("limiter", limiter);
        return LimiterGauges.of(limiter, limiterTags(limiter.name(), tags));
    }

    /**
     * The gauge of a keyed limiter, without counting its decisions: {@value #KEYS}, the keys it holds state for (an
     * estimate), tagged {@code limiter} with its name; never a gauge per key.
     * {@link #meter(KeyedLimiter, MeterRegistry) meter} binds it itself. The same keyed limiter bound twice in one
     * registry keeps its first gauge; binding another of a name already metered or bound throws an
     * {@link IllegalArgumentException}.
     *
     * @param limiter the keyed limiter
     * @return the binder to register the gauge with
     * @throws IllegalArgumentException if {@code limiter} is null
     */
    public static MeterBinder gauges(KeyedLimiter<?> limiter) {
        return gauges(limiter, Tags.empty());
    }

    /**
     * The gauge of a keyed limiter, with extra tags; see {@link #gauges(KeyedLimiter)}.
     *
     * @param limiter the keyed limiter
     * @param tags extra tags, of bounded cardinality
     * @return the binder to register the gauge with
     * @throws IllegalArgumentException if an argument is null
     */
    public static MeterBinder gauges(KeyedLimiter<?> limiter, Iterable<Tag> tags) {
        Arguments.requireNonNull("limiter", limiter);
        return LimiterGauges.of(limiter, limiterTags(limiter.name(), tags));
    }

    /**
     * The tags of every meter of one limiter: its name, then the caller's extra tags. One place, so that the
     * counters, timers and gauges of a name always carry the same tags and add up in the registry.
     */
    static Tags limiterTags(String limiter, Iterable<Tag> extra) {
        return Tags.of(TAG_LIMITER, limiter).and(Arguments.requireNonNull("tags", extra));
    }
}
