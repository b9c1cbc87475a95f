package dev.throttle.netty;

import dev.throttle.Limiter;
import dev.throttle.Scheduler;
import dev.throttle.kernel.Arguments;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.util.Optional;
import java.util.function.Function;

/**
 * The immutable configuration of read throttling: which rate limiter a channel's reads are charged to, how a
 * message is weighed, and what times the pauses. It makes one handler per channel ({@link #newHandler()}), which
 * pays for what the channel reads and pauses its reading while it owes its limiter more than it grants:
 * <pre>{@code
 * ReadThrottle throttle = ReadThrottle.shared(engine.rateLimiter("ingress", TokenBucket.of(64 * 1024,
 *         Rate.perSecond(1024 * 1024))));
 * ...
 * protected void initChannel(SocketChannel channel) {
 *     channel.pipeline().addLast(throttle.newHandler(), new MyDecoder(), new MyHandler());
 * }
 * }</pre>
 *
 * <p>The limiter must meter a rate (window, bucket): its permits are consumed by each charge. A concurrency
 * limiter's permits are held and given back, which cannot meter reads, so it is refused.
 *
 * <h2>Pay after reading</h2>
 * The size of a read is known only once it is read, so the handler passes each message on at once, adds its weight
 * to the channel's debt and pays the debt with {@link Limiter#tryAcquire(long)}, in charges of at most the limiter's
 * capacity. When a charge is refused it turns the channel's auto-read off (and holds back {@code read()} calls coming
 * down the pipeline) until the refusal's retry time, then pays again; when all is paid it turns auto-read back on if
 * it turned it off. Nothing is dropped or buffered: TCP's flow control pushes back on the sender while the channel
 * does not read, and the channel runs ahead of its rate by at most one read loop's worth of messages.
 */
public final class ReadThrottle {

    private final Function<? super Channel, ? extends Limiter> limiters;
    private final Weigher weigher;
    private final Scheduler scheduler;

    private ReadThrottle(Function<? super Channel, ? extends Limiter> limiters, Weigher weigher,
            Scheduler scheduler) {
        this.limiters = limiters;
        this.weigher = weigher;
        this.scheduler = scheduler;
    }

    /**
     * Throttles the reads of every channel against one limiter: the channels share its rate.
     *
     * @param limiter a rate limiter, shared by every handler this throttle makes
     * @return the throttle, weighing in bytes, timing pauses on each channel's event loop
     * @throws IllegalArgumentException if the limiter is null or limits concurrency
     */
    public static ReadThrottle shared(Limiter limiter) {
        requireRateLimiter("limiter", limiter);
        return new ReadThrottle(channel -> limiter, Weigher.bytes(), null);
    }

    /**
     * Throttles each channel's reads against its own limiter, chosen when the handler is added to the channel's
     * pipeline: a new limiter per channel, or a {@link dev.throttle.KeyedLimiter}'s limiter for the channel's
     * remote address.
     *
     * @param limiterForChannel gives the limiter of a channel; it must not return null nor a concurrency limiter
     *     (the handler fails to be added with an {@link IllegalArgumentException})
     * @return the throttle, weighing in bytes, timing pauses on each channel's event loop
     * @throws IllegalArgumentException if the function is null
     */
    public static ReadThrottle perChannel(Function<? super Channel, ? extends Limiter> limiterForChannel) {
        Arguments.requireNonNull("limiterForChannel", limiterForChannel);
        return new ReadThrottle(limiterForChannel, Weigher.bytes(), null);
    }

    /**
     * The same throttle weighing messages with another weigher.
     *
     * @param weigher the weigher, for example {@link Weigher#messages()}
     * @return a new throttle
     * @throws IllegalArgumentException if the weigher is null
     */
    public ReadThrottle withWeigher(Weigher weigher) {
        Arguments.requireNonNull("weigher", weigher);
        return new ReadThrottle(limiters, weigher, scheduler);
    }

    /**
     * The same throttle timing its pauses on a given scheduler instead of the channel's event loop. The end of a
     * pause is still handled on the event loop (the scheduler's task only hands it over). Give the scheduler that
     * goes with the limiter's ticker (a manual clock in tests) so pauses follow the clock the limiter reads.
     *
     * @param scheduler the scheduler
     * @return a new throttle
     * @throws IllegalArgumentException if the scheduler is null
     */
    public ReadThrottle withScheduler(Scheduler scheduler) {
        Arguments.requireNonNull("scheduler", scheduler);
        return new ReadThrottle(limiters, weigher, scheduler);
    }

    /**
     * How messages are weighed.
     *
     * @return the weigher
     */
    public Weigher weigher() {
        return weigher;
    }

    /**
     * The scheduler timing pauses, when one was given; empty means each channel's event loop.
     *
     * @return the scheduler, if any
     */
    public Optional<Scheduler> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /**
     * A handler for one channel. Handlers keep per-channel state (the debt, the pause): add a new one to each
     * channel's pipeline, usually first, so that the byte weigher charges what the socket delivered. Its type is not
     * API: only its place in the pipeline is.
     *
     * @return the handler, not {@link ChannelHandler.Sharable sharable}
     */
    public ChannelHandler newHandler() {
        return new ReadThrottlingHandler(this);
    }

    /** The limiter of a channel, checked. */
    Limiter limiterFor(Channel channel) {
        return requireRateLimiter("limiterForChannel's limiter", limiters.apply(channel));
    }

    Scheduler schedulerOrNull() {
        return scheduler;
    }

    private static Limiter requireRateLimiter(String name, Limiter limiter) {
        Arguments.requireNonNull(name, limiter);
        if (!limiter.spec().isRate()) {
            throw new IllegalArgumentException(name + " = " + limiter.name() + " limits concurrency ("
                    + limiter.spec() + "); reads can only be charged to a rate limiter");
        }
        return limiter;
    }

    /**
     * Says how many permits a message read from a channel costs. The read throttle charges its limiter that many
     * permits for each message it passes on; a message weighing zero is passed on free.
     *
     * <p>A weigher is called on the channel's event loop before the message is passed on (the next handler may
     * release it), so it must be fast and must not keep the message.
     */
    @FunctionalInterface
    public interface Weigher {

        /**
         * The permits a message costs.
         *
         * @param message the message just read, not yet passed on
         * @return zero or more; a negative weight is a bug in the weigher and fails the read with an
         *     {@link IllegalArgumentException}
         */
        long weigh(Object message);

        /**
         * Weighs in bytes: the readable bytes of a {@link ByteBuf} or of a {@link ByteBufHolder}'s content; any other
         * message (a user event turned message, a decoded object) weighs zero.
         *
         * @return the byte weigher, the default of every throttle
         */
        static Weigher bytes() {
            return StockWeighers.BYTES;
        }

        /**
         * Weighs in messages: every message costs one permit, whatever its size.
         *
         * @return the message weigher
         */
        static Weigher messages() {
            return StockWeighers.MESSAGES;
        }
    }

    /** The two stock weighers as constants, so they compare equal and allocate nothing. */
    private static final class StockWeighers {

        static final Weigher BYTES = message -> {
            if (message instanceof ByteBuf buffer) {
                return buffer.readableBytes();
            }
            if (message instanceof ByteBufHolder holder) {
                return holder.content().readableBytes();
            }
            return 0L;
        };

        static final Weigher MESSAGES = message -> 1L;

        private StockWeighers() {
        }
    }
}
