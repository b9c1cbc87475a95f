package dev.throttle.http;

import dev.throttle.Permit;
import dev.throttle.kernel.Arguments;
import java.util.List;
import java.util.OptionalLong;

/**
 * Why a request was refused, for a {@link RejectionHandler} to answer from. It tells the refusing limit's state in
 * the terms of the RateLimit headers: the name, quota and what remains are the {@link #permit() permit}'s
 * ({@link Permit#limiterName()}, {@link Permit#limit()}, {@link Permit#remaining()}), the seconds until the quota is
 * available again are {@link #retryAfterSeconds()}, and only the window needs the limit's spec, so only it is a
 * component of its own.
 *
 * @param status the refusal status the policy configures (429 unless changed)
 * @param permit the refused permit of the limit that refused
 * @param windowSeconds the window the refusing limit's quota applies to, in whole seconds rounded up: the window of a
 *     window spec, the time a token or leaky bucket takes to refill from empty; empty for a concurrency limit or a
 *     spec that has no window
 * @param retryAfterSeconds the {@code Retry-After} value: whole seconds rounded up, at least 1; empty when the
 *     request can never succeed ({@link Permit#NEVER})
 * @param rateLimitHeaders the RateLimit headers in the policy's style (possibly none): in the IETF style, every policy
 *     of the route and the refusing limit's state; in the legacy style, the refusing limit's
 */
public record Refusal(int status, Permit permit, OptionalLong windowSeconds, OptionalLong retryAfterSeconds,
        List<HttpRejection.Header> rateLimitHeaders) {

    /**
     * Validates the refusal.
     *
     * @param status the refusal status
     * @param permit the refused permit
     * @param windowSeconds the refusing limit's window in seconds, if it has one
     * @param retryAfterSeconds the retry time in seconds, if any
     * @param rateLimitHeaders the RateLimit headers
     * @throws IllegalArgumentException if a reference is null or the status is not in {@code [100, 599]}
     */
    public Refusal {
        Arguments.requireInRange("status", status, 100, 599);
        Arguments.requireNonNull("permit", permit);
        Arguments.requireNonNull("windowSeconds", windowSeconds);
        Arguments.requireNonNull("retryAfterSeconds", retryAfterSeconds);
        rateLimitHeaders = List.copyOf(Arguments.requireNonNull("rateLimitHeaders", rateLimitHeaders));
    }
}
