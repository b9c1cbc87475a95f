package dev.throttle.redis;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one {@link RedisEngine}'s decisions and of how Redis failures were handled, for metrics and alerts.
 * Every counter only grows, from the engine's creation; reading is cheap and never blocks a decision.
 */
public final class RedisEngineStats {

    private final LongAdder decisions = new LongAdder();
    private final LongAdder redisFailures = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder failOpenGrants = new LongAdder();
    private final LongAdder failClosedRefusals = new LongAdder();
    private final LongAdder fallbackDecisions = new LongAdder();
    private final LongAdder breakerOpens = new LongAdder();
    private final LongAdder shortCircuits = new LongAdder();
    private final LongAdder refusalCacheHits = new LongAdder();

    RedisEngineStats() {
    }

    /**
     * Decisions asked of the engine's limiters (each attempt of a waiting acquisition counts), however answered.
     *
     * @return the count
     */
    public long decisions() {
        return decisions.sum();
    }

    /**
     * Round trips that failed with an error (connection lost, commands rejected while disconnected, a server error).
     *
     * @return the count
     */
    public long redisFailures() {
        return redisFailures.sum();
    }

    /**
     * Round trips not answered within the decision timeout.
     *
     * @return the count
     */
    public long timeouts() {
        return timeouts.sum();
    }

    /**
     * Requests granted by {@link FailurePolicy#FAIL_OPEN} because Redis was unavailable.
     *
     * @return the count
     */
    public long failOpenGrants() {
        return failOpenGrants.sum();
    }

    /**
     * Requests refused by {@link FailurePolicy#FAIL_CLOSED} because Redis was unavailable.
     *
     * @return the count
     */
    public long failClosedRefusals() {
        return failClosedRefusals.sum();
    }

    /**
     * Requests decided by a {@link FailurePolicy#fallback(dev.throttle.Engine) fallback} limiter because Redis was
     * unavailable.
     *
     * @return the count
     */
    public long fallbackDecisions() {
        return fallbackDecisions.sum();
    }

    /**
     * Times the circuit breaker opened (after consecutive failures, or a failed probe).
     *
     * @return the count
     */
    public long breakerOpens() {
        return breakerOpens.sum();
    }

    /**
     * Decisions that followed the failure policy without asking Redis, because the breaker was open.
     *
     * @return the count
     */
    public long shortCircuits() {
        return shortCircuits.sum();
    }

    /**
     * Requests refused from the refusal cache, without a round trip.
     *
     * @return the count
     */
    public long refusalCacheHits() {
        return refusalCacheHits.sum();
    }

    void decision() {
        decisions.increment();
    }

    void redisFailure() {
        redisFailures.increment();
    }

    void timeout() {
        timeouts.increment();
    }

    void failOpenGrant() {
        failOpenGrants.increment();
    }

    void failClosedRefusal() {
        failClosedRefusals.increment();
    }

    void fallbackDecision() {
        fallbackDecisions.increment();
    }

    void breakerOpened() {
        breakerOpens.increment();
    }

    void shortCircuit() {
        shortCircuits.increment();
    }

    void refusalCacheHit() {
        refusalCacheHits.increment();
    }

    @Override
    public String toString() {
        return "RedisEngineStats[decisions " + decisions() + ", redis failures " + redisFailures() + ", timeouts "
                + timeouts() + ", fail-open grants " + failOpenGrants() + ", fail-closed refusals "
                + failClosedRefusals() + ", fallback decisions " + fallbackDecisions() + ", breaker opens "
                + breakerOpens() + ", short circuits " + shortCircuits() + ", refusal cache hits "
                + refusalCacheHits() + "]";
    }
}
