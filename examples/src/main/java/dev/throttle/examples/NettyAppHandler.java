package dev.throttle.examples;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The Netty example's application: {@code GET /hello} and {@code POST /upload}, answered once a request's body has
 * been read. It streams the body (no aggregator) so that an upload is counted as it arrives and never held whole.
 * One instance per channel: it keeps the request in progress.
 */
final class NettyAppHandler extends SimpleChannelInboundHandler<HttpObject> {

    private HttpRequest request;
    private long bodyBytes;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
        if (message.decoderResult().isFailure()) {
            respond(ctx, HttpResponseStatus.BAD_REQUEST, "{\"error\":\"bad request\"}", false);
            return;
        }
        if (message instanceof HttpRequest) {
            request = (HttpRequest) message;
            bodyBytes = 0;
        }
        if (message instanceof HttpContent) {
            bodyBytes += ((HttpContent) message).content().readableBytes();
        }
        if (message instanceof LastHttpContent && request != null) {
            HttpRequest finished = request;
            request = null;
            answer(ctx, finished);
        }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest finished) {
        boolean keepAlive = HttpUtil.isKeepAlive(finished);
        String path = new QueryStringDecoder(finished.uri()).path();
        if (path.equals("/hello") && finished.method().equals(HttpMethod.GET)) {
            respond(ctx, HttpResponseStatus.OK, "{\"message\":\"hello\"}", keepAlive);
        } else if (path.equals("/upload") && finished.method().equals(HttpMethod.POST)) {
            respond(ctx, HttpResponseStatus.OK, "{\"received\":" + bodyBytes + "}", keepAlive);
        } else {
            respond(ctx, HttpResponseStatus.NOT_FOUND, "{\"error\":\"not found\"}", keepAlive);
        }
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String json,
            boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A broken connection has nothing left to answer; closing it releases what its requests held.
        ctx.close();
    }
}
