package dev.throttle.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pause and resume logic on embedded channels whose event loop runs on a mock ticker that the limiter reads
 * too, so pauses end exactly at the limiter's retry times.
 */
class ReadThrottlingHandlerTest {

    /** 1 ms per permit, a burst of 100. */
    private static final TokenBucket BUCKET = TokenBucket.of(100, Rate.perSecond(1000));

    private final MockTicker ticker = Ticker.newMockTicker();
    private final LocalEngine engine = LocalEngine.builder().ticker(ticker::nanoTime).build();
    private final RateLimiter limiter = engine.rateLimiter("reads", BUCKET);
    private final ReadCounter reads = new ReadCounter();
    private EmbeddedChannel channel;

    @AfterEach
    void closeChannel() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private ReadThrottlingHandler open(ReadThrottle throttle) {
        ReadThrottlingHandler handler = (ReadThrottlingHandler) throttle.newHandler();
        channel = EmbeddedChannel.builder().ticker(ticker).handlers(reads, handler).build();
        return handler;
    }

    private void read(int bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[bytes]));
    }

    private void advanceMillis(long millis) {
        ticker.advance(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private int bytesPassedOn() {
        int total = 0;
        for (ByteBuf buffer; (buffer = channel.readInbound()) != null; ) {
            total += buffer.readableBytes();
            buffer.release();
        }
        return total;
    }

    @Test
    void pausesAutoReadWhenOverTheRateAndResumesAtTheRetryTime() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter));
        read(100);
        assertThat(handler.throttled()).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();

        read(50);
        assertThat(bytesPassedOn()).isEqualTo(150); // shaped, never dropped nor held
        assertThat(handler.throttled()).isTrue();
        assertThat(handler.owedPermits()).isEqualTo(50);
        assertThat(channel.config().isAutoRead()).isFalse();
        int readsBefore = reads.count;

        advanceMillis(49);
        assertThat(handler.throttled()).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
        advanceMillis(1);
        assertThat(handler.throttled()).isFalse();
        assertThat(handler.owedPermits()).isZero();
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(reads.count).isEqualTo(readsBefore + 1); // turning auto-read on asked for a read
        assertThat(limiter.availablePermits()).isZero();
    }

    @Test
    void messagesArrivingDuringAPauseArePassedOnAndAddToTheDebt() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter));
        read(150);
        read(30);
        assertThat(bytesPassedOn()).isEqualTo(180);
        assertThat(handler.owedPermits()).isEqualTo(80);
        advanceMillis(50); // 50 permits back; 80 owed
        assertThat(handler.throttled()).isTrue();
        advanceMillis(29);
        assertThat(handler.throttled()).isTrue();
        advanceMillis(1);
        assertThat(handler.throttled()).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aMessageLargerThanTheCapacityIsPaidInChargesOfTheCapacity() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter));
        read(250);
        assertThat(bytesPassedOn()).isEqualTo(250);
        assertThat(handler.owedPermits()).isEqualTo(150); // the first 100 paid from the burst
        advanceMillis(100);
        assertThat(handler.owedPermits()).isEqualTo(50);
        assertThat(handler.throttled()).isTrue();
        advanceMillis(49);
        assertThat(handler.throttled()).isTrue();
        advanceMillis(1);
        assertThat(handler.throttled()).isFalse();
        assertThat(handler.owedPermits()).isZero();
    }

    @Test
    void messageWeigherChargesOnePermitPerMessage() {
        RateLimiter messages = engine.rateLimiter("messages", TokenBucket.of(2, Rate.perSecond(10)));
        ReadThrottlingHandler handler =
                open(ReadThrottle.shared(messages).withWeigher(ReadThrottle.Weigher.messages()));
        read(10_000);
        read(1);
        assertThat(handler.throttled()).isFalse();
        channel.writeInbound("not a buffer");
        assertThat(handler.throttled()).isTrue();
        assertThat(handler.owedPermits()).isEqualTo(1);
        advanceMillis(100);
        assertThat(handler.throttled()).isFalse();
        channel.readInbound(); // drop the string; buffers are released in teardown
    }

    @Test
    void byteWeigherCountsBuffersAndHoldersAndNothingElse() {
        ReadThrottle.Weigher bytes = ReadThrottle.Weigher.bytes();
        ByteBuf buffer = Unpooled.wrappedBuffer(new byte[7]);
        assertThat(bytes.weigh(buffer)).isEqualTo(7);
        assertThat(bytes.weigh(new io.netty.buffer.DefaultByteBufHolder(buffer))).isEqualTo(7);
        assertThat(bytes.weigh("text")).isZero();
        assertThat(ReadThrottle.Weigher.messages().weigh("text")).isEqualTo(1);
    }

    @Test
    void readsRequestedDuringAPauseAreHeldBackAndIssuedOnceWhenItEnds() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter));
        read(120);
        int before = reads.count;
        channel.read();
        channel.read();
        assertThat(reads.count).isEqualTo(before);
        advanceMillis(20);
        assertThat(handler.throttled()).isFalse();
        assertThat(reads.count).isEqualTo(before + 1);
        channel.read();
        assertThat(reads.count).isEqualTo(before + 2);
    }

    @Test
    void aChannelReadByHandIsThrottledWithoutTouchingAutoRead() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter));
        channel.config().setAutoRead(false); // another party reads by hand
        read(120);
        assertThat(handler.throttled()).isTrue();
        int before = reads.count;
        channel.read();
        assertThat(reads.count).isEqualTo(before);
        advanceMillis(20);
        assertThat(channel.config().isAutoRead()).isFalse(); // not this handler's to turn on
        assertThat(reads.count).isEqualTo(before + 1);
    }

    @Test
    void autoReadTurnedOnByAnotherPartyDuringAPauseIsTurnedOffAgainByTheNextRead() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter));
        read(120);
        channel.config().setAutoRead(true);
        read(10);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(handler.owedPermits()).isEqualTo(30);
        advanceMillis(30);
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(handler.throttled()).isFalse();
    }

    @Test
    void channelsSharingALimiterShareItsRate() {
        ReadThrottlingHandler first = open(ReadThrottle.shared(limiter));
        EmbeddedChannel firstChannel = channel;
        ReadThrottlingHandler second = (ReadThrottlingHandler) ReadThrottle.shared(limiter).newHandler();
        EmbeddedChannel secondChannel = EmbeddedChannel.builder().ticker(ticker).handlers(second).build();
        try {
            firstChannel.writeInbound(Unpooled.wrappedBuffer(new byte[100]));
            assertThat(first.throttled()).isFalse();
            secondChannel.writeInbound(Unpooled.wrappedBuffer(new byte[10]));
            assertThat(second.throttled()).isTrue();
            assertThat(secondChannel.config().isAutoRead()).isFalse();
            assertThat(firstChannel.config().isAutoRead()).isTrue();
            ticker.advance(10, TimeUnit.MILLISECONDS);
            secondChannel.runScheduledPendingTasks();
            assertThat(second.throttled()).isFalse();
        } finally {
            secondChannel.finishAndReleaseAll();
        }
    }

    @Test
    void perChannelLimitersAreIndependent() {
        ReadThrottle throttle = ReadThrottle.perChannel(ch -> engine.rateLimiter("per-channel", BUCKET));
        ReadThrottlingHandler first = open(throttle);
        EmbeddedChannel firstChannel = channel;
        ReadThrottlingHandler second = (ReadThrottlingHandler) throttle.newHandler();
        EmbeddedChannel secondChannel = EmbeddedChannel.builder().ticker(ticker).handlers(second).build();
        try {
            firstChannel.writeInbound(Unpooled.wrappedBuffer(new byte[100]));
            secondChannel.writeInbound(Unpooled.wrappedBuffer(new byte[100]));
            assertThat(first.throttled()).isFalse();
            assertThat(second.throttled()).isFalse();
            secondChannel.writeInbound(Unpooled.wrappedBuffer(new byte[1]));
            assertThat(second.throttled()).isTrue();
            assertThat(first.throttled()).isFalse();
        } finally {
            secondChannel.finishAndReleaseAll();
        }
    }

    @Test
    void anInjectedSchedulerTimesThePauseAndTheEventLoopEndsIt() {
        ManualClock clock = new ManualClock();
        RateLimiter onClock = LocalEngine.builder().ticker(clock).scheduler(clock).build()
                .rateLimiter("clocked", BUCKET);
        ReadThrottlingHandler handler = open(ReadThrottle.shared(onClock).withScheduler(clock));
        read(130);
        assertThat(clock.pendingTasks()).isEqualTo(1);
        clock.advance(TimeUnit.MILLISECONDS.toNanos(30));
        assertThat(handler.throttled()).isTrue(); // handed to the event loop, not run yet
        channel.runPendingTasks();
        assertThat(handler.throttled()).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void closingTheChannelStopsThePauseTimer() {
        ManualClock clock = new ManualClock();
        RateLimiter onClock = LocalEngine.builder().ticker(clock).scheduler(clock).build()
                .rateLimiter("clocked", BUCKET);
        ReadThrottlingHandler handler = open(ReadThrottle.shared(onClock).withScheduler(clock));
        read(130);
        assertThat(clock.pendingTasks()).isEqualTo(1);
        channel.close();
        assertThat(clock.pendingTasks()).isZero();
        assertThat(handler.throttled()).isFalse();
    }

    @Test
    void closingTheChannelCancelsTheEventLoopTimer() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter));
        read(130);
        int before = reads.count;
        channel.close();
        advanceMillis(1000);
        assertThat(handler.throttled()).isFalse();
        assertThat(reads.count).isEqualTo(before);
        assertThat(limiter.availablePermits()).isEqualTo(100); // the debt of a closed channel is never paid
    }

    @Test
    void removingTheHandlerDuringAPauseGivesAutoReadBackAndStopsTheTimer() {
        ManualClock clock = new ManualClock();
        RateLimiter onClock = LocalEngine.builder().ticker(clock).scheduler(clock).build()
                .rateLimiter("clocked", BUCKET);
        ReadThrottlingHandler handler = open(ReadThrottle.shared(onClock).withScheduler(clock));
        read(130);
        channel.read();
        int before = reads.count;
        channel.pipeline().remove(handler);
        assertThat(clock.pendingTasks()).isZero();
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(reads.count).isEqualTo(before + 1);
        assertThat(handler.owedPermits()).isZero();
    }

    @Test
    void aNegativeWeightFailsTheReadAfterPassingTheMessageOn() {
        ReadThrottlingHandler handler = open(ReadThrottle.shared(limiter).withWeigher(message -> -1L));
        assertThatThrownBy(() -> channel.writeInbound("message"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weight = -1");
        assertThat(channel.<Object>readInbound()).isEqualTo("message");
        assertThat(handler.owedPermits()).isZero();
    }

    @Test
    void badConfigurationIsRefused() {
        assertThatThrownBy(() -> ReadThrottle.shared(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limiter");
        assertThatThrownBy(() -> ReadThrottle.shared(engine.limiter("bulkhead", Concurrency.of(4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> ReadThrottle.perChannel(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limiterForChannel");
        ReadThrottle throttle = ReadThrottle.shared(limiter);
        assertThatThrownBy(() -> throttle.withWeigher(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weigher");
        assertThatThrownBy(() -> throttle.withScheduler(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scheduler");
        assertThat(throttle.scheduler()).isEmpty();
        assertThat(throttle.weigher()).isSameAs(ReadThrottle.Weigher.bytes());
    }

    @Test
    void aChannelFunctionGivingNoLimiterFailsTheHandlerAddition() {
        ChannelHandler handler = ReadThrottle.perChannel(ch -> null).newHandler();
        EmbeddedChannel bare = new EmbeddedChannel();
        try {
            assertThatThrownBy(() -> {
                bare.pipeline().addLast(handler);
                bare.checkException();
            }).hasRootCauseInstanceOf(IllegalArgumentException.class)
                    .rootCause().hasMessageContaining("limiterForChannel");
            assertThat(bare.pipeline().get(ReadThrottlingHandler.class)).isNull();
        } finally {
            bare.finishAndReleaseAll();
        }
    }

    /** Counts the read requests that reach the head of the pipeline. */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }
}
