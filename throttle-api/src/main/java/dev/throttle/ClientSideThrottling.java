package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import java.time.Duration;

/**
 * Client-side adaptive throttling, as Google's SRE book describes it (chapter "Handling Overload", section
 * "Client-Side Throttling", https://sre.google/sre-book/handling-overload/): a client that sees its backend reject
 * more and more of its requests refuses requests itself, before they reach the network. Over a sliding window the client counts {@code requests} (every attempt of the application, including those the throttle
 * refused locally) and {@code accepts} (those the backend accepted), and refuses a new request locally with
 * probability {@code max(0, (requests − k·accepts) / (requests + 1))}.
 *
 * <p>The decision rests on this JVM's own calls and their outcomes (a grant's {@link Permit#close()} is an accept,
 * {@link Permit#dropped()} a rejection), so only the local engine enforces it; the Redis engine refuses it with an
 * {@link IllegalArgumentException}.
 *
 * <p>The book keeps two minutes of history and prefers {@code k = 2}: the backend then still receives up to twice
 * what it accepts, and a smaller {@code k} throttles sooner. {@link #defaults()} uses those values.
 *
 * @param k the accepts multiplier, from {@value #MIN_K} to {@value #MAX_K}
 * @param window the length of the history, from {@code buckets} nanoseconds to {@link LimitSpec#MAX_DURATION}
 * @param buckets how many time buckets the window is cut into, from 1 to {@value #MAX_BUCKETS}; an event leaves the
 *     history between {@code (buckets − 1) / buckets} and one whole window after it happened
 */
public record ClientSideThrottling(double k, Duration window, int buckets) implements LimitSpec {

    /** The smallest multiplier: below one, the client would refuse requests the backend accepts. */
    public static final double MIN_K = 1.0;

    /** The largest multiplier: far beyond any useful setting, it keeps {@code k·accepts} a finite number. */
    public static final double MAX_K = 1000.0;

    /** The most buckets: each decision sums every bucket, so their count bounds its cost. */
    public static final int MAX_BUCKETS = 3600;

    /**
     * Validates the spec.
     *
     * @param k the accepts multiplier, from {@value #MIN_K} to {@value #MAX_K}
     * @param window the length of the history, from {@code buckets} nanoseconds to {@link LimitSpec#MAX_DURATION}
     * @param buckets how many time buckets the window is cut into, from 1 to {@value #MAX_BUCKETS}
     * @throws IllegalArgumentException if a parameter is null or out of range
     */
    public ClientSideThrottling {
        requireK(k);
        Arguments.requireInRange("buckets", buckets, 1, MAX_BUCKETS);
        Arguments.toNanos("window", window, buckets, Arguments.MAX_DURATION_NANOS);
    }

    /**
     * The book's settings: {@code k = 2} over two minutes, cut into 24 buckets of five seconds (each decision sums 24
     * buckets; history is forgotten five seconds at a time).
     *
     * @return the spec
     */
    public static ClientSideThrottling defaults() {
        return new ClientSideThrottling(2.0, Duration.ofMinutes(2), 24);
    }

    /**
     * The spec with another multiplier.
     *
     * @param k the accepts multiplier, from {@value #MIN_K} to {@value #MAX_K}
     * @return the spec
     * @throws IllegalArgumentException if {@code k} is out of range
     */
    public ClientSideThrottling withK(double k) {
        return new ClientSideThrottling(k, window, buckets);
    }

    /**
     * The spec with another window.
     *
     * @param window the length of the history
     * @param buckets how many time buckets the window is cut into
     * @return the spec
     * @throws IllegalArgumentException if a parameter is null or out of range
     */
    public ClientSideThrottling withWindow(Duration window, int buckets) {
        return new ClientSideThrottling(k, window, buckets);
    }

    /**
     * The length of one bucket: the window divided by the buckets, rounded down to a whole nanosecond.
     *
     * @return nanoseconds, 1 or more
     */
    public long bucketNanos() {
        return window.toNanos() / buckets;
    }

    /**
     * The most requests one acquisition may stand for (a batch counts as that many requests).
     *
     * @return {@link Integer#MAX_VALUE}
     */
    @Override
    public long capacity() {
        return Integer.MAX_VALUE;
    }

    /**
     * After one window nothing is remembered: the throttle is back at rest.
     *
     * @return the window in nanoseconds (whole buckets)
     */
    @Override
    public long restNanos() {
        return bucketNanos() * buckets;
    }

    /**
     * Permits are held until the call ends, which tells whether the backend accepted it: not a rate.
     *
     * @return false
     */
    @Override
    public boolean isRate() {
        return false;
    }

    /**
     * The spec for logs: {@code ClientSideThrottling[k=2, window=2 min in 24 buckets]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "ClientSideThrottling[k=" + SpecText.number(k) + ", window=" + SpecText.duration(window) + " in "
                + buckets + " buckets]";
    }

    /**
     * Calls the visitor's method for client-side throttling.
     *
     * @param visitor the visitor
     * @param <R> what it answers
     * @return its answer
     */
    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.clientSideThrottling(this);
    }

    private static double requireK(double k) {
        if (!(k >= MIN_K && k <= MAX_K)) { // also refuses NaN
            throw new IllegalArgumentException("k = " + k + " is out of range; allowed range is [" + MIN_K + ", "
                    + MAX_K + "]");
        }
        return k;
    }
}
