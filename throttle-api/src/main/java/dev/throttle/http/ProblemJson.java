package dev.throttle.http;

import dev.throttle.Permit;

/**
 * Writes a refusal as an RFC 9457 problem document of the "quota-exceeded" type (draft-ietf-httpapi-ratelimit-headers,
 * section 5.1), by hand: a few members, so no JSON library is needed, with strings escaped as RFC 8259 section 7 says.
 */
final class ProblemJson {

    /** The media type of a problem document in JSON (RFC 9457 section 3). */
    static final String MEDIA_TYPE = "application/problem+json";
    /** The problem type the RateLimit draft registers for a request beyond a quota policy. */
    static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";
    /** The title the draft registers for that type. */
    static final String TITLE = "Quota Exceeded";

    private ProblemJson() {
    }

    /** The document of one refusal. */
    static String quotaExceeded(Refusal refusal) {
        Permit permit = refusal.permit();
        String name = permit.limiterName();
        String detail = refusal.retryAfterSeconds().isPresent()
                ? "Too many requests for the limit " + name + "; retry after " + refusal.retryAfterSeconds().getAsLong()
                        + " s"
                : "The request asks for " + permit.permits() + (permit.permits() == 1L ? " permit" : " permits")
                        + ", more than the limit " + name + " can ever grant";
        StringBuilder json = new StringBuilder(256).append('{');
        member(json, "type").append(string(QUOTA_EXCEEDED)).append(',');
        member(json, "title").append(string(TITLE)).append(',');
        member(json, "status").append(refusal.status()).append(',');
        member(json, "detail").append(string(detail)).append(',');
        member(json, "violated-policies").append('[').append(string(name)).append(']');
        refusal.retryAfterSeconds().ifPresent(seconds -> member(json.append(','), "retry-after").append(seconds));
        return json.append('}').append('\n').toString();
    }

    private static StringBuilder member(StringBuilder json, String name) {
        return json.append(string(name)).append(':');
    }

    /** A JSON string: quoted, with the quote, the backslash and the control characters escaped. */
    static String string(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }
}
