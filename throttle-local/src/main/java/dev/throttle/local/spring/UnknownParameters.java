package dev.throttle.local.spring;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
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

    /**
     * A part of the configuration: the names it takes (uniform form: lower case, no dashes) and the parts nested under
     * some of them, read off its properties record, so that a setting added to the record is known here at once.
     */
    private record Schema(String describe, Set<String> names, Map<String, Schema> nested) {

        static Schema of(String what, Class<? extends Record> properties, Map<String, Schema> nested) {
            List<String> kebab = Arrays.stream(properties.getRecordComponents())
                    .map(component -> component.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT))
                    .toList();
            Set<String> names = kebab.stream().map(name -> name.replace("-", "")).collect(Collectors.toSet());
            return new Schema(what + " takes " + String.join(", ", kebab), names, nested);
        }

        Schema noting(String more) {
            return new Schema(describe + more, names, nested);
        }
    }

    private static final Schema LIMITER = Schema.of("a limiter", ThrottleProperties.LimiterProperties.class, Map.of())
            .noting(" (those of its type)");
    private static final Schema LIMIT = Schema.of("an HTTP limit", ThrottleProperties.LimitProperties.class, Map.of());
    private static final Schema ROUTE = Schema.of("a route", ThrottleProperties.RouteProperties.class,
            Map.of("limits", LIMIT));
    private static final Schema HTTP = Schema.of("throttle.http", ThrottleProperties.HttpProperties.class,
            Map.of("global", LIMIT, "routes", ROUTE));

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
