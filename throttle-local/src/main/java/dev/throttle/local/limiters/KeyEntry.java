package dev.throttle.local.limiters;

import dev.throttle.Limiter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One key's value in a keyed limiter's cache: the key's limiter, and the one word that tells the cache's expiry how
 * long the key's state still matters. With compressed references an entry is 24 bytes (its key is a reference the cache holds anyway).
 *
 * <p>Entries are compared by identity: a key whose entry was forgotten gets a new entry, never the old one back, so
 * "the cache still maps the key to this entry" means "this limiter is still the key's limiter".
 */
abstract class KeyEntry {

    /** The key, so a permit of the entry can find it again. */
    final Object key;
    final Limiter limiter;

    KeyEntry(Object key, Limiter limiter) {
        this.key = key;
        this.limiter = limiter;
    }

    /**
     * The entry of a spec whose state rests by itself with time (windows and buckets). Its state matters for the
     * spec's {@code restNanos} after its last use, and longer when a waiting request or a debt pushed it further
     * ahead: {@link #holdUntil} records that moment.
     */
    static final class Timed extends KeyEntry {

        private static final VarHandle HOLD_UNTIL;

        static {
            try {
                HOLD_UNTIL = MethodHandles.lookup().findVarHandle(Timed.class, "holdUntil", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Ticker reading before which the state must not be forgotten; only ever moves forward. */
        @SuppressWarnings("unused") // accessed through HOLD_UNTIL
        private volatile long holdUntil;

        Timed(Object key, Limiter limiter, long now) {
            super(key, limiter);
            this.holdUntil = now;
        }

        /** Nanoseconds from {@code now} until the hold ends, or a negative number once it has. */
        long heldFor(long now) {
            return (long) HOLD_UNTIL.getVolatile(this) - now;
        }

        /** Extends the hold to {@code until} (a ticker reading) unless it already reaches further. */
        void holdUntil(long until) {
            for (;;) {
                long current = (long) HOLD_UNTIL.getVolatile(this);
                // Compared by difference, as ticker readings may wrap.
                if (until - current <= 0 || HOLD_UNTIL.compareAndSet(this, current, until)) {
                    return;
                }
            }
        }
    }

    /**
     * The entry of a spec whose state is the permits held (concurrency): it matters as long as one is held.
     * {@link #held} counts the granted permits handed out for this entry and not yet closed.
     */
    static final class Held extends KeyEntry {

        private static final VarHandle HELD;

        static {
            try {
                HELD = MethodHandles.lookup().findVarHandle(Held.class, "held", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // accessed through HELD
        private volatile long held;

        Held(Object key, Limiter limiter) {
            super(key, limiter);
        }

        /** Counts a permit handed out. */
        void acquired() {
            HELD.getAndAdd(this, 1L);
        }

        /**
         * Counts a permit closed.
         *
         * @return true if no permit is held any more
         */
        boolean released() {
            return (long) HELD.getAndAdd(this, -1L) == 1L;
        }

        boolean busy() {
            return (long) HELD.getVolatile(this) > 0L;
        }
    }
}
