package dev.throttle.local.spring;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Refuses a property under {@code throttle.limiters.<name>}, {@code throttle.keyed.<name>} or {@code throttle.http}
 * whose name no setting has: a misspelt one ({@code perod}, {@code max-queu}, {@code refusal-staus}). Binding drops
 * such a key without a word (Spring Boot ignores unknown fields, and must here: {@code throttle.engine.redis} is bound
 * by another module), and the setting then keeps its default: a limit perhaps thousands of times looser than written.
 * {@link LimitSpecs} refuses the parameters a limiter's type does not take; this catches the names nothing takes.
 */
final class UnknownParameters {

    /** A part of the configuration: the names it takes (uniform form), and the parts nested under some of them. */
    private record Schema(String describe, Set<String> names, Map<String, Schema> nested) {
    }

    private static final Schema LIMITER = new Schema("a limiter takes type, capacity, rate, period, max-delay, limit,"
            + " window, max-queue, queue-order (those of its type)", Set.of("type", "capacity", "rate", "period",
            "maxdelay", "limit", "window", "maxqueue", "queueorder"), Map.of());
    private static final Schema LIMIT = new Schema("an HTTP limit takes limiter, keyed, key, header, max-wait,"
            + " max-queued", Set.of("limiter", "keyed", "key", "header", "maxwait", "maxqueued"), Map.of());
    private static final Schema ROUTE = new Schema("a route takes method, path, limits",
            Set.of("method", "path", "limits"), Map.of("limits", LIMIT));
    private static final Schema HTTP = new Schema("throttle.http takes enabled, global, routes, trusted-proxies,"
            + " refusal-status, header-style, problem-json", Set.of("enabled", "global", "routes", "trustedproxies",
            "refusalstatus", "headerstyle", "problemjson"), Map.of("global", LIMIT, "routes", ROUTE));

    private UnknownParameters() {
    }

    /**
     * Checks every limiter and HTTP property the environment sets.
     *
     * @param environment the application's environment
     * @throws ThrottlePropertyException naming the first property that no setting has
     */
    static void refuseIn(Environment environment) {
        check(environment, "throttle.limiters", 1, LIMITER); // one element for the limiter's name
        check(environment, "throttle.keyed", 1, LIMITER);
        check(environment, "throttle.http", 0, HTTP);
    }

    private static void check(Environment environment, String prefix, int skipped, Schema schema) {
        ConfigurationPropertyName root = ConfigurationPropertyName.of(prefix);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.filter(root::isAncestorOf).stream()
                        .flatMap(name -> unknown(name, root.getNumberOfElements() + skipped, schema).stream())
                        .findFirst()
                        .ifPresent(refused -> {
                            throw refused;
                        });
            }
        }
    }

    /** The refusal of a name with an element its schema does not take, from element {@code at} on. */
    private static Optional<ThrottlePropertyException> unknown(ConfigurationPropertyName name, int at, Schema schema) {
        Schema current = schema;
        for (int i = at; i < name.getNumberOfElements() && current != null; i++) {
            if (name.isNumericIndex(i)) {
                continue; // a list's position: global[0], routes[1].limits[0]
            }
            String element = name.getElement(i, Form.UNIFORM);
            if (!current.names().contains(element)) {
                return Optional.of(new ThrottlePropertyException(name.toString(), "is not a setting; "
                        + current.describe()));
            }
            current = current.nested().get(element);
        }
        return Optional.empty();
    }
}
