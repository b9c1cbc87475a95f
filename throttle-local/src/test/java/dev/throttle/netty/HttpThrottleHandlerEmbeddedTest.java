package dev.throttle.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.RecordingLimiter;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Response tracking of the HTTP handler on an embedded channel: which writes end a request's permits, and how. */
class HttpThrottleHandlerEmbeddedTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final RecordingLimiter bulkhead = new RecordingLimiter(engine.limiter("bulkhead", Concurrency.of(1)));
    private final NettyHttpThrottle throttle =
            NettyHttpThrottle.of(HttpThrottlePolicy.builder().global(HttpLimit.shared(bulkhead)).build());
    private final HttpThrottleHandler handler = (HttpThrottleHandler) throttle.newHandler();
    private EmbeddedChannel channel = new EmbeddedChannel(handler);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private static FullHttpRequest get(String path) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    }

    @Test
    void anInterimResponseEndsNothingAndTheFinalOneEndsThePermit() {
        channel.writeInbound(get("/x"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        assertThat(bulkhead.availablePermits()).isZero();
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.writeOutbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[10])));
        assertThat(bulkhead.availablePermits()).isZero();
        assertThat(handler.outstandingRequests()).isEqualTo(1);
        channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(handler.outstandingRequests()).isZero();
    }

    @Test
    void aStreamedRefusedBodyIsReleasedUpToItsLastPart() {
        channel.writeInbound(get("/first")); // holds the only permit
        DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
        head.headers().set("Content-Length", 6);
        HttpContent part = new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[3]));
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[3]));
        channel.writeInbound(head, part, last);
        assertThat(part.refCnt()).isZero();
        assertThat(last.refCnt()).isZero();
        FullHttpRequest passed = channel.readInbound();
        assertThat(passed.uri()).isEqualTo("/first");
        assertThat(channel.<Object>readInbound()).isNull();
        channel.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1])));
        assertThat(((HttpObject) channel.readInbound())).isInstanceOf(HttpContent.class)
                .satisfies(content -> ((HttpContent) content).release()); // not discarding any more
    }

    @Test
    void aFailedResponseWriteEndsThePermitAsDropped() {
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel(new FailingWrites(), throttle.newHandler());
        channel.writeInbound(get("/x"));
        channel.writeOneOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.flushOutbound();
        assertThat(bulkhead.drops).hasValue(1);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void removingTheHandlerEndsOutstandingRequestsAsSuccess() {
        channel.writeInbound(get("/x"));
        channel.pipeline().remove(handler);
        assertThat(bulkhead.closes).hasValue(1);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void aFailingAdmissionClosesTheConnectionAndPassesTheExceptionOn() {
        ChannelHandler failing = NettyHttpThrottle.of(HttpThrottlePolicy.builder()
                .global(HttpLimit.keyed(engine.keyed("keyed", Concurrency.of(1)), request -> {
                    throw new IllegalStateException("resolver failed");
                })).build()).newHandler();
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel(failing);
        FullHttpRequest request = get("/x");
        assertThatThrownBy(() -> channel.writeInbound(request)).hasMessageContaining("resolver failed");
        assertThat(request.refCnt()).isZero();
        assertThat(channel.isOpen()).isFalse();
    }

    /** Fails every write, as a connection reset under the response would. */
    private static final class FailingWrites extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            io.netty.util.ReferenceCountUtil.release(msg);
            promise.setFailure(new java.io.IOException("connection reset"));
        }
    }
}
