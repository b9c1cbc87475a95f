package dev.throttle.redis;

import dev.throttle.Permit;
import java.util.function.Supplier;

/**
 * A decision and whether Redis made it, told by the engine's own counters: a decision answered in this JVM (by the
 * failure policy, or from the refusal cache) counts in them, one Redis made does not. Every permit is one of the
 * kernel's, whoever decided, so the counters are what tells them apart. For a test that makes one decision at a time
 * on its engine.
 *
 * @param permit the decision
 * @param byRedis whether Redis decided it
 */
record Answered(Permit permit, boolean byRedis) {

    /** Makes one decision and tells who made it. */
    static Answered ask(RedisEngine engine, Supplier<Permit> decision) {
        long before = answeredHere(engine);
        Permit permit = decision.get();
        return new Answered(permit, answeredHere(engine) == before);
    }

    /** Whether Redis made one decision; its permit is closed (a lease must not stay held by a probe). */
    static boolean byRedis(RedisEngine engine, Supplier<Permit> decision) {
        Answered answered = ask(engine, decision);
        answered.permit().close();
        return answered.byRedis();
    }

    private static long answeredHere(RedisEngine engine) {
        RedisEngine.Stats stats = engine.stats();
        return stats.failOpenGrants() + stats.failClosedRefusals() + stats.fallbackDecisions()
                + stats.refusalCacheHits();
    }
}
