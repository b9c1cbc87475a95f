package dev.throttle.servlet;

import dev.throttle.http.HttpRejection;
import dev.throttle.http.admission.Admission;
import dev.throttle.http.admission.HttpThrottle;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request waiting at the door for its permits, in async mode so that it holds no thread. When its admission
 * comes, it is dispatched again (admitted) or answered with its refusal; when the container ends the request first
 * (the client went away, an error), the wait is withdrawn.
 */
final class QueuedRequest implements AsyncListener {

    private static final System.Logger LOG = System.getLogger(ThrottleFilter.class.getName());

    private static final int WAITING = 0;
    private static final int ANSWERED = 1;
    private static final int WITHDRAWN = 2;

    private final CompletableFuture<Admission> decision;
    private final AsyncContext async;
    private final HttpServletResponse response;
    /** Waiting, then either answered (dispatched or refused) or withdrawn, whichever comes first. */
    private final AtomicInteger state = new AtomicInteger(WAITING);

    private QueuedRequest(CompletableFuture<Admission> decision, AsyncContext async, HttpServletResponse response) {
        this.decision = decision;
        this.async = async;
        this.response = response;
    }

    /**
     * Suspends a request until its admission is decided.
     *
     * @param decision the admission to come
     * @param request the request, which must support async processing
     * @param response its response
     */
    static void start(CompletableFuture<Admission> decision, HttpServletRequest request,
            HttpServletResponse response) {
        AsyncContext async;
        try {
            async = request.startAsync(request, response);
        } catch (RuntimeException e) {
            HttpThrottle.withdraw(decision);
            throw e;
        }
        // The limit's maximum wait bounds the wait; the container must not time the request out before it.
        async.setTimeout(0);
        QueuedRequest queued = new QueuedRequest(decision, async, response);
        async.addListener(queued);
        decision.whenComplete((admission, failure) -> queued.decided(admission, failure));
    }

    private void decided(Admission admission, Throwable failure) {
        if (!state.compareAndSet(WAITING, ANSWERED)) {
            if (admission != null) {
                admission.withdraw(); // the container is ending the request: nothing will use the permits
            }
            return;
        }
        try {
            if (failure != null) {
                LOG.log(System.Logger.Level.WARNING, "throttling a queued request failed", failure);
                response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                async.complete();
            } else if (!admission.admitted()) {
                ThrottleFilter.writeRejection(admission.rejection().orElseThrow(), response);
                async.complete();
            } else {
                for (HttpRejection.Header header : admission.headers()) {
                    response.setHeader(header.name(), header.value());
                }
                if (!ThrottleFilter.listenForCompletion(async, admission, response)) {
                    admission.withdraw();
                    return;
                }
                async.dispatch();
            }
        } catch (IOException | RuntimeException e) {
            // The request ended meanwhile (its client went away): nothing can be written or dispatched any more.
            if (admission != null) {
                admission.withdraw();
            }
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        withdraw();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        withdraw();
    }

    @Override
    public void onError(AsyncEvent event) {
        withdraw();
    }

    /** The container ends the request while it waits (its client went away): it gives its place back. */
    private void withdraw() {
        if (state.compareAndSet(WAITING, WITHDRAWN)) {
            HttpThrottle.withdraw(decision);
        }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // The wait is over once the request is dispatched again; a later async cycle is the application's.
    }
}
