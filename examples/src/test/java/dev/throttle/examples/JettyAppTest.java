package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.local.LocalEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Jetty example for real: the application on a free loopback port, real requests through java.net.http. Every
 * decision reads a manual clock, so the counts and header values are exact.
 */
class JettyAppTest {

    private final ManualClock ticker = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(ticker).scheduler(ticker).build();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Orders being worked on now. */
    private final AtomicInteger ordersInWork = new AtomicInteger();
    /** Orders finish when this completes; already complete unless a test holds them. */
    private volatile CompletableFuture<Void> ordersMayFinish = CompletableFuture.completedFuture(null);
    private JettyApp app;
    private final ServerProbe probe = new ServerProbe(() -> app.uri());

    @BeforeEach
    void start() {
        app = JettyApp.start(0, engine, registry, this::workOnOrder);
    }

    @AfterEach
    void stop() {
        ordersMayFinish.complete(null);
        app.close();
    }

    private void workOnOrder() {
        ordersInWork.incrementAndGet();
        try {
            ordersMayFinish.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        } finally {
            ordersInWork.decrementAndGet();
        }
    }

    @Test
    void oneClientGetsItsBurstOfFiveThenOneRequestPerSecond() throws Exception {
        List<Integer> statuses = probe.statuses(7, "/api/hello");

        assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429);
        ticker.advance(Duration.ofSeconds(1));
        assertThat(probe.statuses(2, "/api/hello")).containsExactly(200, 429);
        ticker.advance(Duration.ofSeconds(3));
        assertThat(probe.statuses(4, "/api/hello")).containsExactly(200, 200, 200, 429);
    }

    @Test
    void theGreetingIsJsonAndCarriesEveryLimitsFields() throws Exception {
        HttpResponse<String> hello = probe.get("/api/hello");

        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("{\"message\":\"hello\"}\n");
        assertThat(hello.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        // Every limit of the route, in the order checked: the global bucket (99 of 100 left), the per-IP one (4 of 5);
        // each has its next permit within a second.
        assertThat(hello.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"global\";q=100;w=1, \"per-ip\";q=5;w=5");
        assertThat(hello.headers().firstValue("RateLimit")).hasValue("\"global\";r=99;t=1, \"per-ip\";r=4;t=1");
    }

    @Test
    void aRefusalSaysWhenToComeBackInItsHeaders() throws Exception {
        probe.statuses(5, "/api/hello");

        HttpResponse<String> refused = probe.get("/api/hello");

        ServerProbe.assertRefusedByTheEmptyPerIpBucket(refused, "\"global\";q=100;w=1, \"per-ip\";q=5;w=5");
    }

    @Test
    void clientsBehindATrustedLocalProxyHaveTheirOwnBuckets() throws Exception {
        assertThat(probe.statuses(6, "/api/hello")).endsWith(429);

        assertThat(probe.statuses(6, "/api/hello", "X-Forwarded-For", "203.0.113.7"))
                .containsExactly(200, 200, 200, 200, 200, 429);
        assertThat(probe.get("/api/hello", "X-Forwarded-For", "203.0.113.8").statusCode()).isEqualTo(200);
    }

    @Test
    void anApiKeyOverItsWindowIsRefusedWithoutAffectingAnotherKey() throws Exception {
        assertThat(probe.statuses(4, "/api/orders", "X-Forwarded-For", "198.51.100.1", "X-Api-Key", "alice"))
                .containsExactly(200, 200, 200, 429);

        HttpResponse<String> refused =
                probe.get("/api/orders", "X-Forwarded-For", "198.51.100.1", "X-Api-Key", "alice");
        assertThat(refused.statusCode()).isEqualTo(429);
        // The window started at 0 and ends at 10 s; the clock has not moved.
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("10");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"global\";q=100;w=1,"
                + " \"per-ip\";q=5;w=5, \"per-api-key\";q=3;w=10, \"orders-in-flight\";q=4;qu=\"concurrent-requests\"");
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"per-api-key\";r=0;t=10");

        HttpResponse<String> bob = probe.get("/api/orders", "X-Forwarded-For", "198.51.100.1", "X-Api-Key", "bob");
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(bob.body()).isEqualTo("{\"order\":\"accepted\"}\n");

        ticker.advance(Duration.ofSeconds(10));
        assertThat(probe.get("/api/orders", "X-Forwarded-For", "198.51.100.2", "X-Api-Key", "alice").statusCode())
                .isEqualTo(200);
    }

    @Test
    void anOrderWithoutAKeyIsNotCountedAgainstAnyKeyAndIsTurnedAway() throws Exception {
        HttpResponse<String> anonymous = probe.get("/api/orders");

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("missing X-Api-Key");
    }

    @Test
    void atMostFourOrdersAreWorkedOnAtOnce() throws Exception {
        ordersMayFinish = new CompletableFuture<>();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            held.add(probe.client.sendAsync(
                    probe.request("/api/orders", "X-Forwarded-For", "192.0.2." + i, "X-Api-Key", "key" + i).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        awaitOrdersInWork(4);

        HttpResponse<String> fifth = probe.get("/api/orders", "X-Forwarded-For", "192.0.2.5", "X-Api-Key", "key5");
        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(fifth.headers().firstValue("Retry-After")).hasValue("1");

        ordersMayFinish.complete(null);
        for (CompletableFuture<HttpResponse<String>> order : held) {
            assertThat(order.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        // key5's refused order cost it nothing: its window still holds 3.
        assertThat(probe.statuses(4, "/api/orders", "X-Forwarded-For", "192.0.2.6", "X-Api-Key", "key5"))
                .containsExactly(200, 200, 200, 429);
    }

    @Test
    void exportsOverTheRateWaitForTheirTurnInsteadOfBeingRefused() throws Exception {
        assertThat(probe.get("/api/export", "X-Forwarded-For", "192.0.2.10").statusCode()).isEqualTo(200);
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            waiting.add(probe.client.sendAsync(
                    probe.request("/api/export", "X-Forwarded-For", "192.0.2." + (10 + i)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            int queued = i;
            // Each waiting export has its turn on the engine's clock.
            ServerProbe.await(() -> ticker.pendingTasks() == queued, queued + " exports waiting");
        }
        for (int i = 0; i < 5; i++) {
            assertThat(waiting.get(i)).as("export %d before its turn", i + 1).isNotDone();
            ticker.advance(Duration.ofMillis(1000 / JettyApp.EXPORT_RATE));
            HttpResponse<String> export = waiting.get(i).get(10, TimeUnit.SECONDS);
            assertThat(export.statusCode()).isEqualTo(200);
            assertThat(export.body()).isEqualTo("{\"export\":\"ready\"}\n");
            assertThat(export.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(
                    policy -> assertThat(policy).endsWith("\"exports\";q=2;w=1;throttle-burst=1"));
        }
    }

    private void awaitOrdersInWork(int count) {
        ServerProbe.await(() -> ordersInWork.get() >= count, count + " orders in work");
    }

    @Test
    void theMetricsPageCountsEveryDecisionAndIsNeverThrottled() throws Exception {
        probe.statuses(7, "/api/hello");
        probe.statuses(4, "/api/orders", "X-Forwarded-For", "198.51.100.1", "X-Api-Key", "alice");

        HttpResponse<String> metrics = probe.get("/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body().lines()).contains(
                "throttle.permits{limiter=per-ip,outcome=granted,reason=none} count=9",
                "throttle.permits{limiter=per-ip,outcome=refused,reason=limit} count=2",
                "throttle.permits{limiter=per-api-key,outcome=granted,reason=none} count=3",
                "throttle.permits{limiter=per-api-key,outcome=refused,reason=limit} count=1",
                "throttle.permits{limiter=orders-in-flight,outcome=granted,reason=none} count=3",
                "throttle.in.flight{limiter=orders-in-flight} value=0",
                "throttle.limit{limiter=orders-in-flight} value=4");
        // The global bucket granted each of the 11 requests before the per-client limits decided.
        assertThat(metrics.body().lines())
                .contains("throttle.permits{limiter=global,outcome=granted,reason=none} count=11");
        assertThat(probe.statuses(3, "/metrics")).containsExactly(200, 200, 200);
    }

    @Test
    void thePortComesFromTheFirstArgument() {
        assertThat(ServerPort.fromArgs(new String[0])).isEqualTo(8080);
        assertThat(ServerPort.fromArgs(new String[] {"0"})).isZero();
        assertThat(ServerPort.fromArgs(new String[] {" 9090 "})).isEqualTo(9090);
        assertThatThrownBy(() -> ServerPort.fromArgs(new String[] {"65536"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> ServerPort.fromArgs(new String[] {"http"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port = http");
    }
}
