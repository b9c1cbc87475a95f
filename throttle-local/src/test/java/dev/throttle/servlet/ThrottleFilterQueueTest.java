package dev.throttle.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.RouteRule;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.PermitOrder;
import dev.throttle.testing.RawHttpClient;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    private static final int WAITING = 200;
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
        // One permit now, then one every 10 ms: the i-th waiting request's permit comes at (i + 1) x 10 ms.
        Limiter bucket = engine.limiter("orders", TokenBucket.of(1, Rate.of(1, PermitOrder.INTERVAL)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofSeconds(5), WAITING);
        start(limit);
        assertThat(jetty.get("/first?first").statusCode()).isEqualTo(200);
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < WAITING; i++) {
            waiting.add(jetty.sendAsync(jetty.request("/q?" + i).GET().build()));
            int queued = i + 1;
            // In the queue and on the clock: the limiter schedules the wait just after the request takes its place.
            assertThat(JettyFixture.eventually(() -> limit.queued() == queued && clock.pendingTasks() == queued))
                    .as("request %d waits", i).isTrue();
        }
        // 200 wait at once behind a pool of 16 threads: none holds one.
        assertThat(limit.queued()).isEqualTo(WAITING);
        assertThat(threads.getThreads()).isLessThanOrEqualTo(MAX_THREADS);
        assertThat(threads.getBusyThreads()).as("busy request threads").isLessThanOrEqualTo(4);
        assertThat(threadsInTheFilter()).as("threads inside the filter").isZero();
        assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore)
                .as("threads started while 200 requests wait").isLessThan(WAITING / 4);
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        // The queue is full: the next request is refused at once, told when a permit not promised to a waiting request
        // comes: after the 200 reserved ones, at 2.01 s, so 3 s rounded up.
        HttpResponse<String> full = jetty.get("/q?full");
        assertThat(full.statusCode()).isEqualTo(429);
        assertThat(full.headers().firstValue("Retry-After")).contains("3");

        PermitOrder.answeredOneByOneInOrder(waiting, clock);
        assertThat(limit.queued()).isZero();
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
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1, 100));
        HttpLimit limit = HttpLimit.shared(bulkhead).queueing(Duration.ofSeconds(30), 100);
        start(limit);
        CompletableFuture<HttpResponse<String>> slow = jetty.sendAsync(jetty.request("/slow?slow").GET().build());
        assertThat(JettyFixture.eventually(() -> bulkhead.availablePermits() == 0)).isTrue();

        List<RawHttpClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(RawHttpClient.get(jetty.port(), "/fast?" + i));
            int queued = i + 1;
            assertThat(JettyFixture.eventually(() -> limit.queued() == queued)).isTrue();
        }
        for (int i = 0; i < 20; i += 2) {
            clients.get(i).close();
        }
        // Jetty does not report a client gone while its request is suspended (the queue stays at 20: checked), so
        // each gone client's request is dispatched in its turn and fails to write; its permit comes back all the same.
        gate.countDown();
        assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (int i = 1; i < 20; i += 2) {
            assertThat(clients.get(i).response(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200").endsWith("ok " + i);
        }
        assertThat(JettyFixture.eventually(() -> limit.queued() == 0 && bulkhead.availablePermits() == 1))
                .as("every permit back: %s, %s", limit, bulkhead).isTrue();
    }
}
