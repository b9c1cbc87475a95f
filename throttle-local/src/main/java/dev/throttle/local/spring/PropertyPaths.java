package dev.throttle.local.spring;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds library values from properties and names the property of a value the library refuses. The library's
 * {@link IllegalArgumentException}s start with the parameter they refuse ({@code capacity = 0 is out of range; allowed
 * range is [1, ...]}): that parameter, in the kebab case of properties, is the property under the prefix.
 */
final class PropertyPaths {

    /** The parameter a library message starts with: {@code maxQueue = -1 is out of range...}. */
    private static final Pattern PARAMETER = Pattern.compile("^([a-z][A-Za-z]*) ");
    private static final Pattern HUMP = Pattern.compile("([a-z])([A-Z])");

    private PropertyPaths() {
    }

    /**
     * Builds a value from one property.
     *
     * @param property the property's path
     * @param build what builds the value
     * @return the value
     * @throws ThrottlePropertyException naming {@code property} if the library refuses the value
     */
    static <T> T at(String property, Supplier<T> build) {
        return ThrottlePropertyException.wrap(property, build);
    }

    /**
     * Builds a value from several properties under one prefix.
     *
     * @param prefix the properties' common path, such as {@code throttle.limiters.api}
     * @param properties the properties under it that the value is built from, in kebab case
     * @param aliases the library's parameter names that differ from their property's, such as permits for rate
     * @param build what builds the value
     * @return the value
     * @throws ThrottlePropertyException naming the refused parameter's property (or the prefix, when the message names
     *     none of them) if the library refuses a value
     */
    static <T> T under(String prefix, Collection<String> properties, Map<String, String> aliases, Supplier<T> build) {
        try {
            return build.get();
        } catch (ThrottlePropertyException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            String property = refusedParameter(e).map(parameter -> aliases.getOrDefault(parameter, kebab(parameter)))
                    .filter(properties::contains).orElse(null);
            throw new ThrottlePropertyException(property == null ? prefix : prefix + "." + property, e);
        }
    }

    private static Optional<String> refusedParameter(IllegalArgumentException e) {
        Matcher matcher = PARAMETER.matcher(String.valueOf(e.getMessage()));
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** {@code maxQueue} as a property: {@code max-queue}. */
    static String kebab(String camel) {
        return HUMP.matcher(camel).replaceAll("$1-$2").toLowerCase(Locale.ROOT);
    }
}
