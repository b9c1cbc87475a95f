package dev.throttle.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides the response to a refused request: status, headers and body. Implement it to answer refusals in an API's
 * own format (a JSON problem document, a redirect); {@link #standard()} is the default. Called on the request's
 * thread, by whichever server adapter refused the request, so it must not block.
 */
@FunctionalInterface
public interface RejectionHandler {

    /**
     * The response to a refusal.
     *
     * @param request the refused request
     * @param refusal why it was refused
     * @return the response to write
     */
    HttpRejection reject(HttpRequestView request, Refusal refusal);

    /**
     * The standard answer: the refusal's status (429 unless configured), {@code Retry-After} in whole seconds
     * rounded up (left out when the request can never succeed), {@code Cache-Control: no-store} (so that no cache
     * replays a refusal to other clients), the RateLimit headers of the refusing limit and a one-line plain text body.
     *
     * @return the handler
     */
    static RejectionHandler standard() {
        return (request, refusal) -> {
            List<HttpRejection.Header> headers = new ArrayList<>(5);
            refusal.retryAfterSeconds().ifPresent(
                    seconds -> headers.add(new HttpRejection.Header("Retry-After", Long.toString(seconds))));
            headers.add(new HttpRejection.Header("Cache-Control", "no-store"));
            headers.addAll(refusal.rateLimitHeaders());
            String body = refusal.retryAfterSeconds().isPresent()
                    ? "Too many requests; retry after " + refusal.retryAfterSeconds().getAsLong() + " s\n"
                    : "Request exceeds the limit\n";
            return new HttpRejection(refusal.status(), headers, "text/plain; charset=utf-8", body);
        };
    }
}
