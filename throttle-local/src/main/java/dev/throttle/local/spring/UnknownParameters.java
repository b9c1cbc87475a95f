package dev.throttle.local.spring;

import java.util.Set;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Refuses a property under {@code throttle.limiters.<name>} or {@code throttle.keyed.<name>} that is no limiter
 * parameter at all: a misspelt one ({@code perod}, {@code max-queu}). Binding drops such a key without a word (Spring
 * Boot ignores unknown fields, and must here: {@code throttle.engine.redis} is bound by another module), and the
 * limiter then starts with the parameter's default, a limit perhaps thousands of times looser than written.
 * {@link LimitSpecs} refuses the parameters a limiter's type does not take; this catches the names no type takes.
 */
final class UnknownParameters {

    /** Every {@link ThrottleProperties.LimiterProperties} component, in Spring Boot's uniform form. */
    private static final Set<String> KNOWN = Set.of("type", "capacity", "rate", "period", "maxdelay", "limit",
            "window", "maxqueue", "queueorder");
    private static final String[] GROUPS = {"throttle.limiters", "throttle.keyed"};

    private UnknownParameters() {
    }

    /**
     * Checks every limiter property the environment sets.
     *
     * @param environment the application's environment
     * @throws ThrottlePropertyException naming the first property that is no limiter parameter
     */
    static void refuseIn(Environment environment) {
        for (String group : GROUPS) {
            ConfigurationPropertyName root = ConfigurationPropertyName.of(group);
            int depth = root.getNumberOfElements() + 1; // throttle, limiters, the limiter's name, its parameter
            for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
                if (source instanceof IterableConfigurationPropertySource iterable) {
                    iterable.filter(root::isAncestorOf).stream()
                            .filter(name -> name.getNumberOfElements() > depth
                                    && !KNOWN.contains(name.getElement(depth, Form.UNIFORM)))
                            .findFirst()
                            .ifPresent(name -> {
                                throw new ThrottlePropertyException(name.toString(), "is not a limiter parameter;"
                                        + " a limiter takes type, capacity, rate, period, max-delay, limit, window,"
                                        + " max-queue, queue-order (those of its type)");
                            });
                }
            }
        }
    }
}
