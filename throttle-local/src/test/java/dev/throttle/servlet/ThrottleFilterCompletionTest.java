package dev.throttle.servlet;

import static dev.throttle.servlet.JettyFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.RecordingLimiter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the filter ends a request's permits: after synchronous responses, after async responses, after exceptions,
 * with 5xx and timeouts reported as dropped; a concurrency limit shows every leak as a permit that never comes back.
 */
class ThrottleFilterCompletionTest {

    private static final int LIMIT = 2;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final RecordingLimiter bulkhead = new RecordingLimiter(engine.limiter("bulkhead", Concurrency.of(LIMIT)));
    private final ExecutorService completer = Executors.newFixedThreadPool(4);
    private final CountDownLatch entered = new CountDownLatch(1);
    private final AtomicInteger dispatchesReturned = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private JettyFixture jetty;

    /** Behaves by path: plain, 503, throwing, async (200 or 500), async never completed, blocking until released. */
    final class Behaviours extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws IOException, ServletException {
            switch (request.getPathInfo() == null ? request.getServletPath() : request.getPathInfo()) {
                case "/ok":
                    response.getWriter().write("ok");
                    return;
                case "/unavailable":
                    response.sendError(503);
                    return;
                case "/throw":
                    throw new IllegalStateException("application failure");
                case "/async": {
                    AsyncContext async = request.startAsync();
                    completer.execute(() -> {
                        try {
                            async.getResponse().getWriter().write("async ok");
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                        async.complete();
                    });
                    return;
                }
                case "/async-held": {
                    AsyncContext async = request.startAsync();
                    completer.execute(() -> {
                        try {
                            if (release.await(10, TimeUnit.SECONDS)) {
                                async.getResponse().getWriter().write("held");
                            }
                        } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        async.complete();
                    });
                    return;
                }
                case "/async-error": {
                    AsyncContext async = request.startAsync();
                    completer.execute(() -> {
                        ((HttpServletResponse) async.getResponse()).setStatus(500);
                        async.complete();
                    });
                    return;
                }
                case "/async-timeout": {
                    AsyncContext async = request.startAsync();
                    async.setTimeout(50);
                    return;
                }
                case "/block":
                    entered.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    response.getWriter().write("unblocked");
                    return;
                default:
                    response.sendError(404);
            }
        }
    }

    @BeforeEach
    void start() {
        ThrottleFilter throttle = new ThrottleFilter(HttpThrottlePolicy.builder()
                .global(HttpLimit.shared(bulkhead)).build());
        // Counts the dispatches that have left the throttle, to check an async request still holds its permit then.
        Filter counting = (request, response, chain) -> {
            throttle.doFilter(request, response, chain);
            if (request.getDispatcherType() == DispatcherType.REQUEST) {
                dispatchesReturned.incrementAndGet();
            }
        };
        jetty = JettyFixture.start(counting, new Behaviours());
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        jetty.close();
        completer.shutdownNow();
        assertThat(completer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private boolean allReleased() {
        return bulkhead.availablePermits() == LIMIT;
    }

    @Test
    void synchronousResponsesReleaseTheirPermits() {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            statuses.add(jetty.get("/ok").statusCode());
        }
        assertThat(statuses).containsOnly(200).hasSize(10);
        assertThat(eventually(() -> bulkhead.closes.get() == 10)).isTrue();
        assertThat(bulkhead.drops.get()).isZero();
        assertThat(allReleased()).isTrue();
        assertThat(bulkhead.ended()).isEqualTo(10);
    }

    @Test
    void asyncResponsesReleaseTheirPermits() {
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = jetty.get("/async");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("async ok");
        }
        assertThat(eventually(() -> bulkhead.closes.get() == 10)).isTrue();
        assertThat(bulkhead.drops.get()).isZero();
        assertThat(allReleased()).isTrue();
        assertThat(bulkhead.ended()).isEqualTo(10);
    }

    @Test
    void asyncRequestHoldsItsPermitUntilTheAsyncCycleCompletes() throws Exception {
        CompletableFuture<HttpResponse<String>> held = jetty.sendAsync(jetty.request("/async-held").GET().build());
        assertThat(eventually(() -> dispatchesReturned.get() == 1)).isTrue();
        // The servlet's dispatch is over, the response is not: the permit is still taken.
        assertThat(bulkhead.availablePermits()).isEqualTo(LIMIT - 1);
        assertThat(bulkhead.ended()).isZero();
        release.countDown();
        assertThat(held.get(5, TimeUnit.SECONDS).body()).isEqualTo("held");
        assertThat(eventually(this::allReleased)).isTrue();
        assertThat(bulkhead.closes.get()).isEqualTo(1);
        assertThat(bulkhead.ended()).isEqualTo(1);
    }

    @Test
    void serverErrorsAreReportedAsDropped() {
        assertThat(jetty.get("/unavailable").statusCode()).isEqualTo(503);
        assertThat(eventually(() -> bulkhead.drops.get() == 1)).isTrue();
        assertThat(jetty.get("/async-error").statusCode()).isEqualTo(500);
        assertThat(eventually(() -> bulkhead.drops.get() == 2)).isTrue();
        assertThat(jetty.get("/ok").statusCode()).isEqualTo(200);
        assertThat(eventually(() -> bulkhead.closes.get() == 1)).isTrue();
        assertThat(bulkhead.drops.get()).isEqualTo(2);
        assertThat(allReleased()).isTrue();
        assertThat(bulkhead.ended()).isEqualTo(3);
    }

    @Test
    void exceptionsReleaseAsDropped() {
        for (int i = 0; i < 5; i++) {
            assertThat(jetty.get("/throw").statusCode()).isEqualTo(500);
        }
        assertThat(eventually(() -> bulkhead.drops.get() == 5)).isTrue();
        assertThat(bulkhead.closes.get()).isZero();
        assertThat(allReleased()).isTrue();
        assertThat(bulkhead.ended()).isEqualTo(5);
    }

    @Test
    void asyncTimeoutsAreDroppedOnce() {
        for (int i = 0; i < 3; i++) {
            assertThat(jetty.get("/async-timeout").statusCode()).isGreaterThanOrEqualTo(500);
        }
        assertThat(eventually(() -> bulkhead.drops.get() == 3)).isTrue();
        assertThat(bulkhead.closes.get()).isZero();
        assertThat(allReleased()).isTrue();
        // The timeout is followed by an error dispatch and onComplete: still ended once each.
        assertThat(bulkhead.ended()).isEqualTo(3);
    }

    @Test
    void busyLimitRefusesAndFreesWhenTheResponseCompletes() throws Exception {
        CompletableFuture<HttpResponse<String>> first = jetty.sendAsync(jetty.request("/block").GET().build());
        CompletableFuture<HttpResponse<String>> second = jetty.sendAsync(jetty.request("/block").GET().build());
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(eventually(() -> bulkhead.availablePermits() == 0)).isTrue();

        HttpResponse<String> refused = jetty.get("/ok");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).contains("\"bulkhead\";q=2;qu=\"concurrent-requests\"");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"bulkhead\";r=0;t=1");

        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS).body()).isEqualTo("unblocked");
        assertThat(second.get(5, TimeUnit.SECONDS).body()).isEqualTo("unblocked");
        assertThat(eventually(this::allReleased)).isTrue();
        assertThat(bulkhead.closes.get()).isEqualTo(2);
        assertThat(jetty.get("/ok").statusCode()).isEqualTo(200);
    }
}
