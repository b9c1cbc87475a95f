package dev.throttle.local.spring;

import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.micrometer.ThrottleMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Meters each limiter into the application's registry. The registry is looked up when the limiters are made, not
 * when this decorator is, so that it does not depend on the order in which auto-configurations run.
 */
final class MeteringDecorator implements ThrottleLimiterDecorator {

    private final ObjectProvider<MeterRegistry> registries;

    MeteringDecorator(ObjectProvider<MeterRegistry> registries) {
        this.registries = registries;
    }

    @Override
    public Limiter decorate(Limiter limiter) {
        MeterRegistry registry = registries.getIfUnique();
        // A RateLimiter stays a RateLimiter: ThrottleMetrics keeps the kind.
        return registry == null ? limiter : ThrottleMetrics.meter(limiter, registry);
    }

    @Override
    public KeyedLimiter<String> decorate(KeyedLimiter<String> limiter) {
        MeterRegistry registry = registries.getIfUnique();
        return registry == null ? limiter : ThrottleMetrics.meter(limiter, registry);
    }
}
