package dev.throttle.netty;

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
import static dev.throttle.testing.Eventually.eventually;

import dev.throttle.testing.PermitOrder;
import dev.throttle.testing.RawHttpClient;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
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
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests waiting at the door of a real Netty server (one event loop thread) for a queueing limit's permits, through
 * real clients, with the limiters on a manual clock: they never block the event loop, are answered in the order of
 * their permits, and are withdrawn the moment their connection closes.
 */
class HttpThrottleHandlerQueueTest {

    private static final int WAITING = 200;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final LoopbackNettyServer server = new LoopbackNettyServer();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Requests to {@code /slow} are answered when this completes. */
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
    private int port;

    @AfterEach
    void shutDown() throws InterruptedException {
        gate.complete(null);
        server.close();
    }

    private void start(HttpLimit limit) throws InterruptedException {
        NettyHttpThrottle throttle = NettyHttpThrottle.of(HttpThrottlePolicy.builder()
                .route(RouteRule.anyMethod("/**", limit)).build());
        port = server.start(pipeline -> pipeline.addLast(new HttpServerCodec(), throttle.newHandler(),
                new HttpObjectAggregator(1 << 20), new Echo()));
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return getAsync(pathAndQuery).get(10, TimeUnit.SECONDS);
    }

    /**
     * Whether {@code count} requests wait and each has its reservation on the clock: a request takes its place in the
     * queue just before the limiter schedules its wait, and a test that moved the clock in between would move it past
     * a reservation not yet made.
     */
    private boolean waitsForItsPermit(HttpLimit limit, int count) {
        return limit.queued() == count && clock.pendingTasks() == count;
    }

    @Test
    void twoHundredWaitingRequestsNeverBlockTheEventLoopAndAreAnsweredInTheOrderOfTheirPermits() throws Exception {
        Limiter bucket = engine.limiter("orders", TokenBucket.of(1, Rate.of(1, PermitOrder.INTERVAL)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofSeconds(5), WAITING);
        start(limit);
        assertThat(get("/first?first").statusCode()).isEqualTo(200);
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < WAITING; i++) {
            waiting.add(getAsync("/q?" + i));
            int queued = i + 1;
            assertThat(eventually(() -> waitsForItsPermit(limit, queued))).as("request %d waits", i).isTrue();
        }
        // 200 wait at once on one event loop thread, which still serves: a refusal is answered meanwhile.
        assertThat(limit.queued()).isEqualTo(WAITING);
        assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore)
                .as("threads started while 200 requests wait").isLessThan(WAITING / 4);
        HttpResponse<String> full = get("/q?full");
        assertThat(full.statusCode()).isEqualTo(429);
        assertThat(full.headers().firstValue("Retry-After")).contains("3");
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        PermitOrder.answeredOneByOneInOrder(waiting, clock);
        assertThat(limit.queued()).isZero();
    }

    @Test
    void aClosedConnectionWithdrawsItsWaitingRequestAtOnceAndNoPermitIsLost() throws Exception {
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1, 100));
        HttpLimit limit = HttpLimit.shared(bulkhead).queueing(Duration.ofSeconds(30), 100);
        start(limit);
        CompletableFuture<HttpResponse<String>> slow = getAsync("/slow?slow");
        assertThat(eventually(() -> bulkhead.availablePermits() == 0)).isTrue();

        List<RawHttpClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(RawHttpClient.get(port, "/fast?" + i));
            int queued = i + 1;
            assertThat(eventually(() -> limit.queued() == queued)).isTrue();
        }
        for (int i = 0; i < 20; i += 2) {
            clients.get(i).close();
        }
        assertThat(eventually(() -> limit.queued() == 10)).as("withdrawn: %s", limit).isTrue();

        gate.complete(null);
        assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (int i = 1; i < 20; i += 2) {
            assertThat(clients.get(i).response(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200").endsWith("ok " + i);
        }
        assertThat(eventually(() -> limit.queued() == 0 && bulkhead.availablePermits() == 1))
                .as("every permit back: %s, %s", limit, bulkhead).isTrue();
    }

    @Test
    void aWaitingRequestsBodyAndThePipelinedRequestsBehindItGoOnInOrderAfterIt() throws Exception {
        Limiter bucket = engine.limiter("bucket", TokenBucket.of(1, Rate.perSecond(1)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofSeconds(10), 10);
        start(limit);
        assertThat(get("/first?first").statusCode()).isEqualTo(200);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /post?a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /get?b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /get?c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The POST waits for its permit, due in 1 s; the two GETs behind it are held, unseen by the throttle.
            assertThat(eventually(() -> waitsForItsPermit(limit, 1) && answered.get() == 1)).isTrue();
            for (int i = 2; i <= 4; i++) {
                clock.advance(Duration.ofSeconds(1));
                int served = i;
                // Each answered request lets the next one reach the throttle, where it waits for the next second.
                assertThat(eventually(() -> answered.get() == served && waitsForItsPermit(limit, served < 4 ? 1 : 0)))
                        .as("after %d s: answered %d, queued %d", i - 1, answered.get(), limit.queued()).isTrue();
            }
            socket.setSoTimeout(5_000);
            String responses = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(responses).containsSubsequence("HTTP/1.1 200", "ok a 5", "HTTP/1.1 200", "ok b 0",
                    "HTTP/1.1 200", "ok c 0");
        }
    }

    /** Answers 200 with the query and the body's length; {@code /slow} when the gate opens. */
    private final class Echo extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String uri = request.uri();
            String query = uri.substring(uri.indexOf('?') + 1);
            String body = uri.startsWith("/first") || uri.startsWith("/q") || uri.startsWith("/fast")
                    || uri.startsWith("/slow") ? "ok " + query : "ok " + query + " " + request.content().readableBytes();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            answered.incrementAndGet();
            Runnable respond = () -> {
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                HttpUtil.setContentLength(response, response.content().readableBytes());
                HttpUtil.setKeepAlive(response, keepAlive);
                var written = ctx.writeAndFlush(response);
                if (!keepAlive) {
                    written.addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                }
            };
            if (uri.startsWith("/slow")) {
                gate.thenRun(() -> ctx.executor().execute(respond));
            } else {
                respond.run();
            }
        }
    }
}
