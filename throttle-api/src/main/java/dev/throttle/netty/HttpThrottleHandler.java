package dev.throttle.netty;

import dev.throttle.http.HttpRejection;
import dev.throttle.http.admission.Admission;
import dev.throttle.http.admission.HttpThrottle;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;

/**
 * Throttles the requests of one HTTP/1.1 connection, as the servlet filter does for a servlet container: each request
 * is checked by the {@link HttpThrottle} when its head arrives; an admitted request goes on to the application
 * holding its permits, a refused one is answered here (429 with {@code Retry-After}, {@code Cache-Control: no-store}
 * and the RateLimit headers, unless the policy says otherwise) and never reaches the application.
 *
 * <h2>When permits are released</h2>
 * An admitted request's permits are held until its response is fully written: when the write of the response's
 * {@link LastHttpContent} (or {@link io.netty.handler.codec.http.FullHttpResponse}) completes, they are ended as a
 * success, or as overload ({@link dev.throttle.Permit#dropped()}) when the status is 5xx or the write failed. If the
 * connection closes first (the client went away, or the application closed it after an exception), every request
 * still waiting for its response ends as overload: its response was aborted. Interim responses (1xx other than
 * 101) do not end anything. The admitted response also carries the RateLimit headers of the tightest limit.
 *
 * <h2>Waiting at the door</h2>
 * A request that a {@link dev.throttle.http.HttpLimit#queueing queueing} limit makes wait is held here, without
 * blocking the event loop: it goes on to the application when its permits come, or is answered with its refusal. What
 * arrives on the connection meanwhile (its body, requests pipelined after it) is held behind it and handled in order
 * after it; past {@value #MAX_HELD} messages, reading pauses until the wait ends. If the connection closes while the
 * request waits, it is withdrawn: it leaves the queue and gives back what it held.
 *
 * <h2>Order and pipelining</h2>
 * HTTP/1.1 answers requests in the order they came, and the application must too. The handler keeps the
 * connection's outstanding requests in that order: a response written by the application belongs to the oldest
 * admitted request not yet answered, and a refusal is written only when every request before it has been answered,
 * so a refusal never overtakes a slower response before it.
 *
 * <h2>Refused requests' bodies and keep-alive</h2>
 * A refusal is released at once: its message is released ({@link ReferenceCountUtil#release(Object)}) and the rest
 * of its body, up to its {@link LastHttpContent}, is read and thrown away, so the connection stays usable for the
 * next request. The refusal has a {@code Content-Length} and keeps the connection alive when the request did; when
 * the request did not, or it asked for {@code Expect: 100-continue} and its body is not complete (the client may
 * never send it, so the stream cannot be resynchronised), the connection is closed after the refusal is written.
 * Place the handler before an {@code HttpObjectAggregator} so refused bodies are never aggregated; after one it
 * also works, on whole requests.
 *
 * <h2>Failures</h2>
 * If the admission step throws (a limiter or a key resolver failing), the request is released, the exception is
 * passed on with {@code fireExceptionCaught} and the connection is closed: the stream cannot go on without an
 * answer to that request. If the handler is removed from the pipeline, the requests still outstanding end as a
 * success and refusals not yet written are forgotten.
 *
 * <p>One instance per channel, used only on its event loop. Made by {@link NettyHttpThrottle#newHandler()}, which
 * returns it as a plain {@code ChannelHandler}: package-private, so that its state is not API.
 */
final class HttpThrottleHandler extends ChannelDuplexHandler {

    /** Messages held behind a waiting request before reading pauses: a body of about this many chunks. */
    static final int MAX_HELD = 64;

    private final HttpThrottle throttle;
    private final BiFunction<? super Channel, ? super HttpRequest, Optional<String>> principal;
    /** The requests of this connection not yet answered, oldest first. */
    private final ArrayDeque<Exchange> outstanding = new ArrayDeque<>();
    /** The body of a refused request is arriving: it is released up to its last part. */
    private boolean discarding;
    /** The request waiting at the door for its permits, if any; everything read after it is held until it is decided. */
    private WaitingRequest waiting;
    /** What arrived while a request waits, in order: its body and the requests pipelined after it. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    /** Reading was paused because too much arrived while a request waits. */
    private boolean readingPaused;

    HttpThrottleHandler(HttpThrottle throttle,
            BiFunction<? super Channel, ? super HttpRequest, Optional<String>> principal) {
        this.throttle = throttle;
        this.principal = principal;
    }

    /**
     * The requests of this connection still waiting for their response, refused ones included.
     *
     * @return zero or more
     */
    int outstandingRequests() {
        return outstanding.size();
    }

    /**
     * Checks each request head against the throttle; passes admitted requests on, answers refused ones and throws
     * their bodies away.
     *
     * @param ctx this handler's context
     * @param msg a request head, a part of a body, or both
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting != null) {
            hold(ctx, msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            discarding = false;
            onRequest(ctx, (HttpRequest) msg);
            return;
        }
        if (discarding && msg instanceof HttpContent) {
            discarding = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        CompletableFuture<Admission> decision;
        try {
            decision = throttle.admitAsync(new NettyRequestView(request, ctx.channel(), principal));
        } catch (RuntimeException e) {
            failed(ctx, request, e);
            return;
        }
        if (!decision.isDone()) {
            WaitingRequest wait = new WaitingRequest(request, decision);
            waiting = wait;
            decision.whenComplete((admission, failure) -> {
                try {
                    ctx.executor().execute(() -> decided(ctx, wait));
                } catch (RejectedExecutionException shutDown) {
                    HttpThrottle.withdraw(decision); // the event loop is gone, and the connection with it
                }
            });
            return;
        }
        answer(ctx, request, decision);
    }

    /** The admission step threw: the stream cannot go on without an answer to this request. */
    private void failed(ChannelHandlerContext ctx, HttpRequest request, Throwable e) {
        ReferenceCountUtil.release(request);
        discarding = !(request instanceof LastHttpContent);
        ctx.fireExceptionCaught(e);
        ctx.close();
    }

    /** Passes an admitted request on, or answers a refused one; the decision is complete. */
    private void answer(ChannelHandlerContext ctx, HttpRequest request, CompletableFuture<Admission> decision) {
        Admission admission;
        try {
            admission = HttpThrottle.resolved(decision);
        } catch (RuntimeException e) {
            failed(ctx, request, e);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (admission.admitted()) {
            outstanding.add(new Exchange(admission, null, keepAlive, request.protocolVersion()));
            ctx.fireChannelRead(request);
            return;
        }
        boolean complete = request instanceof LastHttpContent;
        if (!complete) {
            discarding = true;
            if (HttpUtil.is100ContinueExpected(request)) {
                keepAlive = false; // the body may never come: the stream cannot be resynchronised
            }
        }
        ReferenceCountUtil.release(request);
        outstanding.add(new Exchange(null, admission.rejection().orElseThrow(), keepAlive,
                request.protocolVersion()));
        writeDueRefusals(ctx);
    }

    /** Holds what arrives while a request waits; pauses reading if that grows large (a big body). */
    private void hold(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
        if (held.size() >= MAX_HELD && !readingPaused) {
            readingPaused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** A waiting request's admission came: answers it, then goes on with what arrived after it, on the event loop. */
    private void decided(ChannelHandlerContext ctx, WaitingRequest decided) {
        if (waiting != decided) {
            return; // the connection closed, or this handler was removed, first: the request was withdrawn then
        }
        waiting = null;
        answer(ctx, decided.request, decided.decision);
        while (waiting == null && !held.isEmpty()) {
            channelRead(ctx, held.poll());
        }
        ctx.fireChannelReadComplete();
        if (waiting == null && readingPaused) {
            readingPaused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Adds the RateLimit headers to the response of the oldest outstanding request, and ends its permits when the
     * last part of the response is written.
     *
     * @param ctx this handler's context
     * @param msg the message written
     * @param promise its promise
     */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Exchange head = outstanding.peek();
        if (head == null || head.admission == null) {
            ctx.write(msg, promise);
            return;
        }
        if (msg instanceof HttpResponse && !head.responding) {
            HttpResponse response = (HttpResponse) msg;
            int status = response.status().code();
            if (status < 200 && status != 101) {
                ctx.write(msg, promise); // interim: the final response is still to come
                return;
            }
            head.responding = true;
            head.status = status;
            for (HttpRejection.Header header : head.admission.headers()) {
                if (!response.headers().contains(header.name())) {
                    response.headers().add(header.name(), header.value());
                }
            }
        }
        if (msg instanceof LastHttpContent && head.responding) {
            outstanding.poll();
            Admission admission = head.admission;
            int status = head.status;
            ChannelPromise tracked = promise.unvoid();
            tracked.addListener(written -> {
                if (written.isSuccess()) {
                    admission.complete(status);
                } else {
                    admission.dropped();
                }
            });
            ctx.write(msg, tracked);
            writeDueRefusals(ctx);
            return;
        }
        ctx.write(msg, promise);
    }

    /**
     * Ends the permits of every request still waiting for its response, as overload: the responses were aborted.
     *
     * @param ctx this handler's context
     * @throws Exception if a later handler throws
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        withdrawWaiting();
        endOutstanding(true);
        super.channelInactive(ctx);
    }

    /**
     * Ends the permits of the requests still outstanding, as a success; refusals not yet written are forgotten.
     *
     * @param ctx this handler's context
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        withdrawWaiting();
        endOutstanding(false);
    }

    /** The request waiting at the door leaves its queue, and what arrived after it is released. */
    private void withdrawWaiting() {
        WaitingRequest withdrawn = waiting;
        if (withdrawn == null) {
            return;
        }
        waiting = null;
        HttpThrottle.withdraw(withdrawn.decision);
        ReferenceCountUtil.release(withdrawn.request);
        for (Object msg; (msg = held.poll()) != null; ) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Writes the refusals whose turn has come: those with no unanswered admitted request before them. */
    private void writeDueRefusals(ChannelHandlerContext ctx) {
        Exchange head;
        while ((head = outstanding.peek()) != null && head.rejection != null) {
            outstanding.poll();
            ChannelFuture written = ctx.writeAndFlush(responseOf(head));
            if (!head.keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    private static FullHttpResponse responseOf(Exchange refused) {
        HttpRejection rejection = refused.rejection;
        ByteBuf body = Unpooled.copiedBuffer(rejection.body(), StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(refused.version,
                HttpResponseStatus.valueOf(rejection.status()), body);
        for (HttpRejection.Header header : rejection.headers()) {
            response.headers().add(header.name(), header.value());
        }
        if (body.isReadable()) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, rejection.contentType());
        }
        HttpUtil.setContentLength(response, body.readableBytes());
        HttpUtil.setKeepAlive(response, refused.keepAlive);
        return response;
    }

    private void endOutstanding(boolean aborted) {
        discarding = false;
        RuntimeException first = null;
        for (Exchange exchange; (exchange = outstanding.poll()) != null; ) {
            if (exchange.admission == null) {
                continue;
            }
            // Every request is ended even if one limiter throws, so that no permit leaks.
            try {
                if (aborted) {
                    exchange.admission.dropped();
                } else {
                    exchange.admission.close();
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** A request waiting at the door for its admission. */
    private static final class WaitingRequest {
        final HttpRequest request;
        final CompletableFuture<Admission> decision;

        WaitingRequest(HttpRequest request, CompletableFuture<Admission> decision) {
            this.request = request;
            this.decision = decision;
        }
    }

    /** One request of the connection awaiting its response: admitted (with permits) or refused (with its answer). */
    private static final class Exchange {
        final Admission admission;
        final HttpRejection rejection;
        final boolean keepAlive;
        final HttpVersion version;
        /** The final response's head has been written; its last part is still to come. */
        boolean responding;
        int status;

        Exchange(Admission admission, HttpRejection rejection, boolean keepAlive, HttpVersion version) {
            this.admission = admission;
            this.rejection = rejection;
            this.keepAlive = keepAlive;
            this.version = version;
        }
    }
}
