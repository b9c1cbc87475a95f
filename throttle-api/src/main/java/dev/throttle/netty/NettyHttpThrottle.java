package dev.throttle.netty;

import dev.throttle.Arguments;
import dev.throttle.http.HttpThrottle;
import dev.throttle.http.HttpThrottlePolicy;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The immutable configuration of HTTP/1.1 throttling for a Netty server: the {@link HttpThrottlePolicy} (keys, route
 * rules, refusal status and headers) and how to learn a request's authenticated user. It makes one
 * {@link HttpThrottleHandler} per channel, to be placed right after the HTTP codec, before any aggregator, so
 * that a refused request's body is thrown away as it arrives instead of being gathered first:
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
     * Throttling by a policy; requests are anonymous (see {@link #withPrincipal(BiFunction)}).
     *
     * @param policy the policy
     * @return the configuration
     * @throws IllegalArgumentException if {@code policy} is null
     */
    public static NettyHttpThrottle of(HttpThrottlePolicy policy) {
        return new NettyHttpThrottle(new HttpThrottle(Arguments.requireNonNull("policy", policy)), ANONYMOUS);
    }

    /**
     * Throttling by an existing admission step, shared with other servers (a servlet filter) if wanted.
     *
     * @param throttle the admission step
     * @return the configuration
     * @throws IllegalArgumentException if {@code throttle} is null
     */
    public static NettyHttpThrottle of(HttpThrottle throttle) {
        return new NettyHttpThrottle(Arguments.requireNonNull("throttle", throttle), ANONYMOUS);
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
     * The admission step.
     *
     * @return the throttle
     */
    public HttpThrottle throttle() {
        return throttle;
    }

    /**
     * A handler for one channel. Handlers keep per-connection state (the responses owed, in order): add a new one
     * to each channel's pipeline.
     *
     * @return the handler
     */
    public HttpThrottleHandler newHandler() {
        return new HttpThrottleHandler(throttle, principal);
    }
}
