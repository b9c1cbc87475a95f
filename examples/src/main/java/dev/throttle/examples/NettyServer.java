package dev.throttle.examples;

import dev.throttle.KeyedLimiter;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.TrustedProxies;
import dev.throttle.local.LocalEngine;
import dev.throttle.netty.NettyHttpThrottle;
import dev.throttle.netty.ReadThrottle;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Example 3: a Netty 4.2 HTTP/1.1 server with the throttle handler in its pipeline.
 *
 * <ul>
 *   <li>{@code GET /hello}: a JSON greeting.</li>
 *   <li>{@code POST /upload}: reads the body and answers how many bytes it got.</li>
 * </ul>
 * Each client IP may make {@value #PER_IP_BURST} requests at once, then 1 per second (the client is the
 * {@code X-Forwarded-For} address when the peer is a trusted local proxy, else the peer); refusals are 429 with
 * {@code Retry-After} and the IETF draft RateLimit headers, written by the handler without the application seeing
 * the request. Independently, every connection's reads are shaped to {@value #INGRESS_BYTES_PER_SECOND} bytes per
 * second per peer address, which lets small requests through at once and slows a large upload down instead of
 * refusing it: while a peer is over its rate the server stops reading its socket and TCP pushes back on the sender.
 *
 * <p>Run it from the repository root with {@code ./mvnw -B -ntp -pl examples -am compile -Prun
 * -Dexec.mainClass=dev.throttle.examples.NettyServer}; add {@code -Dexec.args=9090} for another port (0: any free one).
 * The test starts it through {@link #start} on an engine with a manual clock, so its counts are exact.
 */
public final class NettyServer implements AutoCloseable {

    /** Requests one client IP may make at once; after that, one per second. */
    static final long PER_IP_BURST = 5;
    /** The read rate of one peer address, in bytes per second; also its burst. */
    static final int INGRESS_BYTES_PER_SECOND = 64 * 1024;
    /**
     * The size of each socket read. The read throttle pays for a read after it is done, so a channel can run ahead
     * of its rate by one read: a read well below the burst keeps the shaping tight.
     */
    static final int READ_BYTES = 16 * 1024;

    /** The proxies whose X-Forwarded-For is believed: only this machine, so curl can play several clients. */
    private static final TrustedProxies LOCAL_PROXIES = TrustedProxies.of("127.0.0.1", "::1");

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final URI uri;

    private NettyServer(EventLoopGroup group, Channel serverChannel, URI uri) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.uri = uri;
    }

    /**
     * Starts the server on the system clock, prints how to try it, and serves until the JVM is stopped (Ctrl-C),
     * when a shutdown hook closes the server and its event loops.
     *
     * @param args nothing, or the port ({@value ServerPort#DEFAULT} by default; 0 for any free port)
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        NettyServer server = start(ServerPort.fromArgs(args), LocalEngine.create());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "netty-server-shutdown"));
        PrintStream out = System.out;
        instructions(server.uri()).forEach(out::println);
        out.flush();
        server.serverChannel.closeFuture().sync();
    }

    /**
     * Starts the server on loopback.
     *
     * @param port the port; 0 for any free one
     * @param engine the engine making the limiters; its ticker is the clock of every decision and its scheduler
     *     times the read throttle's pauses
     * @return the running server
     * @throws IllegalStateException if the server cannot bind the port
     */
    static NettyServer start(int port, LocalEngine engine) {
        NettyHttpThrottle httpThrottle = NettyHttpThrottle.of(policy(engine));
        ReadThrottle readThrottle = readThrottle(engine);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_BYTES))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            // Read shaping sees raw bytes, so it comes first; the throttle handler right after the
                            // codec, before anything that answers "100 Continue", so a refused upload is never
                            // invited to send its body.
                            channel.pipeline().addLast(readThrottle.newHandler(), new HttpServerCodec(),
                                    httpThrottle.newHandler(), new HttpServerExpectContinueHandler(),
                                    new NettyAppHandler());
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
            InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
            return new NettyServer(group, channel,
                    URI.create("http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutDown(group);
            throw new IllegalStateException("interrupted while binding port " + port, e);
        } catch (RuntimeException e) {
            shutDown(group);
            throw new IllegalStateException("Netty could not bind port " + port, e);
        }
    }

    /**
     * The HTTP limits: a token bucket per client.
     *
     * @param engine the engine making the limiters
     * @return the policy
     */
    static HttpThrottlePolicy policy(LocalEngine engine) {
        KeyedLimiter<String> perIp = engine.keyed("per-ip", TokenBucket.of(PER_IP_BURST, Rate.perSecond(1)));
        return HttpThrottlePolicy.builder()
                .global(HttpLimit.keyed(perIp, KeyResolver.forwardedFor(LOCAL_PROXIES)))
                .build();
    }

    /**
     * The read shaping: each peer address's reads are charged to its own token bucket, shared by all of that
     * peer's connections (a client cannot open more connections to read faster).
     *
     * @param engine the engine making the limiters
     * @return the read throttle
     */
    static ReadThrottle readThrottle(LocalEngine engine) {
        KeyedLimiter<String> ingress = engine.keyed("ingress",
                TokenBucket.of(INGRESS_BYTES_PER_SECOND, Rate.perSecond(INGRESS_BYTES_PER_SECOND)));
        // Pauses are timed on the engine's scheduler: on the clock its limiters read (a manual one in the test).
        return ReadThrottle.perChannel(channel -> ingress.forKey(peerAddress(channel.remoteAddress())))
                .withScheduler(engine.scheduler());
    }

    private static String peerAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return String.valueOf(address);
    }

    /**
     * What to paste into a shell to see the limits work.
     *
     * @param uri the server's address
     * @return the lines to print
     */
    static List<String> instructions(URI uri) {
        return List.of(
                "Throttled Netty HTTP server on " + uri + "  (Ctrl-C stops it)",
                "",
                "Seven requests from one client: five pass (the per-IP burst), then 429:",
                "  for i in 1 2 3 4 5 6 7; do curl -s -o /dev/null -w '%{http_code}\\n' " + uri + "/hello; done",
                "Five more at once, then one shown with its headers: the 429, Retry-After, RateLimit-Policy, RateLimit:",
                "  for i in 1 2 3 4 5; do curl -s -o /dev/null " + uri + "/hello; done; curl -i " + uri + "/hello",
                "A 256 KiB upload, read at 64 KiB/s (the first 64 KiB at once): about 3 s, and nothing refused:",
                "  head -c 262144 /dev/zero | curl -s --data-binary @- -H 'X-Forwarded-For: 203.0.113.9'"
                        + " -w 'in %{time_total} s\\n' " + uri + "/upload");
    }

    /**
     * The server's address.
     *
     * @return for example {@code http://127.0.0.1:8080}
     */
    URI uri() {
        return uri;
    }

    /** Closes the listening socket, then the connections and event loops (waiting up to a few seconds). */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        shutDown(group);
    }

    private static void shutDown(EventLoopGroup group) {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
