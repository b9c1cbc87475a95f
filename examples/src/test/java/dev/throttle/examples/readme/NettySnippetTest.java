package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::netty[]
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.netty.NettyHttpThrottle;
import dev.throttle.netty.ReadThrottle;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerCodec;
// end::netty[]
import org.junit.jupiter.api.Test;

/** README, integrations: Netty. */
class NettySnippetTest {

    private final dev.throttle.local.LocalEngine engine = dev.throttle.local.LocalEngine.create();

    ChannelInitializer<Channel> makeTheInitializer(dev.throttle.http.HttpThrottlePolicy policy) {
        // tag::netty[]
        NettyHttpThrottle http = NettyHttpThrottle.of(policy);
        ReadThrottle uploads = ReadThrottle.shared(
                engine.rateLimiter("upload-bytes", TokenBucket.of(64 * 1024, Rate.perSecond(256 * 1024))));
        ChannelInitializer<Channel> perConnection = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel channel) {
                channel.pipeline().addLast(uploads.newHandler(), new HttpServerCodec(), http.newHandler(), new App());
            }
        };
        // end::netty[]
        return perConnection;
    }

    /** The application's own handler. */
    static final class App extends io.netty.channel.ChannelInboundHandlerAdapter {
    }

    @Test
    void eachConnectionGetsReadShapingThenTheCodecThenTheThrottleThenTheApplication() {
        dev.throttle.http.HttpThrottlePolicy policy = dev.throttle.http.HttpThrottlePolicy.builder()
                .global(dev.throttle.http.HttpLimit.shared(engine.rateLimiter("all",
                        TokenBucket.of(5, Rate.perSecond(5)))))
                .build();
        io.netty.channel.embedded.EmbeddedChannel channel =
                new io.netty.channel.embedded.EmbeddedChannel(makeTheInitializer(policy));
        java.util.List<Class<?>> handlers = new java.util.ArrayList<>();
        channel.pipeline().forEach(entry -> handlers.add(entry.getValue().getClass()));
        assertThat(handlers).hasSize(4);
        assertThat(handlers.get(1)).isEqualTo(HttpServerCodec.class);
        assertThat(handlers.get(3)).isEqualTo(App.class);
        assertThat(channel.finish()).isFalse();
    }
}
