package dev.throttle.redis;

import dev.throttle.Engine;
import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.kernel.Arguments;

/**
 * What a Redis limiter answers when Redis cannot: it failed, did not answer within the engine's decision timeout, or
 * the engine's circuit breaker is open after repeated failures (then Redis is not even asked).
 *
 * <ul>
 *   <li>{@link #FAIL_CLOSED}: refuse, with a retry time of the breaker's remaining open time (or the decision timeout
 *   while it is closed). Never admits more than the limit: the engine's default.</li>
 *   <li>{@link #FAIL_OPEN}: grant. Keeps the service up while Redis is down, with no limit at all meanwhile.</li>
 *   <li>{@link #fallback(Engine)}: decide with a limiter of the same spec made by another engine, usually a local
 *   one, so each JVM keeps limiting on its own ({@link #fallback(Engine, double)} scales it to this JVM's share of
 *   the fleet's limit).</li>
 * </ul>
 *
 * <p>A waiting acquisition gets the policy's answer at once (a fallback waits on its own limiter, within the
 * caller's wait); {@code availablePermits()} answers the capacity when failing open, 0 when failing closed, and the
 * fallback limiter's estimate.
 *
 * <p>The policy applies to rate limiters, keyed limiters and concurrency limiters alike (a concurrency limiter's
 * fallback is a local concurrency limiter of its limit scaled by the share; a fail-open grant holds no lease). An
 * all-of composite ({@link dev.throttle.AllOf}) falls back to one limiter per part, each of the part's spec scaled by
 * the share, asked in order and all or nothing: when a part refuses, what the earlier parts granted is given back and
 * the refusal names the part. A keyed limiter, composite or not, falls back to one keyed limiter of the policy's engine
 * for the spec scaled by the share.
 *
 * <p>A decision that timed out may still be applied by Redis later: a grant that reaches this JVM after its decision
 * timed out is given back at once, so it holds nothing for a caller that got the policy's answer. A concurrency
 * acquire that timed out is also released at once, by a release of its lease id sent right behind it on the same
 * connection, so even a reply lost for good (a connection reset) leaves no slot held; a rate grant whose reply is lost
 * stays counted until its window or interval passes. That never loosens the shared limit.
 */
public final class FailurePolicy {

    /** Grant every request while Redis is unavailable. */
    public static final FailurePolicy FAIL_OPEN = new FailurePolicy(Kind.OPEN, null, 1.0);

    /** Refuse every request while Redis is unavailable (the default). */
    public static final FailurePolicy FAIL_CLOSED = new FailurePolicy(Kind.CLOSED, null, 1.0);

    /** The three behaviours. */
    enum Kind {
        OPEN, CLOSED, FALLBACK
    }

    private final Kind kind;
    private final Engine local;
    private final double share;

    private FailurePolicy(Kind kind, Engine local, double share) {
        this.kind = kind;
        this.local = local;
        this.share = share;
    }

    /**
     * Decides with a limiter of the same spec made by {@code local} while Redis is unavailable. Its state is this
     * JVM's own: with N JVMs the fleet may admit up to N times the limit during an outage (see
     * {@link #fallback(Engine, double)}).
     *
     * @param local the engine of the fallback limiters, usually a {@code dev.throttle.local.LocalEngine}
     * @return the policy
     * @throws IllegalArgumentException if {@code local} is null or a {@link RedisEngine}
     */
    public static FailurePolicy fallback(Engine local) {
        return fallback(local, 1.0);
    }

    /**
     * Decides with a limiter made by {@code local} of the spec scaled to {@code share} while Redis is unavailable:
     * the limit, capacity and rate are multiplied by the share and rounded down, but kept at least 1 (a rate below
     * one permit per period becomes one permit per proportionally longer period). With N equal JVMs, a share of
     * {@code 1/N} keeps the fleet near its limit during an outage.
     *
     * @param local the engine of the fallback limiters, usually a {@code dev.throttle.local.LocalEngine}
     * @param share this JVM's share of the limit, in {@code (0, 1]}
     * @return the policy
     * @throws IllegalArgumentException if {@code local} is null or a {@link RedisEngine}, or the share is out of range
     */
    public static FailurePolicy fallback(Engine local, double share) {
        Arguments.requireNonNull("local", local);
        if (local instanceof RedisEngine) {
            throw new IllegalArgumentException("local = " + local + " is a Redis engine; a fallback must not need"
                    + " Redis: pass a local engine");
        }
        if (!(share > 0.0 && share <= 1.0)) {
            throw new IllegalArgumentException("share = " + share + " is out of range; allowed range is (0, 1]");
        }
        return new FailurePolicy(Kind.FALLBACK, local, share);
    }

    Kind kind() {
        return kind;
    }

    /**
     * The policy in words, for the engine's {@code toString()} and its log lines: {@code fail open},
     * {@code fail closed}, {@code fallback to LocalEngine[system clock]}, or with a share,
     * {@code fallback to LocalEngine[system clock] at share 0.25}.
     */
    String text() {
        switch (kind) {
            case OPEN:
                return "fail open";
            case CLOSED:
                return "fail closed";
            default:
                return "fallback to " + local + (share == 1.0 ? "" : " at share " + share);
        }
    }

    /**
     * The spec the fallback enforces for a Redis limiter's spec; checked when the Redis limiter is made, so a spec
     * that cannot be scaled fails at once rather than during an outage.
     */
    LimitSpec localSpec(LimitSpec spec) {
        return kind == Kind.FALLBACK ? SpecScaler.scale(spec, share) : spec;
    }

    /** A fallback limiter for one Redis limiter (made on first use, when Redis first fails). */
    Limiter localLimiter(String name, LimitSpec localSpec) {
        return local.limiter(name, localSpec);
    }

    /** A fallback keyed limiter for one Redis keyed limiter (bounded memory is the local engine's job). */
    KeyedLimiter<String> localKeyed(String name, LimitSpec localSpec) {
        return local.keyed(name, localSpec);
    }

    /**
     * The policy in one line, for logs.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "FailurePolicy[" + text() + "]";
    }
}
