package dev.throttle.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.RouteRule;
import dev.throttle.local.LocalEngine;
import static dev.throttle.testing.Eventually.eventually;

import dev.throttle.testing.LoopbackClient;
import dev.throttle.testing.QueueScenarios;
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
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests waiting at the door of a real Netty server (one event loop thread) for a queueing limit's permits, through
 * real clients, with the limiters on a manual clock: they never block the event loop, are answered in the order of
 * their permits, and are withdrawn the moment their connection closes.
 */
class HttpThrottleHandlerQueueTest {


    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final LoopbackNettyServer server = new LoopbackNettyServer();
    /** Requests to {@code /slow} are answered when this completes. */
    private final CompletableFuture<Void> gate = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
    private LoopbackClient client;
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
        client = new LoopbackClient(port);
    }

    @Test
    void twoHundredWaitingRequestsNeverBlockTheEventLoopAndAreAnsweredInTheOrderOfTheirPermits() throws Exception {
        HttpLimit limit = QueueScenarios.ordersLimit(engine);
        start(limit);
        // 200 wait at once on one event loop thread, which still serves: the queue-full refusal is answered meanwhile.
        QueueScenarios.twoHundredWaitAndAreAnsweredInPermitOrder(client, limit, clock, () -> { });
    }

    @Test
    void aClosedConnectionWithdrawsItsWaitingRequestAtOnceAndNoPermitIsLost() throws Exception {
        Limiter bulkhead = QueueScenarios.bulkhead(engine);
        HttpLimit limit = HttpLimit.shared(bulkhead).queueing(Duration.ofSeconds(30), 100);
        start(limit);
        QueueScenarios.goneClientsLoseNoPermit(client, bulkhead, limit, () -> gate.complete(null), true);
    }

    @Test
    void aWaitingRequestsBodyAndThePipelinedRequestsBehindItGoOnInOrderAfterIt() throws Exception {
        Limiter bucket = engine.limiter("bucket", TokenBucket.of(1, Rate.perSecond(1)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofSeconds(10), 10);
        start(limit);
        assertThat(client.get("/first?first").statusCode()).isEqualTo(200);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /post?a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /get?b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /get?c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The POST waits for its permit, due in 1 s; the two GETs behind it are held, unseen by the throttle.
            assertThat(eventually(() -> limit.queued() == 1 && clock.pendingTasks() == 1 && answered.get() == 1))
                    .isTrue();
            for (int i = 2; i <= 4; i++) {
                clock.advance(Duration.ofSeconds(1));
                int served = i;
                // Each answered request lets the next one reach the throttle, where it waits for the next second.
                int waits = served < 4 ? 1 : 0;
                assertThat(eventually(() -> answered.get() == served && limit.queued() == waits
                        && clock.pendingTasks() == waits))
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
