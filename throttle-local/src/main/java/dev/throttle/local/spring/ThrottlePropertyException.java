package dev.throttle.local.spring;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A {@code throttle.*} property whose value the library refuses, found when the application starts: the message names
 * the property's path and, where the library gives one, the allowed range, for example
 * {@code throttle.limiters.api.capacity: capacity = 0 is out of range; allowed range is [1, 9223372036854775807]}.
 * The library's own {@link IllegalArgumentException}, when there is one, is the cause.
 */
public final class ThrottlePropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The property's path, such as {@code throttle.limiters.api.capacity}. */
    private final String property;

    /**
     * A property refused for a reason of this module's own (a missing value, a name that does not exist).
     *
     * @param property the property's path
     * @param reason why it is refused
     */
    public ThrottlePropertyException(String property, String reason) {
        super(Objects.requireNonNull(property, "property") + ": " + reason);
        this.property = property;
    }

    /**
     * A property whose value the library refused.
     *
     * @param property the property's path
     * @param refused the library's refusal, which names the parameter and the allowed range
     */
    public ThrottlePropertyException(String property, IllegalArgumentException refused) {
        super(Objects.requireNonNull(property, "property") + ": " + refused.getMessage(), refused);
        this.property = property;
    }

    /**
     * Builds a value from a property, turning the library's refusal of it into this exception, naming the property.
     *
     * @param property the property's path
     * @param build what builds the value, such as a builder's call
     * @param <T> the value's type
     * @return the value
     * @throws ThrottlePropertyException naming {@code property} if {@code build} throws an
     *     {@link IllegalArgumentException} (one that names a property already is thrown as it is)
     */
    public static <T> T wrap(String property, Supplier<T> build) {
        try {
            return build.get();
        } catch (ThrottlePropertyException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ThrottlePropertyException(property, e);
        }
    }

    /**
     * The refused property's path.
     *
     * @return the path, such as {@code throttle.limiters.api.capacity}
     */
    public String property() {
        return property;
    }
}
