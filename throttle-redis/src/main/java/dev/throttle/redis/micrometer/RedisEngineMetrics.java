package dev.throttle.redis.micrometer;

import dev.throttle.kernel.Arguments;
import dev.throttle.redis.RedisEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link RedisEngine}'s counts ({@link RedisEngine#stats()}) as function counters: they read the engine's
 * own counters when the registry publishes, so deciding costs nothing more. Every meter carries the extra tags given
 * (for example the engine's role, when an application has several engines):
 * <ul>
 *   <li>{@value #DECISIONS}: decisions asked of the engine's limiters, however answered (each attempt of a waiting
 *   acquisition counts);</li>
 *   <li>{@value #FAILURES}, tagged {@code kind}: round trips that failed ({@code error}) or were not answered within
 *   the decision timeout ({@code timeout});</li>
 *   <li>{@value #POLICY_DECISIONS}, tagged {@code policy} and {@code outcome}: requests the failure policy answered
 *   because Redis was unavailable: {@code fail_open}/{@code granted}, {@code fail_closed}/{@code refused},
 *   {@code fallback}/{@code delegated} (decided by the local fallback limiter);</li>
 *   <li>{@value #BREAKER_OPENS}: times the engine's breaker around Redis opened;</li>
 *   <li>{@value #SHORT_CIRCUITS}: decisions that followed the policy without asking Redis, the breaker being
 *   open;</li>
 *   <li>{@value #REFUSAL_CACHE_HITS}: requests refused from the refusal cache, without a round trip;</li>
 *   <li>{@value #BREAKER_OPEN}, a gauge holding the engine weakly: 1 while the breaker is open or probing, else 0.</li>
 * </ul>
 * The counters hold the engine's stats weakly. Binding an engine to a registry that already holds these meters with
 * the same tags does nothing; give each engine of a registry its own tags.
 */
public final class RedisEngineMetrics implements MeterBinder {

    /** Function counter of the decisions asked of the engine. */
    public static final String DECISIONS = "throttle.redis.decisions";
    /** Function counter of the round trips that failed or timed out. */
    public static final String FAILURES = "throttle.redis.failures";
    /** Function counter of the requests answered by the failure policy. */
    public static final String POLICY_DECISIONS = "throttle.redis.policy.decisions";
    /** Function counter of the openings of the engine's breaker around Redis. */
    public static final String BREAKER_OPENS = "throttle.redis.breaker.opens";
    /** Function counter of the decisions taken without asking Redis while the breaker was open. */
    public static final String SHORT_CIRCUITS = "throttle.redis.short.circuits";
    /** Function counter of the refusals served by the refusal cache. */
    public static final String REFUSAL_CACHE_HITS = "throttle.redis.refusal.cache.hits";
    /** 1 while the engine's breaker is open or probing, else 0. */
    public static final String BREAKER_OPEN = "throttle.redis.breaker.open";

    /** Per registry (weakly), the decisions counter of each set of engine tags bound to it, by its registered id. */
    private static final Map<MeterRegistry, Map<Tags, Meter.Id>> BOUND = new WeakHashMap<>();

    private final RedisEngine engine;
    private final RedisEngine.Stats stats;
    private final Tags tags;

    /**
     * The meters of an engine.
     *
     * @param engine the engine
     * @throws IllegalArgumentException if null
     */
    public RedisEngineMetrics(RedisEngine engine) {
        this(engine, Tags.empty());
    }

    /**
     * The meters of an engine, with extra tags.
     *
     * @param engine the engine
     * @param tags extra tags, of bounded cardinality
     * @throws IllegalArgumentException if an argument is null
     */
    public RedisEngineMetrics(RedisEngine engine, Iterable<Tag> tags) {
        this.engine = Arguments.requireNonNull("engine", engine);
        this.stats = engine.stats();
        this.tags = Tags.of(Arguments.requireNonNull("tags", tags));
    }

    /**
     * Registers the meters.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        synchronized (BOUND) {
            Meter.Id bound = BOUND.computeIfAbsent(registry, r -> new HashMap<>()).get(tags);
            if (bound != null && registry.getMeters().stream().anyMatch(meter -> meter.getId().equals(bound))) {
                return; // bound already: the registry would keep its first counters anyway, after a warning
            }
            // Remembered by the id the registry gave it: its filters may add tags, and a search by these tags
            // would also find the counter of an engine bound with more tags.
            BOUND.get(registry).put(tags, counter(registry, DECISIONS, "Decisions asked of the engine's limiters",
                    RedisEngine.Stats::decisions, Tags.empty()).getId());
        }
        counter(registry, FAILURES, "Round trips to Redis that failed or timed out", RedisEngine.Stats::redisFailures,
                Tags.of("kind", "error"));
        counter(registry, FAILURES, "Round trips to Redis that failed or timed out", RedisEngine.Stats::timeouts,
                Tags.of("kind", "timeout"));
        String policy = "Requests answered by the failure policy because Redis was unavailable";
        counter(registry, POLICY_DECISIONS, policy, RedisEngine.Stats::failOpenGrants,
                Tags.of("policy", "fail_open", "outcome", "granted"));
        counter(registry, POLICY_DECISIONS, policy, RedisEngine.Stats::failClosedRefusals,
                Tags.of("policy", "fail_closed", "outcome", "refused"));
        counter(registry, POLICY_DECISIONS, policy, RedisEngine.Stats::fallbackDecisions,
                Tags.of("policy", "fallback", "outcome", "delegated"));
        counter(registry, BREAKER_OPENS, "Openings of the engine's circuit breaker around Redis",
                RedisEngine.Stats::breakerOpens, Tags.empty());
        counter(registry, SHORT_CIRCUITS, "Decisions that followed the failure policy without asking Redis",
                RedisEngine.Stats::shortCircuits, Tags.empty());
        counter(registry, REFUSAL_CACHE_HITS, "Requests refused from the refusal cache without a round trip",
                RedisEngine.Stats::refusalCacheHits, Tags.empty());
        Gauge.builder(BREAKER_OPEN, engine, open -> open.breakerOpen() ? 1.0 : 0.0)
                .description("1 while the engine's circuit breaker around Redis is open or probing, else 0")
                .tags(tags).strongReference(false)
                .register(registry);
    }

    private FunctionCounter counter(MeterRegistry registry, String name, String description,
            ToDoubleFunction<RedisEngine.Stats> count, Tags own) {
        return FunctionCounter.builder(name, stats, count)
                .description(description)
                .tags(tags).tags(own)
                .register(registry);
    }
}
