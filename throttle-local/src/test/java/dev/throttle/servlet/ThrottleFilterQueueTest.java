package dev.throttle.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.RouteRule;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.QueueScenarios;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests waiting at the door of a real Jetty for a queueing limit's permits, through real clients, with the limiters
 * on a manual clock: waiting requests hold no thread, are answered in the order of their permits, and give their
 * place back when their client goes away.
 */
class ThrottleFilterQueueTest {

    /** Jetty's request threads: far fewer than the requests that wait at once. */
    private static final int MAX_THREADS = 16;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 4);
    /** Requests to {@code /slow} are answered when this opens. */
    private final CountDownLatch gate = new CountDownLatch(1);
    private JettyFixture jetty;

    /** Answers 200 with the request's query; {@code /slow} waits for the gate first. */
    final class Echo extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if (request.getRequestURI().equals("/slow")) {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            response.setContentType("text/plain");
            response.getWriter().write("ok " + request.getQueryString());
        }
    }

    @AfterEach
    void stop() {
        gate.countDown();
        if (jetty != null) {
            jetty.close();
        }
    }

    private void start(HttpLimit limit) {
        jetty = JettyFixture.start(new ThrottleFilter(HttpThrottlePolicy.builder()
                .route(RouteRule.anyMethod("/**", limit)).build()), new Echo(), threads);
    }

    /** The threads now running inside the throttle filter (a request waiting on its thread is one). */
    private static long threadsInTheFilter() {
        return Thread.getAllStackTraces().values().stream()
                .filter(stack -> java.util.Arrays.stream(stack)
                        .anyMatch(frame -> frame.getClassName().equals(ThrottleFilter.class.getName())))
                .count();
    }

    @Test
    void twoHundredWaitingRequestsHoldNoThreadAndAreAnsweredInTheOrderOfTheirPermits() throws Exception {
        HttpLimit limit = QueueScenarios.ordersLimit(engine);
        start(limit);
        // 200 wait at once behind a pool of 16 threads: none holds one.
        QueueScenarios.twoHundredWaitAndAreAnsweredInPermitOrder(jetty.client(), limit, clock, () -> {
            assertThat(threads.getThreads()).isLessThanOrEqualTo(MAX_THREADS);
            assertThat(threads.getBusyThreads()).as("busy request threads").isLessThanOrEqualTo(4);
            assertThat(threadsInTheFilter()).as("threads inside the filter").isZero();
        });
    }

    @Test
    void aRequestThatCannotHaveItsPermitWithinTheWaitIsRefusedAtOnce() {
        Limiter bucket = engine.limiter("slow", TokenBucket.of(1, Rate.perSecond(1)));
        start(HttpLimit.shared(bucket).queueing(Duration.ofMillis(500), 10));
        assertThat(jetty.get("/a?1").statusCode()).isEqualTo(200);

        HttpResponse<String> refused = jetty.get("/a?2");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"slow\";r=0;t=1");
    }

    @Test
    void withoutAsyncSupportAWaitingRequestWaitsOnItsThreadAndIsAnsweredWhenItsPermitComes() throws Exception {
        Limiter bucket = engine.limiter("sync", TokenBucket.of(1, Rate.perSecond(1)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofSeconds(5), 10);
        jetty = JettyFixture.start(new ThrottleFilter(HttpThrottlePolicy.builder()
                .route(RouteRule.anyMethod("/**", limit)).build()), new Echo(), threads, false);
        assertThat(jetty.get("/a?1").statusCode()).isEqualTo(200);

        CompletableFuture<HttpResponse<String>> waiting = jetty.sendAsync(jetty.request("/a?2").GET().build());
        assertThat(JettyFixture.eventually(() -> limit.queued() == 1 && clock.pendingTasks() == 1)).isTrue();
        assertThat(threadsInTheFilter()).as("the waiting request holds its thread").isEqualTo(1);
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> answered = waiting.get(5, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.body()).isEqualTo("ok 2");
        assertThat(answered.headers().firstValue("RateLimit")).contains("\"sync\";r=0;t=1");
    }

    @Test
    void clientsThatGoAwayWhileWaitingGiveTheirPlaceBackAndNoPermitIsLost() throws Exception {
        Limiter bulkhead = QueueScenarios.bulkhead(engine);
        HttpLimit limit = HttpLimit.shared(bulkhead).queueing(Duration.ofSeconds(30), 100);
        start(limit);
        // Jetty does not report a client gone while its request is suspended (the queue stays at 20: checked), so
        // each gone client's request is dispatched in its turn and fails to write; its permit comes back all the same.
        QueueScenarios.goneClientsLoseNoPermit(jetty.client(), bulkhead, limit, gate::countDown, false);
    }
}
