package dev.throttle.servlet;

import dev.throttle.http.HttpRejection;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.admission.Admission;
import dev.throttle.http.admission.HttpThrottle;
import dev.throttle.kernel.Arguments;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A servlet filter that throttles requests with an {@link HttpThrottlePolicy}: a refused request gets the rejection
 * handler's response (429, {@code Retry-After}, {@code Cache-Control: no-store}, RateLimit headers by default) and
 * never reaches the application; an admitted one gets the RateLimit fields of its limits and holds its permits until
 * its response is complete.
 *
 * <p>When the response is complete: for a synchronous request, when the rest of the chain returns (a 5xx status is
 * reported as {@link dev.throttle.Permit#dropped() dropped}, and so is an exception from the chain); for an
 * asynchronous request (the chain started {@link jakarta.servlet.AsyncContext async} processing), when the async
 * cycle completes (a 5xx as dropped), times out or fails (dropped). Permits are ended exactly once whatever the path.
 *
 * <h2>Waiting at the door</h2>
 * A request that a {@link dev.throttle.http.HttpLimit#queueing queueing} limit makes wait holds no thread: the filter
 * starts async processing, returns the thread to the container, and when the permits come
 * {@linkplain AsyncContext#dispatch() dispatches} the request again, to the same path, with its RateLimit headers set;
 * a request refused after waiting is answered with the refusal and completed. A request whose client goes away (the
 * container reports an error or completes the request) is withdrawn and gives its place back. For this the filter
 * and the servlets behind it must support async processing, and the filter should come first in the chain, mapped to
 * {@link DispatcherType#ASYNC ASYNC} dispatches as well (it lets them through): filters after it that are mapped to
 * {@code REQUEST} only do not see the re-dispatched request. When the chain does not support async processing, the
 * request waits on its thread instead.
 *
 * <p>Only the original {@link DispatcherType#REQUEST REQUEST} dispatch is throttled: async, forward, include and error
 * dispatches of an admitted request pass straight through. Register it with async support when the application
 * uses async servlets. The client's address is the container's {@code getRemoteAddr()}; if the container already
 * rewrites it from forwarding headers (Jetty's {@code ForwardedRequestCustomizer}), key by
 * {@link dev.throttle.http.KeyResolver#remoteAddress()} rather than by the forwarding header again.
 *
 * <pre>{@code
 * FilterHolder filter = new FilterHolder(new ThrottleFilter(policy));
 * filter.setAsyncSupported(true);
 * context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
 * }</pre>
 */
public final class ThrottleFilter implements Filter {

    private final HttpThrottle throttle;

    /**
     * A filter enforcing a policy. To throttle a servlet container and a Netty server together, give both the same
     * policy: its limiters hold the state, so the two count against the same limits.
     *
     * @param policy the policy
     * @throws IllegalArgumentException if {@code policy} is null
     */
    public ThrottleFilter(HttpThrottlePolicy policy) {
        this.throttle = new HttpThrottle(Arguments.requireNonNull("policy", policy));
    }

    /**
     * The policy this filter enforces.
     *
     * @return the policy given at construction
     */
    public HttpThrottlePolicy policy() {
        return throttle.policy();
    }

    /**
     * Admits or refuses the request; see the class description.
     *
     * @param request the request
     * @param response the response
     * @param chain the rest of the chain
     * @throws IOException if writing a refusal fails, or as thrown by the chain
     * @throws ServletException as thrown by the chain
     */
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)
                || request.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletRequest httpRequest = (HttpServletRequest) request;
        HttpServletResponse httpResponse = (HttpServletResponse) response;
        CompletableFuture<Admission> decision = throttle.admitAsync(new ServletRequestView(httpRequest));
        Admission admission;
        if (decision.isDone()) {
            admission = HttpThrottle.resolved(decision);
        } else if (request.isAsyncSupported()) {
            QueuedRequest.start(decision, httpRequest, httpResponse);
            return;
        } else {
            admission = awaitOnThisThread(decision);
        }
        if (!admission.admitted()) {
            writeRejection(admission.rejection().orElseThrow(), httpResponse);
            return;
        }
        for (HttpRejection.Header header : admission.headers()) {
            httpResponse.setHeader(header.name(), header.value());
        }
        boolean async = false;
        try {
            chain.doFilter(request, response);
            async = request.isAsyncStarted() && listenForCompletion(request.getAsyncContext(), admission,
                    httpResponse);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            admission.dropped();
            throw e;
        } finally {
            if (!async) {
                admission.complete(httpResponse.getStatus());
            }
        }
    }

    /**
     * Waits for a queued request's permits on the request's own thread: only when the chain does not support async
     * processing, which is the only way to wait without a thread.
     */
    private static Admission awaitOnThisThread(CompletableFuture<Admission> decision) throws ServletException {
        try {
            return decision.get();
        } catch (InterruptedException e) {
            HttpThrottle.withdraw(decision);
            Thread.currentThread().interrupt();
            throw new ServletException("interrupted while waiting for a permit", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new ServletException(cause);
        }
    }

    /** Registers the listener that ends the permits; false if the async cycle is already over. */
    static boolean listenForCompletion(AsyncContext context, Admission admission,
            HttpServletResponse response) {
        try {
            context.addListener(new CompletionListener(admission, response));
            return true;
        } catch (IllegalStateException alreadyOver) {
            return false;
        }
    }

    static void writeRejection(HttpRejection rejection, HttpServletResponse response) throws IOException {
        response.setStatus(rejection.status());
        for (HttpRejection.Header header : rejection.headers()) {
            response.addHeader(header.name(), header.value());
        }
        byte[] body = rejection.body().getBytes(StandardCharsets.UTF_8);
        if (!rejection.contentType().isEmpty()) {
            response.setContentType(rejection.contentType());
        }
        response.setContentLength(body.length);
        if (body.length > 0) {
            response.getOutputStream().write(body);
        }
        response.flushBuffer();
    }

    /** Ends an async request's permits when its async cycle ends; every event may come, only the first counts. */
    static final class CompletionListener implements AsyncListener {

        private final Admission admission;
        private final HttpServletResponse response;

        CompletionListener(Admission admission, HttpServletResponse response) {
            this.admission = admission;
            this.response = response;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            admission.complete(response.getStatus());
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            admission.dropped();
        }

        @Override
        public void onError(AsyncEvent event) {
            admission.dropped();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A new async cycle on the same request drops the listeners of the last one; stay registered.
            event.getAsyncContext().addListener(this);
        }
    }
}
