package dev.throttle.http;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.util.List;
import java.util.OptionalLong;

/**
 * Why a request was refused, for a {@link RejectionHandler} to answer from.
 *
 * @param status the refusal status the policy configures (429 unless changed)
 * @param permit the refused permit of the limit that refused
 * @param state that limit's state, as the RateLimit headers tell it
 * @param retryAfterSeconds the {@code Retry-After} value: whole seconds rounded up, at least 1; empty when the
 *     request can never succeed ({@link Permit#NEVER})
 * @param rateLimitHeaders the RateLimit headers of the refusing limit, in the policy's style (possibly none)
 */
public record Refusal(int status, Permit permit, LimitState state, OptionalLong retryAfterSeconds,
        List<HttpHeader> rateLimitHeaders) {

    /**
     * Validates the refusal.
     *
     * @param status the refusal status
     * @param permit the refused permit
     * @param state the refusing limit's state
     * @param retryAfterSeconds the retry time in seconds, if any
     * @param rateLimitHeaders the RateLimit headers
     * @throws IllegalArgumentException if a reference is null or the status is not in {@code [100, 599]}
     */
    public Refusal {
        Arguments.requireInRange("status", status, 100, 599);
        Arguments.requireNonNull("permit", permit);
        Arguments.requireNonNull("state", state);
        Arguments.requireNonNull("retryAfterSeconds", retryAfterSeconds);
        rateLimitHeaders = List.copyOf(Arguments.requireNonNull("rateLimitHeaders", rateLimitHeaders));
    }
}
