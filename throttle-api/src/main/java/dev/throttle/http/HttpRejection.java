package dev.throttle.http;

import dev.throttle.kernel.Arguments;
import java.util.List;

/**
 * The response written for a refused request, instead of calling the application: what a {@link RejectionHandler}
 * returns. It is a plain value rather than a server's response object so that one handler serves the servlet filter
 * and the Netty handler alike.
 *
 * @param status the status code
 * @param headers the headers, written in order
 * @param contentType the body's content type, for example {@code text/plain; charset=utf-8}
 * @param body the body, written as UTF-8; may be empty
 */
public record HttpRejection(int status, List<Header> headers, String contentType, String body) {

    /**
     * Validates the response.
     *
     * @param status the status code, in {@code [100, 599]}
     * @param headers the headers
     * @param contentType the body's content type
     * @param body the body
     * @throws IllegalArgumentException if a reference is null or the status out of range
     */
    public HttpRejection {
        Arguments.requireInRange("status", status, 100, 599);
        headers = List.copyOf(Arguments.requireNonNull("headers", headers));
        Arguments.requireNonNull("contentType", contentType);
        Arguments.requireNonNull("body", body);
    }

    /**
     * One response header to write: a name and a value. Nested here because a rejection is where a user builds
     * headers; the same type carries the RateLimit headers of a {@link Refusal} and of an admitted response.
     *
     * @param name the header's name, for example {@code Retry-After}
     * @param value the header's value
     */
    public record Header(String name, String value) {

        /**
         * Validates the header.
         *
         * @param name the header's name, not null or empty
         * @param value the header's value, not null
         * @throws IllegalArgumentException if the name is null or empty or the value is null, or either holds a line
         *     break (which would let a value split the response)
         */
        public Header {
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
}
