package dev.throttle.http.admission;

import dev.throttle.http.HttpRejection;
import dev.throttle.http.RateLimitHeaderStyle;
import java.util.ArrayList;
import java.util.List;

/** Writes a {@link RateLimitState} as response headers in a {@link RateLimitHeaderStyle}. */
final class RateLimitHeaders {

    private RateLimitHeaders() {
    }

    /** The IETF fields: {@code RateLimit-Policy} and {@code RateLimit}, each a list of items already written. */
    static List<HttpRejection.Header> ietf(String policies, String serviceLimits) {
        return List.of(new HttpRejection.Header("RateLimit-Policy", policies),
                new HttpRejection.Header("RateLimit", serviceLimits));
    }

    static List<HttpRejection.Header> of(RateLimitState state, RateLimitHeaderStyle style) {
        List<HttpRejection.Header> headers = new ArrayList<>(3);
        if (style == RateLimitHeaderStyle.IETF_DRAFT) {
            String name = structuredString(state.name());
            StringBuilder policy = new StringBuilder(name).append(";q=").append(state.quota());
            state.windowSeconds().ifPresent(w -> policy.append(";w=").append(w));
            StringBuilder current = new StringBuilder(name).append(";r=").append(state.remaining());
            state.resetSeconds().ifPresent(t -> current.append(";t=").append(t));
            headers.add(new HttpRejection.Header("RateLimit-Policy", policy.toString()));
            headers.add(new HttpRejection.Header("RateLimit", current.toString()));
        } else if (style == RateLimitHeaderStyle.LEGACY) {
            headers.add(new HttpRejection.Header("RateLimit-Limit", Long.toString(state.quota())));
            headers.add(new HttpRejection.Header("RateLimit-Remaining", Long.toString(state.remaining())));
            state.resetSeconds().ifPresent(
                    t -> headers.add(new HttpRejection.Header("RateLimit-Reset", Long.toString(t))));
        }
        return List.copyOf(headers);
    }

    /**
     * A structured-field string (RFC 8941 section 3.3.3): quoted, with {@code "} and {@code \} escaped; characters a
     * string may not hold (controls, non-ASCII) become {@code ?}, since a limiter's name is not meant to be parsed.
     */
    static String structuredString(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7E) {
                out.append('?');
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
