package dev.throttle.local.spring;

import dev.throttle.Engine;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Makes the limiters of {@code throttle.limiters} and {@code throttle.keyed} on an engine, decorated. */
final class ConfiguredLimiters {

    private ConfiguredLimiters() {
    }

    /**
     * The registry of the configured limiters.
     *
     * @param properties the properties
     * @param engine the engine that makes them
     * @param decorators applied to each limiter, in order
     * @return the registry
     * @throws ThrottlePropertyException naming the property at fault
     */
    static ThrottleLimiters make(ThrottleProperties properties, Engine engine,
            List<ThrottleLimiterDecorator> decorators) {
        Map<String, Limiter> limiters = new LinkedHashMap<>();
        properties.limiters().forEach((name, limiter) -> {
            String path = "throttle.limiters." + name;
            Limiter made = PropertyPaths.at(path, () -> engine.limiter(name, LimitSpecs.of(path, limiter)));
            for (ThrottleLimiterDecorator decorator : decorators) {
                made = decorator.decorate(made);
            }
            limiters.put(name, made);
        });
        Map<String, KeyedLimiter<String>> keyed = new LinkedHashMap<>();
        properties.keyed().forEach((name, limiter) -> {
            String path = "throttle.keyed." + name;
            if (limiters.containsKey(name)) {
                // One name, one limiter: names are what metrics and Redis keys tell limiters apart by.
                throw new ThrottlePropertyException(path, "throttle.limiters." + name
                        + " has the same name; a name may be a limiter or a keyed limiter, not both");
            }
            KeyedLimiter<String> made = PropertyPaths.at(path, () -> engine.keyed(name, LimitSpecs.of(path, limiter)));
            for (ThrottleLimiterDecorator decorator : decorators) {
                made = decorator.decorate(made);
            }
            keyed.put(name, made);
        });
        return ThrottleLimiters.of(limiters, keyed);
    }
}
