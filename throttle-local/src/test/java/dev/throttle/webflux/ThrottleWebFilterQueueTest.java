package dev.throttle.webflux;

import static dev.throttle.testing.Eventually.eventually;
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
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Requests waiting at the door of a real WebFlux application (Reactor Netty, one event loop thread) for a queueing
 * limit's permits, through real clients, with the limiters on a manual clock: they hold no thread, are answered in the
 * order of their permits, and are withdrawn the moment their client goes away.
 */
class ThrottleWebFilterQueueTest {

    private static final int WAITING = 200;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    /** Requests to {@code /slow} are answered when this completes. */
    private final CompletableFuture<String> gate = new CompletableFuture<>();
    private WebFluxFixture app;

    @AfterEach
    void stop() {
        gate.complete("released at the end");
        if (app != null) {
            app.close();
        }
    }

    /** Answers 200 with {@code ok} and the query; {@code /slow} when the gate opens. */
    private RouterFunction<ServerResponse> echo() {
        return RouterFunctions.route(RequestPredicates.all(), request -> {
            Mono<String> body = Mono.just("ok " + request.uri().getRawQuery());
            if (request.path().equals("/slow")) {
                body = Mono.fromFuture(gate).then(body);
            }
            return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(body, String.class);
        });
    }

    private void start(HttpLimit limit) {
        app = WebFluxFixture.start(echo(), new ThrottleWebFilter(HttpThrottlePolicy.builder()
                .route(RouteRule.anyMethod("/**", limit)).build()));
    }

    /**
     * Whether {@code count} requests wait and each has its reservation on the clock: a request takes its place in the
     * queue just before the limiter schedules its wait.
     */
    private boolean waitsForItsPermit(HttpLimit limit, int count) {
        return limit.queued() == count && clock.pendingTasks() == count;
    }

    @Test
    void twoHundredWaitingRequestsHoldNoThreadAndAreAnsweredInTheOrderOfTheirPermits() throws Exception {
        // One permit now, then one every 10 ms: the i-th waiting request's permit comes at (i + 1) x 10 ms.
        Limiter bucket = engine.limiter("orders", TokenBucket.of(1, Rate.of(1, PermitOrder.INTERVAL)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofSeconds(5), WAITING);
        start(limit);
        assertThat(app.get("/first?first").statusCode()).isEqualTo(200);
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < WAITING; i++) {
            waiting.add(app.getAsync("/q?" + i));
            int queued = i + 1;
            assertThat(eventually(() -> waitsForItsPermit(limit, queued))).as("request %d waits", i).isTrue();
        }
        // 200 wait at once on one event loop thread, which still serves: a refusal is answered meanwhile.
        assertThat(limit.queued()).isEqualTo(WAITING);
        assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore)
                .as("threads started while 200 requests wait").isLessThan(WAITING / 4);
        // The queue is full: the next request is refused at once, told when a permit not promised to a waiting request
        // comes: after the 200 reserved ones, at 2.01 s, so 3 s rounded up.
        HttpResponse<String> full = app.get("/q?full");
        assertThat(full.statusCode()).isEqualTo(429);
        assertThat(full.headers().allValues("Retry-After")).containsExactly("3");
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        PermitOrder.answeredOneByOneInOrder(waiting, clock);
        assertThat(limit.queued()).isZero();
    }

    @Test
    void aRequestThatCannotHaveItsPermitWithinTheWaitIsRefusedAtOnce() {
        Limiter bucket = engine.limiter("slow", TokenBucket.of(1, Rate.perSecond(1)));
        start(HttpLimit.shared(bucket).queueing(Duration.ofMillis(500), 10));
        assertThat(app.get("/a?1").statusCode()).isEqualTo(200);

        HttpResponse<String> refused = app.get("/a?2");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().allValues("Retry-After")).containsExactly("1");
        assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"slow\";r=0;t=1");
    }

    @Test
    void clientsThatGoAwayWhileWaitingAreWithdrawnAtOnceAndNoPermitIsLost() throws Exception {
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1, 100));
        HttpLimit limit = HttpLimit.shared(bulkhead).queueing(Duration.ofSeconds(30), 100);
        start(limit);
        CompletableFuture<HttpResponse<String>> slow = app.getAsync("/slow?slow");
        assertThat(eventually(() -> bulkhead.availablePermits() == 0)).isTrue();

        List<RawHttpClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(RawHttpClient.get(app.port(), "/fast?" + i));
            int queued = i + 1;
            assertThat(eventually(() -> limit.queued() == queued)).isTrue();
        }
        for (int i = 0; i < 20; i += 2) {
            clients.get(i).close();
        }
        assertThat(eventually(() -> limit.queued() == 10)).as("withdrawn: %s", limit).isTrue();

        gate.complete("go");
        assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (int i = 1; i < 20; i += 2) {
            assertThat(clients.get(i).response(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200").endsWith("ok " + i);
        }
        assertThat(eventually(() -> limit.queued() == 0 && bulkhead.availablePermits() == 1))
                .as("every permit back: %s, %s", limit, bulkhead).isTrue();
    }
}
