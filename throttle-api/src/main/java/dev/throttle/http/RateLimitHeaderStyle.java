package dev.throttle.http;

/** Which rate limit headers responses carry. */
public enum RateLimitHeaderStyle {

    /**
     * The fields of the IETF httpapi draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers,
     * revisions 08 to 11): structured-field lists {@code RateLimit-Policy: "api";q=100;w=60} (quota, window in
     * seconds) and {@code RateLimit: "api";r=42;t=12} (remaining, seconds until reset).
     */
    IETF_DRAFT,

    /**
     * The older separate fields {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset}
     * (seconds), still the most widely read.
     */
    LEGACY,

    /** No rate limit headers ({@code Retry-After} is still sent on refusals by the standard handler). */
    NONE
}
