package dev.throttle.webflux;

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
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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

    @Test
    void twoHundredWaitingRequestsHoldNoThreadAndAreAnsweredInTheOrderOfTheirPermits() throws Exception {
        HttpLimit limit = QueueScenarios.ordersLimit(engine);
        start(limit);
        // 200 wait at once on one event loop thread, which still serves: the queue-full refusal is answered meanwhile.
        QueueScenarios.twoHundredWaitAndAreAnsweredInPermitOrder(app.client(), limit, clock, () -> { });
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
        Limiter bulkhead = QueueScenarios.bulkhead(engine);
        HttpLimit limit = HttpLimit.shared(bulkhead).queueing(Duration.ofSeconds(30), 100);
        start(limit);
        QueueScenarios.goneClientsLoseNoPermit(app.client(), bulkhead, limit, () -> gate.complete("go"), true);
    }
}
