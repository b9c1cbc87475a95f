package dev.throttle.netty;

import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.admission.HttpThrottle;
import dev.throttle.kernel.Arguments;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The immutable configuration of HTTP/1.1 throttling for a Netty server: the {@link HttpThrottlePolicy} (keys, route
 * rules, refusal status and headers) and how to learn a request's authenticated user. It makes one handler per
 * channel ({@link #newHandler()}), to be placed right after the HTTP codec, before any aggregator, so that a refused
 * request's body is thrown away as it arrives instead of being gathered first:
 * <pre>{@code
 * NettyHttpThrottle throttle = NettyHttpThrottle.of(policy);
 * ...
 * protected void initChannel(SocketChannel channel) {
 *     channel.pipeline().addLast(new HttpServerCodec(), throttle.newHandler(),
 *             new HttpObjectAggregator(1 << 20), new MyApplicationHandler());
 * }
 * }</pre>
 */
public final class NettyHttpThrottle {

    private static final BiFunction<Channel, HttpRequest, Optional<String>> ANONYMOUS =
            (channel, request) -> Optional.empty();

    private final HttpThrottle throttle;
    private final BiFunction<? super Channel, ? super HttpRequest, Optional<String>> principal;

    private NettyHttpThrottle(HttpThrottle throttle,
            BiFunction<? super Channel, ? super HttpRequest, Optional<String>> principal) {
        this.throttle = throttle;
        this.principal = principal;
    }

    /**
     * Throttling by a policy; requests are anonymous (see {@link #withPrincipal(BiFunction)}). To throttle a Netty
     * server and a servlet container together, give both the same policy: its limiters hold the state, so the two
     * count against the same limits.
     *
     * @param policy the policy
     * @return the configuration
     * @throws IllegalArgumentException if {@code policy} is null
     */
    public static NettyHttpThrottle of(HttpThrottlePolicy policy) {
        return new NettyHttpThrottle(new HttpThrottle(Arguments.requireNonNull("policy", policy)), ANONYMOUS);
    }

    /**
     * The same throttling, learning the authenticated user of a request (for
     * {@link dev.throttle.http.KeyResolver#principal()}) from the channel or the request: Netty has no notion of
     * one, so an authentication handler earlier in the pipeline typically leaves it in a channel attribute.
     *
     * @param principal gives the user's name, or empty for an anonymous request; called on the event loop
     * @return a new configuration
     * @throws IllegalArgumentException if {@code principal} is null
     */
    public NettyHttpThrottle withPrincipal(
            BiFunction<? super Channel, ? super HttpRequest, Optional<String>> principal) {
        return new NettyHttpThrottle(throttle, Arguments.requireNonNull("principal", principal));
    }

    /**
     * The policy enforced.
     *
     * @return the policy given to {@link #of(HttpThrottlePolicy)}
     */
    public HttpThrottlePolicy policy() {
        return throttle.policy();
    }

    /**
     * A handler for one channel. Handlers keep per-connection state (the responses owed, in order): add a new one
     * to each channel's pipeline. Its type is not API: only its place in the pipeline is.
     *
     * <p>The handler checks each request when its head arrives. An admitted request goes on to the application
     * holding its permits until its response is fully written (ended as overload for a 5xx, a failed write or a
     * connection closed first); a refused one is answered by the handler (429 with {@code Retry-After},
     * {@code Cache-Control: no-store} and the RateLimit headers, unless the policy says otherwise), in the order
     * HTTP/1.1 requires, and its body is thrown away so the connection stays usable.
     *
     * @return the handler, not {@link ChannelHandler.Sharable sharable}
     */
    public ChannelHandler newHandler() {
        return new HttpThrottleHandler(throttle, principal);
    }
}
