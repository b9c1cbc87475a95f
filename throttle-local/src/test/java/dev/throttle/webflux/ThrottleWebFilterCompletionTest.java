package dev.throttle.webflux;

import static dev.throttle.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.RawHttpClient;
import dev.throttle.testing.RecordingLimiter;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * When the WebFlux filter ends a request's permits, in a real WebFlux application on Reactor Netty: when the response
 * body is complete, not before; a 5xx, an error and a client that goes away before its response as dropped; each
 * exactly once.
 * A concurrency limit shows every leak as a permit that never comes back, and the recording limiter every double end.
 */
class ThrottleWebFilterCompletionTest {

    private static final int LIMIT = 2;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final RecordingLimiter bulkhead = new RecordingLimiter(engine.limiter("bulkhead", Concurrency.of(LIMIT)));
    /** Slow bodies end when this completes. */
    private final CompletableFuture<String> gate = new CompletableFuture<>();
    /** Requests whose handler has started (a slow or hanging one has sent what it sends first). */
    private final AtomicInteger started = new AtomicInteger();
    private WebFluxFixture app;

    @BeforeEach
    void start() {
        app = WebFluxFixture.start(behaviours(), new ThrottleWebFilter(HttpThrottlePolicy.builder()
                .global(HttpLimit.shared(bulkhead)).build()));
    }

    @AfterEach
    void stop() {
        gate.complete("released at the end");
        app.close();
    }

    /** Behaves by path: ok, 503, an error signal, a throwing handler, a slow body, no answer, half a body. */
    private RouterFunction<ServerResponse> behaviours() {
        return RouterFunctions.route()
                .GET("/ok", request -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue("ok"))
                .GET("/unavailable", request -> ServerResponse.status(HttpStatus.SERVICE_UNAVAILABLE).build())
                .GET("/error", request -> Mono.error(new IllegalStateException("application failure")))
                .GET("/throw", request -> {
                    throw new IllegalStateException("application failure");
                })
                .GET("/slow-body", request -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN)
                        .body(Flux.concat(Mono.just("first part, ").doOnNext(part -> started.incrementAndGet()),
                                Mono.fromFuture(gate)), String.class))
                .GET("/hang", request -> {
                    started.incrementAndGet();
                    return Mono.never();
                })
                .GET("/hang-mid-body", request -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN)
                        .body(Flux.concat(Mono.just("first part").doOnNext(part -> started.incrementAndGet()),
                                Mono.never()), String.class))
                .build();
    }

    private boolean allReleased() {
        return bulkhead.availablePermits() == LIMIT;
    }

    @Test
    void responsesReleaseTheirPermitsOnceAsSuccess() {
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = app.get("/ok");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("ok");
            assertThat(response.headers().allValues("RateLimit-Policy"))
                    .containsExactly("\"bulkhead\";q=2;qu=\"concurrent-requests\"");
            assertThat(response.headers().allValues("RateLimit")).containsExactly("\"bulkhead\";r=1");
        }
        assertThat(eventually(() -> bulkhead.closes.get() == 10)).isTrue();
        assertThat(bulkhead.drops).hasValue(0);
        assertThat(allReleased()).isTrue();
        assertThat(bulkhead.ended()).isEqualTo(10);
    }

    @Test
    void aConcurrencyPermitIsHeldUntilTheResponseBodyIsCompleteNotJustCommitted() throws Exception {
        CompletableFuture<HttpResponse<InputStream>> one = app.sendAsync(app.request("/slow-body").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<HttpResponse<InputStream>> two = app.sendAsync(app.request("/slow-body").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        // Both clients have the status, the headers and the first part of the body: the responses are committed.
        HttpResponse<InputStream> first = one.get(5, TimeUnit.SECONDS);
        HttpResponse<InputStream> second = two.get(5, TimeUnit.SECONDS);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().allValues("RateLimit")).hasSize(1);
        assertThat(new String(first.body().readNBytes("first part, ".length()), StandardCharsets.UTF_8))
                .isEqualTo("first part, ");
        assertThat(bulkhead.availablePermits()).isZero();
        assertThat(bulkhead.ended()).isZero();

        HttpResponse<String> refused = app.get("/ok");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().allValues("Retry-After")).containsExactly("1");
        assertThat(refused.headers().allValues("Cache-Control")).containsExactly("no-store");
        assertThat(refused.headers().allValues("RateLimit-Policy"))
                .containsExactly("\"bulkhead\";q=2;qu=\"concurrent-requests\"");
        assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"bulkhead\";r=0;t=1");

        gate.complete("last part");
        assertThat(new String(first.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("last part");
        assertThat(new String(second.body().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("first part, last part");
        assertThat(eventually(this::allReleased)).isTrue();
        assertThat(bulkhead.closes).hasValue(2);
        assertThat(bulkhead.ended()).isEqualTo(2);
        assertThat(app.get("/ok").statusCode()).isEqualTo(200);
    }

    @Test
    void serverErrorsErrorSignalsAndThrowingHandlersAreReportedAsDroppedOnce() {
        assertThat(app.get("/unavailable").statusCode()).isEqualTo(503);
        assertThat(eventually(() -> bulkhead.drops.get() == 1)).isTrue();
        assertThat(app.get("/error").statusCode()).isEqualTo(500);
        assertThat(eventually(() -> bulkhead.drops.get() == 2)).isTrue();
        assertThat(app.get("/throw").statusCode()).isEqualTo(500);
        assertThat(eventually(() -> bulkhead.drops.get() == 3)).isTrue();
        assertThat(app.get("/ok").statusCode()).isEqualTo(200);
        assertThat(eventually(() -> bulkhead.closes.get() == 1)).isTrue();
        assertThat(bulkhead.drops).hasValue(3);
        assertThat(allReleased()).isTrue();
        assertThat(bulkhead.ended()).isEqualTo(4);
    }

    @Test
    void aClientThatGoesAwayBeforeItsResponseReleasesThePermitOnceAsDropped() {
        RawHttpClient client = RawHttpClient.get(app.port(), "/hang");
        assertThat(eventually(() -> started.get() == 1)).isTrue();
        assertThat(bulkhead.availablePermits()).isEqualTo(LIMIT - 1);
        client.close();
        assertThat(eventually(this::allReleased)).as("released when the connection closes").isTrue();
        assertThat(bulkhead.drops).hasValue(1);
        assertThat(bulkhead.closes).hasValue(0);
        assertThat(app.get("/ok").statusCode()).isEqualTo(200);
        assertThat(eventually(() -> bulkhead.closes.get() == 1)).isTrue();
        assertThat(bulkhead.ended()).isEqualTo(2);
    }

    /**
     * Once the body has begun, Reactor Netty completes the write when the client goes away and WebFlux completes the
     * chain normally: the filter cannot tell it from a success, so the permit ends then, as a success, once.
     */
    @Test
    void aClientThatGoesAwayMidBodyReleasesThePermitOnce() {
        for (int i = 1; i <= 3; i++) {
            int sent = i;
            RawHttpClient client = RawHttpClient.get(app.port(), "/hang-mid-body");
            assertThat(eventually(() -> started.get() == sent)).isTrue();
            assertThat(bulkhead.availablePermits()).isEqualTo(LIMIT - 1);
            client.close();
            assertThat(eventually(this::allReleased)).as("released when connection %d closes", i).isTrue();
        }
        assertThat(bulkhead.closes).hasValue(3);
        assertThat(bulkhead.drops).hasValue(0);
        assertThat(bulkhead.ended()).isEqualTo(3);
    }
}
