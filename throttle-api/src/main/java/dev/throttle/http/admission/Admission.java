package dev.throttle.http.admission;

import dev.throttle.Permit;
import dev.throttle.http.HttpRejection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The outcome of {@link HttpThrottle#admit}: either the request is admitted, holding the permits of every limit it
 * was checked against until its response completes, or it is refused with the response to write instead.
 *
 * <p>An admitted request's permits must be ended exactly once when the response is complete: {@link #complete(int)}
 * with the response status ends them as success, or as overload ({@link Permit#dropped()}) for a 5xx;
 * {@link #dropped()} ends them as overload (a timeout, an error). Only the first of these calls counts; later calls do
 * nothing, so a server adapter may call them from every completion path it sees. On a refusal they do nothing.
 *
 * <p>Internal, like {@link HttpThrottle}: only server adapters hold admissions.
 */
public final class Admission implements AutoCloseable {

    private final List<Permit> permits;
    private final List<HttpRejection.Header> headers;
    private final HttpRejection rejection;
    private final AtomicBoolean ended = new AtomicBoolean();

    private Admission(List<Permit> permits, List<HttpRejection.Header> headers, HttpRejection rejection) {
        this.permits = permits;
        this.headers = headers;
        this.rejection = rejection;
    }

    static Admission admitted(List<Permit> permits, List<HttpRejection.Header> headers) {
        return new Admission(List.copyOf(permits), List.copyOf(headers), null);
    }

    static Admission refused(HttpRejection rejection) {
        Admission refused = new Admission(List.of(), List.of(), rejection);
        refused.ended.set(true);
        return refused;
    }

    /**
     * Tells whether the request may go on to the application.
     *
     * @return true if admitted
     */
    public boolean admitted() {
        return rejection == null;
    }

    /**
     * The response to write instead of calling the application.
     *
     * @return the rejection of a refused request; empty when admitted
     */
    public Optional<HttpRejection> rejection() {
        return Optional.ofNullable(rejection);
    }

    /**
     * The headers to add to an admitted request's response, before it is committed: the RateLimit fields of every
     * limit that decided (IETF style), or those of the most restrictive limit, the one with the fewest permits
     * remaining (legacy style).
     *
     * @return an unmodifiable list; empty on a refusal, when no limit applied or with header style NONE
     */
    public List<HttpRejection.Header> headers() {
        return headers;
    }

    /**
     * The permits held, one per limit that applied, in the order they were taken.
     *
     * @return an unmodifiable list; empty on a refusal
     */
    public List<Permit> permits() {
        return permits;
    }

    /**
     * Ends the permits once the response is complete: as overload ({@link Permit#dropped()}) when the status is 500
     * or more, which tells adaptive limiters the protected service is struggling, else as success
     * ({@link Permit#close()}).
     *
     * @param status the response status
     * @return true if this call ended the permits, false if they had already been ended (or the request was refused)
     */
    public boolean complete(int status) {
        return end(status >= 500 ? Permit::dropped : Permit::close);
    }

    /**
     * Ends the permits reporting overload: for a timeout, an aborted response, an exception from the application.
     *
     * @return true if this call ended the permits, false if they had already been ended
     */
    public boolean dropped() {
        return end(Permit::dropped);
    }

    /**
     * Gives the permits back unused ({@link Permit#giveBack()}): the request never reached the application, for
     * example because its client went away while it waited for a later limit.
     *
     * @return true if this call ended the permits, false if they had already been ended
     */
    public boolean withdraw() {
        return end(Permit::giveBack);
    }

    /** Ends the permits as success; the same as {@code complete(200)}. */
    @Override
    public void close() {
        end(Permit::close);
    }

    /**
     * Tells whether the permits have been ended (always true for a refusal).
     *
     * @return true once ended
     */
    public boolean ended() {
        return ended.get();
    }

    private boolean end(Consumer<Permit> ending) {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        RuntimeException first = null;
        for (Permit permit : permits) {
            // Every permit is ended even if one throws, so that no concurrency slot leaks.
            try {
                ending.accept(permit);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return true;
    }

    @Override
    public String toString() {
        return admitted() ? "Admission[admitted " + permits + "]" : "Admission[refused " + rejection.status() + "]";
    }
}
