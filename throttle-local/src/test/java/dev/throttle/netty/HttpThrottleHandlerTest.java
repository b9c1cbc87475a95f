package dev.throttle.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.RouteRule;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.RecordingLimiter;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real Netty HTTP server on loopback (codec, the throttle handler, an aggregator, a small application) and real
 * clients. Rate decisions run on a manual clock, so counts are exact; only the release of permits, which happens
 * when a write completes on the server's event loop, is awaited by bounded polling.
 */
class HttpThrottleHandlerTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final LoopbackNettyServer server = new LoopbackNettyServer();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Paths the application saw, in order. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    /** Slow requests are answered when this completes. */
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private int port;

    @AfterEach
    void shutDown() throws InterruptedException {
        gate.complete(null);
        server.close();
    }

    private void start(HttpThrottlePolicy policy) throws InterruptedException {
        NettyHttpThrottle throttle = NettyHttpThrottle.of(policy);
        port = server.start(pipeline -> {
            connections.incrementAndGet();
            pipeline.addLast(new HttpServerCodec(), throttle.newHandler(), new HttpObjectAggregator(1 << 20),
                    new App(), new ErrorResponder());
        });
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    @Test
    void admitsExactlyTheBucketThenRefusesWith429OnOneKeptAliveConnection() throws Exception {
        RateLimiter api = engine.rateLimiter("api", TokenBucket.of(5, Rate.perSecond(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).build());

        int ok = 0;
        int refused = 0;
        for (int i = 0; i < 8; i++) {
            int status = get("/hello").statusCode();
            ok += status == 200 ? 1 : 0;
            refused += status == 429 ? 1 : 0;
        }
        assertThat(ok).isEqualTo(5);
        assertThat(refused).isEqualTo(3);

        clock.advance(Duration.ofSeconds(1));
        assertThat(get("/hello").statusCode()).isEqualTo(200);
        assertThat(get("/hello").statusCode()).isEqualTo(429);
        assertThat(seen).hasSize(6);
        assertThat(connections).hasValue(1); // refusals kept the connection usable
    }

    @Test
    void responsesCarryTheRateLimitHeadersAndRefusalsTheirStandardAnswer() throws Exception {
        RateLimiter api = engine.rateLimiter("api", TokenBucket.of(2, Rate.perSecond(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).build());

        HttpResponse<String> first = get("/a");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=2;w=2");
        assertThat(first.headers().firstValue("RateLimit")).hasValue("\"api\";r=1;t=1");
        // t is the time until more quota (the next token, within a second), not until the bucket is full, so it agrees
        // with the refusal's Retry-After that follows.
        assertThat(get("/a").headers().firstValue("RateLimit")).hasValue("\"api\";r=0;t=1");

        HttpResponse<String> refused = get("/a");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=2;w=2");
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"api\";r=0;t=1");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(refused.body()).isEqualTo("Too many requests; retry after 1 s\n");
        assertThat(refused.headers().firstValueAsLong("Content-Length"))
                .hasValue(refused.body().getBytes(StandardCharsets.UTF_8).length);
    }

    /**
     * draft-ietf-httpapi-ratelimit-headers-11, appendix B.2.1, on Netty through a real client: "The client has 99 quota
     * units left for the next 50 seconds." {@code RateLimit: "fixedwindow";r=99;t=50},
     * {@code RateLimit-Policy: "fixedwindow";q=100;w=60}; a concurrency limit counts concurrent requests (section
     * 3.1.2) and has no window.
     */
    @Test
    void theDraftsFixedWindowExampleAndAConcurrencyLimit() throws Exception {
        Limiter fixed = engine.limiter("fixedwindow", FixedWindow.of(100, Duration.ofMinutes(1)));
        Limiter slots = engine.limiter("slots", Concurrency.of(8));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(fixed)).global(HttpLimit.shared(slots)).build());
        clock.advance(Duration.ofSeconds(10));
        HttpResponse<String> ok = get("/items/123");
        assertThat(ok.headers().firstValue("RateLimit"))
                .hasValue("\"fixedwindow\";r=99;t=50, \"slots\";r=7");
        assertThat(ok.headers().firstValue("RateLimit-Policy"))
                .hasValue("\"fixedwindow\";q=100;w=60, \"slots\";q=8;qu=\"concurrent-requests\"");
    }

    /** RFC 9457 through a real client on Netty: the same document as on a servlet container. */
    @Test
    void refusalsAnswerWithAProblemDocumentWhenConfigured() throws Exception {
        RateLimiter api = engine.rateLimiter("api \"v2\"", TokenBucket.of(1, Rate.perSecond(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).refusalStatus(503)
                .rejectionHandler(dev.throttle.http.RejectionHandler.problemJson()).build());
        assertThat(get("/a").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = get("/a");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Quota Exceeded\",\"status\":503,"
                + "\"detail\":\"Too many requests for the limit api \\\"v2\\\"; retry after 1 s\","
                + "\"violated-policies\":[\"api \\\"v2\\\"\"],\"retry-after\":1}\n");
        assertThat(refused.headers().firstValueAsLong("Content-Length"))
                .hasValue(refused.body().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void routeRulesAndKeysPickTheLimit() throws Exception {
        KeyedLimiter<String> perKey = engine.keyed("per-key", TokenBucket.of(2, Rate.perMinute(2)));
        RateLimiter admin = engine.rateLimiter("admin", TokenBucket.of(1, Rate.perMinute(1)));
        start(HttpThrottlePolicy.builder()
                .route(RouteRule.of("POST", "/admin/**", HttpLimit.shared(admin)))
                .route(RouteRule.anyMethod("/api/**",
                        HttpLimit.keyed(perKey, KeyResolver.header("X-Api-Key").orElse(KeyResolver.remoteAddress()))))
                .build());

        assertThat(statuses("/api/x", 3, "X-Api-Key", "alice")).containsExactly(200, 200, 429);
        assertThat(statuses("/api/y", 3, "X-Api-Key", "bob")).containsExactly(200, 200, 429);
        assertThat(statuses("/api/z", 3)).containsExactly(200, 200, 429); // keyed by 127.0.0.1
        assertThat(perKey.forKey("127.0.0.1").availablePermits()).isZero();
        // Dot segments and doubled slashes cannot dodge a rule.
        assertThat(get("/public/../api//x").statusCode()).isEqualTo(429);
        // GET /admin matches no rule (the rule is for POST): never limited.
        assertThat(statuses("/admin/panel", 3)).containsExactly(200, 200, 200);
        try (RawHttp raw = new RawHttp(port)) {
            raw.send("POST /admin/panel HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                    + "POST /admin/panel HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            assertThat(raw.read().status()).isEqualTo(200);
            assertThat(raw.read().status()).isEqualTo(429);
        }
    }

    private List<Integer> statuses(String path, int count, String... headers) throws Exception {
        Integer[] statuses = new Integer[count];
        for (int i = 0; i < count; i++) {
            statuses[i] = get(path, headers).statusCode();
        }
        return List.of(statuses);
    }

    @Test
    void concurrencyPermitsAreHeldUntilTheResponseIsWrittenThenReleased() throws Exception {
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(2));
        start(HttpThrottlePolicy.builder().route(RouteRule.anyMethod("/slow/**", HttpLimit.shared(bulkhead))).build());

        CompletableFuture<HttpResponse<String>> one = client.sendAsync(slowRequest(), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> two = client.sendAsync(slowRequest(), HttpResponse.BodyHandlers.ofString());
        await(() -> seen.size() == 2, "both slow requests reach the application");
        assertThat(bulkhead.availablePermits()).isZero();
        assertThat(get("/slow/3").statusCode()).isEqualTo(429);
        assertThat(get("/fast").statusCode()).isEqualTo(200); // no rule: not held back by the bulkhead

        gate.complete(null);
        assertThat(one.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(two.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await(() -> bulkhead.availablePermits() == 2, "permits released after the responses");
        assertThat(get("/slow/4").statusCode()).isEqualTo(200);
        await(() -> bulkhead.availablePermits() == 2, "permit released after a response");
    }

    private HttpRequest slowRequest() {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow/1"))
                .timeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void aConnectionClosedMidRequestReleasesItsPermitAsDropped() throws Exception {
        RecordingLimiter bulkhead = new RecordingLimiter(engine.limiter("bulkhead", Concurrency.of(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(bulkhead)).build());

        try (RawHttp raw = new RawHttp(port)) {
            raw.send("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
            await(() -> seen.contains("/hang"), "the request reaches the application");
            assertThat(bulkhead.availablePermits()).isZero();
        }
        await(() -> bulkhead.availablePermits() == 1, "permit released when the connection closes");
        assertThat(bulkhead.drops).hasValue(1);
        assertThat(bulkhead.closes).hasValue(0);
    }

    @Test
    void aConnectionClosedWhileTheBodyIsArrivingReleasesItsPermit() throws Exception {
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(bulkhead)).build());

        try (RawHttp raw = new RawHttp(port)) {
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial");
            await(() -> bulkhead.availablePermits() == 0, "the request head is admitted");
        }
        await(() -> bulkhead.availablePermits() == 1, "permit released when the connection closes");
        assertThat(seen).isEmpty(); // the aggregator never had a whole request
    }

    @Test
    void serverErrorsAndExceptionsAreReportedAsDropped() throws Exception {
        RecordingLimiter bulkhead = new RecordingLimiter(engine.limiter("bulkhead", Concurrency.of(4)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(bulkhead)).build());

        assertThat(get("/error").statusCode()).isEqualTo(500);
        await(() -> bulkhead.drops.get() == 1, "5xx reported as dropped");
        assertThat(get("/throw").statusCode()).isEqualTo(500);
        await(() -> bulkhead.drops.get() == 2, "an exception's 500 reported as dropped");
        assertThat(get("/ok").statusCode()).isEqualTo(200);
        await(() -> bulkhead.closes.get() == 1, "2xx reported as success");
        assertThat(bulkhead.drops).hasValue(2);
        await(() -> bulkhead.availablePermits() == 4, "every permit released");
    }

    @Test
    void aRefusedBodyIsThrownAwayAndTheConnectionServesTheNextRequest() throws Exception {
        RateLimiter uploads = engine.rateLimiter("uploads", TokenBucket.of(1, Rate.perMinute(1)));
        assertThat(uploads.allow()).isTrue();
        start(HttpThrottlePolicy.builder().route(RouteRule.of("POST", "/upload", HttpLimit.shared(uploads))).build());

        byte[] body = new byte[200_000];
        try (RawHttp raw = new RawHttp(port)) {
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
            raw.send(body);
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n");
            raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response refused = raw.read();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.headers()).doesNotContainKey("connection");
            assertThat(raw.read().status()).isEqualTo(429);
            RawHttp.Response after = raw.read();
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.body()).isEqualTo("/after");
        }
        assertThat(seen).containsExactly("/after");
    }

    @Test
    void aRefusalOfAnUnsentExpectedBodyOrOfAClosingRequestClosesTheConnection() throws Exception {
        RateLimiter uploads = engine.rateLimiter("uploads", TokenBucket.of(1, Rate.perMinute(1)));
        assertThat(uploads.allow()).isTrue();
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(uploads)).build());

        try (RawHttp raw = new RawHttp(port)) {
            raw.send("PUT /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000000\r\n\r\n");
            RawHttp.Response refused = raw.read();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.headers()).containsEntry("connection", "close");
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp raw = new RawHttp(port)) {
            raw.send("GET /old HTTP/1.0\r\n\r\n");
            RawHttp.Response refused = raw.read();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(raw.closedByServer()).isTrue();
        }
        assertThat(seen).isEmpty();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndEachResponseReleasesItsOwnPermits() throws Exception {
        RecordingLimiter bulkhead = new RecordingLimiter(engine.limiter("bulkhead", Concurrency.of(2)));
        RateLimiter limited = engine.rateLimiter("limited", TokenBucket.of(1, Rate.perMinute(1)));
        assertThat(limited.allow()).isTrue();
        start(HttpThrottlePolicy.builder()
                .route(RouteRule.anyMethod("/slow/**", HttpLimit.shared(bulkhead)))
                .route(RouteRule.anyMethod("/limited", HttpLimit.shared(limited)))
                .build());

        try (RawHttp raw = new RawHttp(port)) {
            raw.send("GET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /limited HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /slow/2 HTTP/1.1\r\nHost: x\r\n\r\n");
            await(() -> seen.size() == 2, "both slow requests reach the application");
            assertThat(bulkhead.availablePermits()).isZero();
            gate.complete(null);

            RawHttp.Response first = raw.read();
            RawHttp.Response second = raw.read();
            RawHttp.Response third = raw.read();
            assertThat(List.of(first.status(), second.status(), third.status())).containsExactly(200, 429, 200);
            assertThat(first.body()).isEqualTo("/slow/1");
            assertThat(third.body()).isEqualTo("/slow/2");
            // Each admitted response carries its own limit's headers, the refusal the refusing limit's.
            assertThat(first.headers().get("ratelimit")).startsWith("\"bulkhead\";r=");
            assertThat(second.headers().get("ratelimit")).startsWith("\"limited\";r=0");
        }
        await(() -> bulkhead.availablePermits() == 2, "both permits released");
        assertThat(bulkhead.closes).hasValue(2);
        assertThat(seen).containsExactly("/slow/1", "/slow/2");
    }

    @Test
    void badConfigurationIsRefused() {
        assertThatThrownBy(() -> NettyHttpThrottle.of((HttpThrottlePolicy) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy");
        NettyHttpThrottle throttle = NettyHttpThrottle.of(HttpThrottlePolicy.builder().build());
        assertThatThrownBy(() -> throttle.withPrincipal(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("principal");
        assertThat(throttle.newHandler()).isNotSameAs(throttle.newHandler());
    }

    @Test
    void thePrincipalFunctionKeysByUser() throws Exception {
        KeyedLimiter<String> perUser = engine.keyed("per-user", TokenBucket.of(1, Rate.perMinute(1)));
        NettyHttpThrottle throttle = NettyHttpThrottle.of(HttpThrottlePolicy.builder()
                        .global(HttpLimit.keyed(perUser, KeyResolver.principal())).build())
                .withPrincipal((channel, request) -> Optional.ofNullable(request.headers().get("X-User")));
        io.netty.channel.embedded.EmbeddedChannel channel =
                new io.netty.channel.embedded.EmbeddedChannel(throttle.newHandler());
        try {
            channel.writeInbound(request("/x", "carol"));
            channel.writeInbound(request("/x", "carol"));
            channel.writeInbound(request("/x", "dave"));
            channel.writeInbound(request("/x", null)); // anonymous: the keyed limit does not apply
            assertThat(channel.inboundMessages()).hasSize(3);
            assertThat(channel.<Object>readOutbound()).isNull(); // the refusal waits for the answer before it
            for (int i = 0; i < 3; i++) {
                channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
            }
            List<Integer> statuses = new java.util.ArrayList<>();
            for (FullHttpResponse response; (response = channel.readOutbound()) != null; ) {
                statuses.add(response.status().code());
                response.release();
            }
            assertThat(statuses).containsExactly(200, 429, 200, 200);
            assertThat(perUser.forKey("carol").availablePermits()).isZero();
            assertThat(perUser.forKey("dave").availablePermits()).isZero();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static io.netty.handler.codec.http.FullHttpRequest request(String path, String user) {
        io.netty.handler.codec.http.FullHttpRequest request = new io.netty.handler.codec.http.DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, path);
        if (user != null) {
            request.headers().set("X-User", user);
        }
        return request;
    }

    /** Answers by path: /error 500, /throw throws, /slow/** when the gate opens, /hang never, else 200 echoing it. */
    private final class App extends SimpleChannelInboundHandler<FullHttpRequest> {
        /** Slow answers of this connection, in request order (the gate runs its callbacks in no promised order). */
        private final java.util.Queue<Runnable> slow = new java.util.concurrent.ConcurrentLinkedQueue<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            seen.add(path);
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (path.equals("/error")) {
                respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, path, keepAlive);
            } else if (path.equals("/throw")) {
                throw new IllegalStateException("the application failed");
            } else if (path.startsWith("/slow/")) {
                slow.add(() -> respond(ctx, HttpResponseStatus.OK, path, keepAlive));
                gate.thenRun(() -> ctx.executor().execute(() -> slow.poll().run()));
            } else if (!path.equals("/hang")) {
                respond(ctx, HttpResponseStatus.OK, path, keepAlive);
            }
        }
    }

    /** Turns an application exception into a 500, as a real server's last handler would. */
    private static final class ErrorResponder extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, cause.getMessage(), true);
        }
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
