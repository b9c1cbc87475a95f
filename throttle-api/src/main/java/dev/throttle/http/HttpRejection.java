package dev.throttle.http;

import dev.throttle.Arguments;
import java.util.List;

/**
 * The response written for a refused request, instead of calling the application.
 *
 * @param status the status code
 * @param headers the headers, written in order
 * @param contentType the body's content type, for example {@code text/plain; charset=utf-8}
 * @param body the body, written as UTF-8; may be empty
 */
public record HttpRejection(int status, List<HttpHeader> headers, String contentType, String body) {

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
}
