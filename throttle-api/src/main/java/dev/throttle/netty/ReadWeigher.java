package dev.throttle.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;

/**
 * Says how many permits a message read from a channel costs. The read throttle charges its limiter that many
 * permits for each message it passes on; a message weighing zero is passed on free.
 *
 * <p>A weigher is called on the channel's event loop before the message is passed on (the next handler may release
 * it), so it must be fast and must not keep the message.
 */
@FunctionalInterface
public interface ReadWeigher {

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
     * @return the byte weigher
     */
    static ReadWeigher bytes() {
        return ReadWeighers.BYTES;
    }

    /**
     * Weighs in messages: every message costs one permit, whatever its size.
     *
     * @return the message weigher
     */
    static ReadWeigher messages() {
        return ReadWeighers.MESSAGES;
    }
}

/** The two stock weighers as constants, so they compare equal and allocate nothing. */
final class ReadWeighers {

    static final ReadWeigher BYTES = message -> {
        if (message instanceof ByteBuf buffer) {
            return buffer.readableBytes();
        }
        if (message instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        return 0L;
    };

    static final ReadWeigher MESSAGES = message -> 1L;

    private ReadWeighers() {
    }
}
