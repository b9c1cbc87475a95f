package dev.throttle.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real sockets on loopback: a server whose reads are throttled by a token bucket on the system clock, and clients
 * writing as fast as they can. Wall time is the only clock here, so the assertions are lower bounds derived from
 * the rate, with a generous upper bound against hangs.
 */
class ReadThrottleLoopbackTest {

    private static final int RATE = 32 * 1024;
    private static final int BURST = 8 * 1024;
    /** The server's read size: the most a channel can run ahead of its rate is one read. */
    private static final int READ_SIZE = 2048;
    /** Above the lower bound, time a loaded machine may add; shaping far slower than the rate is a bug too. */
    private static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final RateLimiter limiter = LocalEngine.create()
            .rateLimiter("ingress", TokenBucket.of(BURST, Rate.perSecond(RATE)));
    private final AtomicBoolean sawAutoReadOff = new AtomicBoolean();

    @AfterEach
    void shutDown() throws InterruptedException {
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        assertThat(clientGroup.terminationFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(serverGroup.terminationFuture().await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shapesOneConnectionToTheRateAndDeliversEveryByteInOrder() throws Exception {
        byte[] payload = pattern(64 * 1024, 0);
        List<Collector> collectors = new ArrayList<>();
        Channel server = startServer(ReadThrottle.shared(limiter), payload.length, collectors);

        long start = System.nanoTime();
        Channel client = connect(server);
        client.writeAndFlush(Unpooled.wrappedBuffer(payload)).sync();
        Collector collector = awaitCollector(collectors, 0);
        assertThat(collector.done.await(15, TimeUnit.SECONDS)).isTrue();
        long elapsed = collector.doneAt.get() - start;

        assertThat(collector.received.toByteArray()).isEqualTo(payload);
        // All but the burst and the last, unpaid read had to wait for the rate: (64 − 8 − 2) KiB at 32 KiB/s.
        assertThat(elapsed).isGreaterThanOrEqualTo(minimumNanos(payload.length))
                .isLessThan(minimumNanos(payload.length) + SLACK_NANOS);
        assertThat(sawAutoReadOff).isTrue();
        client.close().sync();
    }

    @Test
    void channelsSharingALimiterShareItsRate() throws Exception {
        byte[] first = pattern(32 * 1024, 0);
        byte[] second = pattern(32 * 1024, 7);
        List<Collector> collectors = new ArrayList<>();
        Channel server = startServer(ReadThrottle.shared(limiter), first.length, collectors);

        long start = System.nanoTime();
        Channel one = connect(server);
        Channel two = connect(server);
        one.writeAndFlush(Unpooled.wrappedBuffer(first)).sync();
        two.writeAndFlush(Unpooled.wrappedBuffer(second)).sync();
        Collector a = awaitCollector(collectors, 0);
        Collector b = awaitCollector(collectors, 1);
        assertThat(a.done.await(15, TimeUnit.SECONDS)).isTrue();
        assertThat(b.done.await(15, TimeUnit.SECONDS)).isTrue();
        long elapsed = Math.max(a.doneAt.get(), b.doneAt.get()) - start;

        assertThat(List.of(a.received.toByteArray(), b.received.toByteArray()))
                .containsExactlyInAnyOrder(first, second);
        // Each channel may run one read ahead of the shared rate.
        assertThat(elapsed).isGreaterThanOrEqualTo(minimumNanos(first.length + second.length - READ_SIZE))
                .isLessThan(minimumNanos(first.length + second.length) + SLACK_NANOS);
        one.close().sync();
        two.close().sync();
    }

    private static long minimumNanos(long bytes) {
        return (bytes - BURST - READ_SIZE) * TimeUnit.SECONDS.toNanos(1) / RATE;
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ((i + seed) % 251);
        }
        return bytes;
    }

    private Channel startServer(ReadThrottle throttle, int expected, List<Collector> collectors)
            throws InterruptedException {
        return new ServerBootstrap()
                .group(serverGroup)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_SIZE))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        Collector collector = new Collector(expected);
                        synchronized (collectors) {
                            collectors.add(collector);
                        }
                        channel.pipeline().addLast(throttle.newHandler(), collector);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private Channel connect(Channel server) throws InterruptedException {
        return new Bootstrap()
                .group(clientGroup)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress()).sync().channel();
    }

    private static Collector awaitCollector(List<Collector> collectors, int index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            synchronized (collectors) {
                if (collectors.size() > index) {
                    return collectors.get(index);
                }
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        throw new AssertionError("no connection " + index + " within 5 s");
    }

    /** Keeps every byte received, in order, and notes when auto-read was off at the end of a read loop. */
    private final class Collector extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicLong doneAt = new AtomicLong();
        private final int expected;

        Collector(int expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buffer = (ByteBuf) msg;
            try {
                byte[] bytes = new byte[buffer.readableBytes()];
                buffer.readBytes(bytes);
                synchronized (received) {
                    received.writeBytes(bytes);
                    if (received.size() >= expected && done.getCount() > 0) {
                        doneAt.set(System.nanoTime());
                        done.countDown();
                    }
                }
            } finally {
                buffer.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!ctx.channel().config().isAutoRead()) {
                sawAutoReadOff.set(true);
            }
            ctx.fireChannelReadComplete();
        }
    }
}
