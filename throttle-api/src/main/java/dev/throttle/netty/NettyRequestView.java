package dev.throttle.netty;

import dev.throttle.http.HttpRequestView;
import dev.throttle.http.admission.RequestPath;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/** A Netty request and its channel seen as the HTTP core's {@link HttpRequestView}; read on the event loop only. */
final class NettyRequestView implements HttpRequestView {

    private final HttpRequest request;
    private final Channel channel;
    private final BiFunction<? super Channel, ? super HttpRequest, Optional<String>> principal;
    private String path;

    NettyRequestView(HttpRequest request, Channel channel,
            BiFunction<? super Channel, ? super HttpRequest, Optional<String>> principal) {
        this.request = request;
        this.channel = channel;
        this.principal = principal;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String path() {
        if (path == null) {
            path = RequestPath.of(request.uri());
        }
        return path;
    }

    @Override
    public List<String> headers(String name) {
        return request.headers().getAll(name);
    }

    @Override
    public String remoteAddress() {
        return RequestPath.peerAddress(channel.remoteAddress());
    }

    @Override
    public Optional<String> principal() {
        Optional<String> name = principal.apply(channel, request);
        return name == null ? Optional.empty() : name;
    }
}
