package dev.throttle.http;

import java.util.List;
import java.util.Optional;

/**
 * What the throttle reads of an HTTP request, whatever the server: the servlet filter and the Netty handler each
 * adapt their request to it. Implementations are views over the server's own request and are read only on the
 * thread handling the request.
 */
public interface HttpRequestView {

    /**
     * The request method as sent, for example {@code GET}.
     *
     * @return the method, never null
     */
    String method();

    /**
     * The request path without the query string, decoded and normalized by the server where it does so, for
     * example {@code /api/orders/42}.
     *
     * @return the path, never null; {@code "/"} for the root
     */
    String path();

    /**
     * Every value of a header, in the order received; the name is matched case-insensitively.
     *
     * @param name the header's name
     * @return the values, empty if the header is absent; never null
     */
    List<String> headers(String name);

    /**
     * The first value of a header.
     *
     * @param name the header's name, matched case-insensitively
     * @return the first value, if any
     */
    default Optional<String> header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.get(0));
    }

    /**
     * The address of the direct peer of the connection, as an IP literal (for example {@code 192.0.2.7} or
     * {@code 2001:db8::1}): the client itself, or the last proxy in front of this server.
     *
     * @return the peer's address, never null; empty if the transport has none (a Unix socket)
     */
    String remoteAddress();

    /**
     * The name of the authenticated user, when the server authenticated the request.
     *
     * @return the principal's name, if any
     */
    Optional<String> principal();
}
