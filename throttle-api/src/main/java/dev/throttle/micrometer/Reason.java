package dev.throttle.micrometer;

/**
 * Why a request ended as it did: the {@code reason} tag of {@link ThrottleMetrics#PERMITS}. A small fixed set, so the
 * tag's cardinality stays bounded whatever the traffic.
 */
enum Reason {
    /** Granted: there is nothing to explain. */
    NONE("none"),
    /** Refused by the limit at once: a try, a boolean allow, or an acquisition that was not willing to wait. */
    LIMIT("limit"),
    /** Refused because the permits could not be had within the caller's positive maximum wait. */
    TIMEOUT("timeout"),
    /** Refused because the request exceeds what the limiter can ever grant. */
    NEVER("never"),
    /** A blocking acquisition withdrawn because its thread was interrupted. */
    INTERRUPTED("interrupted"),
    /** An asynchronous acquisition cancelled by its caller. */
    CANCELLED("cancelled"),
    /** An asynchronous acquisition that failed; engines promise it does not happen, but a count beats a guess. */
    ERROR("error");

    private final String tag;

    Reason(String tag) {
        this.tag = tag;
    }

    String tag() {
        return tag;
    }
}
