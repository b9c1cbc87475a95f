package dev.throttle.http;

import dev.throttle.Arguments;

/**
 * One response header to write: a name and a value.
 *
 * @param name the header's name, for example {@code Retry-After}
 * @param value the header's value
 */
public record HttpHeader(String name, String value) {

    /**
     * Validates the header.
     *
     * @param name the header's name, not null or empty
     * @param value the header's value, not null
     * @throws IllegalArgumentException if the name is null or empty or the value is null, or either holds a line
     *     break (which would let a value split the response)
     */
    public HttpHeader {
        Arguments.requireNonNull("name", name);
        Arguments.requireNonNull("value", value);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name must not be empty");
        }
        if (hasLineBreak(name) || hasLineBreak(value)) {
            throw new IllegalArgumentException("header " + name.strip() + " must not contain a line break");
        }
    }

    private static boolean hasLineBreak(String text) {
        return text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0;
    }
}
