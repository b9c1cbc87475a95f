package dev.throttle.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A real Netty server on a free loopback port, on one event loop thread, each connection's pipeline built by a test. */
final class LoopbackNettyServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    /**
     * Binds the server.
     *
     * @param perConnection fills each new connection's pipeline
     * @return the port it listens on
     * @throws InterruptedException if interrupted while binding
     */
    int start(Consumer<ChannelPipeline> perConnection) throws InterruptedException {
        return ((InetSocketAddress) new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        perConnection.accept(channel.pipeline());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel().localAddress()).getPort();
    }

    /** Stops the event loop, and with it every connection, within five seconds. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        assertThat(group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)).isTrue();
    }
}
