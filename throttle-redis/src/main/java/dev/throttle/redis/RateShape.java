package dev.throttle.redis;

import java.util.Arrays;

/**
 * What every Redis rate limiter of one spec on one engine shares, whatever its name: the script, the ARGV template
 * and the parameters the multi-key script takes, all computed once. A limiter
 * of its own computes its shape once; a keyed limiter computes one shape for all its keys, so that a call for a key
 * (which makes that key's limiter afresh: nothing per key is held in the JVM) only names the key's Redis keys instead
 * of formatting the spec's numbers again. Immutable; its arrays are never handed out to be written.
 */
final class RateShape {

    /** The algorithm's script: {@link Script#BUCKET} for both buckets. */
    final Script script;
    /** The algorithm's parameters in clock units, as the plan gives them. */
    final String[] params;
    /** Whether the algorithm reserves future slots (the buckets): a refusal already means no slot within the wait. */
    final boolean reserves;
    /** Whether the script is the standalone bucket script, with its own shorter ARGV (the hot path). */
    final boolean bucket;
    /**
     * The ARGV every single call shares: the clock's units, the minimum expiry and the algorithm's parameters; each
     * call copies it and fills in the clock reading, the permits, the wait and the operation.
     */
    final String[] argvTemplate;
    /** The parameters as the multi-key script takes them (a bucket's interval, tolerance and queue delay). */
    final String[] multiParams;
    /** Whether a refusal may be cached: not for a limit of two keys, which follows a shared rate that may rise. */
    final boolean cacheRefusals;
    /** The suffixes of the Redis keys, when the shape was made for names given later ({@link #keyed}); else null. */
    private final String[] keySuffixes;

    private RateShape(Plan plan, RedisContext context, String[] keySuffixes) {
        this.script = plan.script();
        this.params = plan.params();
        this.reserves = plan.reserves();
        this.bucket = script == Script.BUCKET;
        if (bucket) {
            // bucket_script.lua: reading, permits, wait, interval, tolerance, queue delay ('' for a meter), least
            // expiry.
            argvTemplate = new String[] {"", "", "", params[0], params[1], "1".equals(params[2]) ? params[3] : "",
                Long.toString(context.minExpiryMillis())};
            multiParams = new String[] {params[0], params[1], "1".equals(params[2]) ? params[3] : ""};
        } else {
            argvTemplate = new String[7 + params.length];
            argvTemplate[0] = "";
            argvTemplate[1] = Long.toString(context.timebase().unitsPerMilli());
            argvTemplate[2] = Long.toString(context.minExpiryMillis());
            argvTemplate[5] = "";
            argvTemplate[6] = "";
            System.arraycopy(params, 0, argvTemplate, 7, params.length);
            multiParams = params;
        }
        this.cacheRefusals = plan.keys().length == 1;
        this.keySuffixes = keySuffixes;
    }

    /**
     * The shape of one limiter, whose keys its plan already names.
     *
     * @param plan the limiter's plan
     * @param context the engine's context
     * @return the shape
     */
    static RateShape of(Plan plan, RedisContext context) {
        return new RateShape(plan, context, null);
    }

    /**
     * The shape of every limiter of a keyed limiter, from a plan whose keys are the bare suffixes (made with the
     * identity as its key naming), so that {@link #keys} names any key's.
     *
     * @param suffixPlan the spec's plan, its keys the suffixes
     * @param context the engine's context
     * @return the shape
     */
    static RateShape keyed(Plan suffixPlan, RedisContext context) {
        return new RateShape(suffixPlan, context, suffixPlan.keys());
    }

    /**
     * The Redis keys of the limiter of this name ({@link Keys#key}), for a shape made by {@link #keyed}.
     *
     * @param prefix the engine's key prefix
     * @param name the limiter's name
     * @return a new array of its keys
     */
    String[] keys(String prefix, String name) {
        String tag = Keys.tag(name);
        String[] keys = new String[keySuffixes.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = Keys.tagged(prefix, tag, keySuffixes[i]);
        }
        return keys;
    }

    /**
     * Whether limiters of this shape and of another decide alike: the same script and parameters (the coalescer's
     * test, with equal keys, of requests of one limit, which keep their arrival order).
     *
     * @param other the other shape
     * @return true if the script and the parameters are equal
     */
    boolean sameParams(RateShape other) {
        return other == this || (script == other.script && Arrays.equals(params, other.params));
    }
}
