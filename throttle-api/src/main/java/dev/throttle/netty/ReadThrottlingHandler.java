package dev.throttle.netty;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.kernel.Arguments;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Shapes the reads of one channel to a rate: it pays for what was read and, while the channel owes more than its
 * limiter grants, stops reading from the socket until the debt can be paid. Nothing is dropped and nothing is
 * buffered here; TCP's own flow control pushes back on the sender while the channel does not read.
 *
 * <h2>Pay after reading</h2>
 * The size of a read is known only once it is read, so each message is passed on at once and its weight added to
 * the channel's debt, which is then paid to the limiter with {@link Limiter#tryAcquire(long)} in charges of at most
 * the limiter's capacity (a message larger than the capacity is paid in several charges, each waiting for its
 * turn). When a charge is refused the handler pauses: it turns the channel's auto-read off and schedules the next
 * attempt for the refusal's retry time; when the whole debt is paid it turns auto-read back on (which also asks
 * for a read). Messages still arriving from the socket read that was under way when the pause began (at most one
 * read loop's worth: Netty's read loop stops once auto-read is off) are passed on and added to the debt. So the
 * channel runs ahead of its rate by at most one read loop (the receive buffer allocator's size, times its
 * messages per read), and over any longer span it reads no faster than the limiter grants; a receive buffer no
 * larger than the limiter's burst keeps the shaping tight.
 *
 * <h2>Other parties touching auto-read or reading by hand</h2>
 * While paused the handler also holds back {@code read()} requests coming down the pipeline and issues one when
 * the pause ends, so a channel read by hand (auto-read off, the application calling {@code read()}) is throttled
 * too, and in that case auto-read is never touched. The handler turns auto-read back on only if it turned it off
 * itself and it is still off. Auto-read is one flag shared by the whole pipeline: if another handler turns it off
 * during this handler's pause, this handler cannot tell and turns it on when its pause ends; if another handler
 * turns it on during the pause, the next message read turns it off again. Handlers that need their own pauses
 * respected across this one should pause by holding back {@code read()} instead.
 *
 * <h2>Time and life cycle</h2>
 * Decisions read the limiter's ticker; pauses are timed by the channel's event loop (real time), or by the
 * {@link ReadThrottle#withScheduler(Scheduler) scheduler} given to the throttle. Every state change happens on the
 * channel's event loop. The timer stops when the channel becomes inactive or the handler is removed; a removed
 * handler gives auto-read back if it held it, and forgets the debt.
 *
 * <p>One instance per channel: it is not {@link io.netty.channel.ChannelHandler.Sharable sharable}. Made by
 * {@link ReadThrottle#newHandler()}, which returns it as a plain {@code ChannelHandler}: package-private, so that its
 * state and hooks are not API.
 */
final class ReadThrottlingHandler extends ChannelDuplexHandler {

    /** The shortest pause: a refusal with no retry time (a misbehaving limiter) must not spin the event loop. */
    static final long MIN_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(100);

    /** The pause when a limiter refuses even one permit as never grantable (it cannot meter): retry, slowly. */
    static final long NEVER_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ReadThrottle throttle;
    private final ReadThrottle.Weigher weigher;
    private final Scheduler scheduler;

    private ChannelHandlerContext ctx;
    private Limiter limiter;
    /** Permits read but not yet paid: written on the event loop, volatile so gauges and tests may read it. */
    private volatile long owed;
    /** A pause is running: its timer will try to pay the debt. */
    private volatile boolean paused;
    /** Auto-read was turned off by this handler and is to be turned back on by it. */
    private boolean holdsAutoRead;
    /** A read() came down the pipeline during a pause and was held back. */
    private boolean readHeld;
    private boolean removed;
    /** Tells a timer that fires after its pause was stopped (or replaced) to do nothing. */
    private long pauseGeneration;
    private Future<?> eventLoopTimer;
    private Scheduler.Cancellable schedulerTimer;

    ReadThrottlingHandler(ReadThrottle throttle) {
        this.throttle = throttle;
        this.weigher = throttle.weigher();
        this.scheduler = throttle.schedulerOrNull();
    }

    /**
     * Whether the channel is paused: it owes permits its limiter has not granted yet, and reads are held off.
     *
     * @return true while paused
     */
    boolean throttled() {
        return paused;
    }

    /**
     * Permits the channel has read but not yet paid to its limiter.
     *
     * @return zero or more
     */
    long owedPermits() {
        return owed;
    }

    /**
     * Chooses the channel's limiter.
     *
     * @param ctx this handler's context
     * @throws IllegalArgumentException if the throttle's function gives no limiter, or a concurrency limiter
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.limiter = throttle.limiterFor(ctx.channel());
        this.ctx = ctx;
    }

    /**
     * Passes the message on, then charges its weight to the limiter, pausing if the limiter refuses.
     *
     * @param ctx this handler's context
     * @param msg the message read
     * @throws IllegalArgumentException after passing the message on, if the weigher gave a negative weight
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Weighed before passing on: the next handler may release the buffer.
        long weight = weigher.weigh(msg);
        ctx.fireChannelRead(msg);
        Arguments.requireNonNegative("weight", weight);
        if (weight == 0L || removed) {
            return;
        }
        long sum = owed + weight;
        owed = sum < 0 ? Long.MAX_VALUE : sum;
        if (paused) {
            // Another party turned auto-read on during the pause: the pause stands until its timer.
            holdAutoRead();
            return;
        }
        pay();
    }

    /**
     * Holds a read request back during a pause (issuing it when the pause ends), passes it on otherwise.
     *
     * @param ctx this handler's context
     */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (paused) {
            readHeld = true;
            return;
        }
        ctx.read();
    }

    /**
     * Stops the pause's timer: a closed channel owes nothing.
     *
     * @param ctx this handler's context
     * @throws Exception if a later handler throws
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stopPause();
        super.channelInactive(ctx);
    }

    /**
     * Stops the pause's timer and forgets the debt; on an open channel, turns auto-read back on if this handler
     * had turned it off, and issues a read held back during the pause.
     *
     * @param ctx this handler's context
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        removed = true;
        stopPause();
        owed = 0L;
        if (ctx.channel().isActive()) {
            giveReadsBack(false);
        }
    }

    /** Pays the debt in charges of at most the capacity; pauses at the first refusal, resumes when all is paid. */
    private void pay() {
        long cap = Long.MAX_VALUE;
        while (owed > 0L) {
            long charge = Math.min(owed, Math.min(cap, limiter.spec().capacity()));
            if (limiter instanceof RateLimiter rates && rates.allow(charge)) {
                owed -= charge;
                continue;
            }
            Permit permit = limiter.tryAcquire(charge);
            if (permit.granted()) {
                permit.close();
                owed -= charge;
                continue;
            }
            if (permit.never()) {
                // The capacity was lowered by a live reconfiguration since it was read: charge less.
                if (charge > 1L) {
                    cap = charge / 2;
                    continue;
                }
                pause(NEVER_PAUSE_NANOS);
                return;
            }
            pause(permit.retryAfterNanos());
            return;
        }
        giveReadsBack(true);
    }

    private void pause(long retryAfterNanos) {
        holdAutoRead();
        paused = true;
        long generation = ++pauseGeneration;
        long delay = Math.max(MIN_PAUSE_NANOS, retryAfterNanos);
        if (scheduler == null) {
            eventLoopTimer = ctx.executor().schedule(() -> endPause(generation), delay, TimeUnit.NANOSECONDS);
        } else {
            schedulerTimer = scheduler.schedule(() -> {
                try {
                    ctx.executor().execute(() -> endPause(generation));
                } catch (RejectedExecutionException shutDown) {
                    // The event loop is gone, and with it the channel: nothing left to resume.
                }
            }, delay);
        }
    }

    private void endPause(long generation) {
        if (generation != pauseGeneration || !paused) {
            return; // stopped or replaced since this timer was set
        }
        paused = false;
        eventLoopTimer = null;
        schedulerTimer = null;
        if (removed || !ctx.channel().isActive()) {
            return;
        }
        pay();
    }

    private void holdAutoRead() {
        ChannelConfig config = ctx.channel().config();
        if (config.isAutoRead()) {
            config.setAutoRead(false);
            holdsAutoRead = true;
        }
    }

    /**
     * Ends this handler's hold on reading: auto-read back on if it turned it off and nobody turned it on since, and
     * a held-back read issued.
     */
    private void giveReadsBack(boolean throughThisHandler) {
        boolean read = readHeld;
        readHeld = false;
        if (holdsAutoRead) {
            holdsAutoRead = false;
            ChannelConfig config = ctx.channel().config();
            if (!config.isAutoRead()) {
                config.setAutoRead(true); // asks for a read itself
                read = false;
            }
        }
        if (read) {
            if (throughThisHandler) {
                ctx.read();
            } else {
                ctx.channel().read();
            }
        }
    }

    private void stopPause() {
        pauseGeneration++;
        paused = false;
        if (eventLoopTimer != null) {
            eventLoopTimer.cancel(false);
            eventLoopTimer = null;
        }
        if (schedulerTimer != null) {
            schedulerTimer.cancel();
            schedulerTimer = null;
        }
    }
}
