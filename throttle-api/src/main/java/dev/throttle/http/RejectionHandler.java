package dev.throttle.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides the response to a refused request: status, headers and body. Implement it to answer refusals in an API's
 * own format (a redirect, a page); {@link #standard()} is the default, {@link #problemJson()} answers with an RFC 9457
 * problem document. Called on the request's
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
            String body = refusal.retryAfterSeconds().isPresent()
                    ? "Too many requests; retry after " + refusal.retryAfterSeconds().getAsLong() + " s\n"
                    : "Request exceeds the limit\n";
            return new HttpRejection(refusal.status(), headers(refusal), "text/plain; charset=utf-8", body);
        };
    }

    /**
     * The standard answer's status and headers with an RFC 9457 problem document as the body
     * ({@code application/problem+json}), of the "quota-exceeded" problem type that draft-ietf-httpapi-ratelimit-headers
     * registers: {@code type}, {@code title}, {@code status} and {@code detail} (RFC 9457 section 3.1), the
     * {@code violated-policies} extension member of that problem type (the refusing limit's name), and
     * {@code retry-after}, the seconds of the {@code Retry-After} header, as an extension member (left out when the
     * request can never succeed). For example:
     * <pre>{@code
     * {"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Quota Exceeded",
     *  "status":429,"detail":"Too many requests for the limit api; retry after 2 s",
     *  "violated-policies":["api"],"retry-after":2}
     * }</pre>
     *
     * @return the handler
     */
    static RejectionHandler problemJson() {
        return (request, refusal) -> new HttpRejection(refusal.status(), headers(refusal), ProblemJson.MEDIA_TYPE,
                ProblemJson.quotaExceeded(refusal));
    }

    /** The standard headers: {@code Retry-After} when known, {@code Cache-Control: no-store}, the RateLimit fields. */
    private static List<HttpRejection.Header> headers(Refusal refusal) {
        List<HttpRejection.Header> headers = new ArrayList<>(5);
        refusal.retryAfterSeconds().ifPresent(
                seconds -> headers.add(new HttpRejection.Header("Retry-After", Long.toString(seconds))));
        headers.add(new HttpRejection.Header("Cache-Control", "no-store"));
        headers.addAll(refusal.rateLimitHeaders());
        return headers;
    }
}
