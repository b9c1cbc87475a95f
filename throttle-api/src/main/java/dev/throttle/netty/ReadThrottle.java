package dev.throttle.netty;

import dev.throttle.Arguments;
import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.Scheduler;
import io.netty.channel.Channel;
import java.util.Optional;
import java.util.function.Function;

/**
 * The immutable configuration of read throttling: which rate limiter a channel's reads are charged to, how a
 * message is weighed, and what times the pauses. It makes one {@link ReadThrottlingHandler} per channel:
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
 */
public final class ReadThrottle {

    private final Function<? super Channel, ? extends Limiter> limiters;
    private final ReadWeigher weigher;
    private final Scheduler scheduler;

    private ReadThrottle(Function<? super Channel, ? extends Limiter> limiters, ReadWeigher weigher,
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
        return new ReadThrottle(channel -> limiter, ReadWeigher.bytes(), null);
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
        return new ReadThrottle(limiterForChannel, ReadWeigher.bytes(), null);
    }

    /**
     * The same throttle weighing messages with another weigher.
     *
     * @param weigher the weigher, for example {@link ReadWeigher#messages()}
     * @return a new throttle
     * @throws IllegalArgumentException if the weigher is null
     */
    public ReadThrottle withWeigher(ReadWeigher weigher) {
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
    public ReadWeigher weigher() {
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
     * A handler for one channel. Handlers keep per-channel state: add a new one to each channel's pipeline.
     *
     * @return the handler
     */
    public ReadThrottlingHandler newHandler() {
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
        if (limiter.spec() instanceof Concurrency) {
            throw new IllegalArgumentException(name + " = " + limiter.name() + " limits concurrency ("
                    + limiter.spec() + "); reads can only be charged to a rate limiter");
        }
        return limiter;
    }
}
