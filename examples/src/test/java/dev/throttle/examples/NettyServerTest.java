package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.local.LocalEngine;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Netty example for real: the server on a free loopback port, real requests through java.net.http. Decisions
 * read a manual clock and the read throttle's pauses are timed on it, so counts are exact and an upload moves
 * only when the test moves time.
 */
class NettyServerTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private NettyServer server;
    private final ServerProbe probe = new ServerProbe(() -> server.uri());

    @BeforeEach
    void start() {
        server = NettyServer.start(0, engine);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void oneClientGetsItsBurstOfFiveThenOneRequestPerSecond() throws Exception {
        assertThat(probe.statuses(7, "/hello")).containsExactly(200, 200, 200, 200, 200, 429, 429);

        clock.advance(Duration.ofSeconds(1));
        assertThat(probe.statuses(2, "/hello")).containsExactly(200, 429);
    }

    @Test
    void theGreetingCarriesTheRateLimitHeaders() throws Exception {
        HttpResponse<String> hello = probe.get("/hello");

        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("{\"message\":\"hello\"}\n");
        assertThat(hello.headers().firstValue("RateLimit-Policy")).hasValue("\"per-ip\";q=5;w=5");
        assertThat(hello.headers().firstValue("RateLimit")).hasValue("\"per-ip\";r=4;t=1");
    }

    @Test
    void aRefusalSaysWhenToComeBackInItsHeaders() throws Exception {
        probe.statuses(5, "/hello");

        HttpResponse<String> refused = probe.get("/hello");

        ServerProbe.assertRefusedByTheEmptyPerIpBucket(refused, "\"per-ip\";q=5;w=5");
    }

    @Test
    void clientsBehindATrustedLocalProxyHaveTheirOwnBuckets() throws Exception {
        assertThat(probe.statuses(6, "/hello")).endsWith(429);

        assertThat(probe.statuses(6, "/hello", "X-Forwarded-For", "203.0.113.7"))
                .containsExactly(200, 200, 200, 200, 200, 429);
        assertThat(probe.get("/unknown", "X-Forwarded-For", "203.0.113.8").statusCode()).isEqualTo(404);
    }

    @Test
    void anUploadIsSlowedToTheReadRateNotRefused() throws Exception {
        int size = 3 * NettyServer.INGRESS_BYTES_PER_SECOND;
        CompletableFuture<HttpResponse<String>> upload = probe.client.sendAsync(
                probe.request("/upload").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[size])).build(),
                HttpResponse.BodyHandlers.ofString());

        // The first 64 KiB (and one more read) go at once; the rest waits for the clock: the server stops reading.
        awaitPauseOrAnswer(upload);
        assertThat(upload).isNotDone();
        long advanced = 0;
        while (!upload.isDone()) {
            assertThat(advanced).as("manual time moved for the upload").isLessThan(TimeUnit.SECONDS.toNanos(5));
            clock.advance(Duration.ofMillis(100));
            advanced += TimeUnit.MILLISECONDS.toNanos(100);
            awaitPauseOrAnswer(upload);
        }

        HttpResponse<String> response = upload.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"received\":" + size + "}\n");
        // 192 KiB at 64 KiB/s with 64 KiB at once: 2 s, less at most one unpaid read of 16 KiB (0.25 s) run ahead,
        // plus the request head and the 100 ms steps (2.1 s measured).
        assertThat(advanced).isBetween(TimeUnit.MILLISECONDS.toNanos(1700), TimeUnit.MILLISECONDS.toNanos(2500));
    }

    /** Waits until the read throttle has scheduled its next pause on the manual clock, or the answer has come. */
    private void awaitPauseOrAnswer(CompletableFuture<?> answer) {
        ServerProbe.await(() -> clock.pendingTasks() > 0 || answer.isDone(), "a pause or the answer");
    }
}
