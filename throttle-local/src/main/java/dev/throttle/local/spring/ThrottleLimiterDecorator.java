package dev.throttle.local.spring;

import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;

/**
 * Wraps the limiters made from the properties before they are registered in {@link ThrottleLimiters}: a bean of this
 * type is applied to each of them, in the beans' order. The auto-configuration's own decorator meters them when a
 * Micrometer registry is there; an application may add its own (a shadow mode, logging).
 *
 * <p>A decorator must decide exactly as the limiter it wraps, and keep its kind: a
 * {@link dev.throttle.RateLimiter} stays one.
 */
public interface ThrottleLimiterDecorator {

    /**
     * Wraps a limiter.
     *
     * @param limiter the limiter, named by its {@link Limiter#name()}
     * @return the limiter to register; the same one by default
     */
    default Limiter decorate(Limiter limiter) {
        return limiter;
    }

    /**
     * Wraps a keyed limiter.
     *
     * @param limiter the keyed limiter
     * @return the keyed limiter to register; the same one by default
     */
    default KeyedLimiter<String> decorate(KeyedLimiter<String> limiter) {
        return limiter;
    }
}
