package dev.throttle.kernel;

/**
 * A grant held until it ends: a bulkhead's or a partition's slots, a Redis lease, an adaptive limit's sample, a
 * client-side throttle's request. What it still holds lives in one word, read and changed only under the permit's
 * own monitor: ending ({@link #close()}, {@link #dropped()}, a withdrawal) swaps it to {@link #ENDED}, and settling
 * replaces it unless it has ended, so whatever the races, the {@link Holder} sees the grant end exactly once, with the
 * count it had then. The holder is told outside the monitor.
 *
 * <p>Why a monitor and not an atomic swap: HotSpot's C2 removes the lock of an object that never leaves the compiled
 * code and then replaces the object by its fields, so a permit taken and closed in one method (try-with-resources)
 * costs no allocation; an atomic operation on the permit's field would keep the object on the heap (64 B a grant).
 * A permit that does escape pays an uncontended lock instead of one atomic swap.
 *
 * <p>Besides the count, a permit carries two values its holder chose at the grant: {@link #grantedAt()} (a clock
 * reading, for a latency sample or a settle) and {@link #tag()} (an in-flight count, a lease id), so a holder that
 * needs them costs no second object per grant.
 */
public final class HeldPermit extends AbstractPermit {

    /** The held word once the permit has ended. */
    public static final long ENDED = -1L;

    /** What a held grant gives back to, or reports to, when it ends or is settled. */
    public interface Holder {

        /**
         * The permit ended: closed ({@code dropped == false}) or dropped. Called once per permit.
         *
         * @param permit the permit
         * @param held what it still held, 0 or more
         * @param dropped whether it ended reporting overload
         */
        void ended(HeldPermit permit, long held, boolean dropped);

        /**
         * The permit was settled from {@code before} (or {@link #ENDED} if it had ended already, when nothing is held
         * any more) to {@code after}. The default gives back what a slot lease no longer needs.
         *
         * @param permit the permit
         * @param before what it held before, or {@link #ENDED}
         * @param after what it holds now
         */
        default void settled(HeldPermit permit, long before, long after) {
            if (before != ENDED && before > after) {
                shrunk(permit, before - after);
            }
        }

        /**
         * Slots given back by settling below the grant, the permit still holding the rest.
         *
         * @param permit the permit
         * @param released 1 or more
         */
        default void shrunk(HeldPermit permit, long released) {
            throw new UnsupportedOperationException("this holder does not shrink grants");
        }

        /**
         * The most a permit may be settled to: its grant, for a slot lease that cannot grow.
         *
         * @param permit the permit
         * @return the largest allowed argument of {@link #settle(long)}
         */
        default long maxSettle(HeldPermit permit) {
            return permit.permits();
        }

        /**
         * The grant was withdrawn before its caller ever held it: give back without waiting, report nothing. Called
         * instead of {@link #ended}, once. Defaults to ending it as closed.
         *
         * @param permit the permit
         * @param held what it held
         */
        default void withdrawn(HeldPermit permit, long held) {
            ended(permit, held, false);
        }
    }

    private final Holder holder;
    private final long grantedAt;
    private final long tag;
    /**
     * What it still holds, or {@link #ENDED}; changed only under this permit's monitor. Volatile so that the value the
     * constructor writes is seen by a thread that gets the permit without synchronizing with its creator.
     */
    private volatile long held;

    /**
     * A grant of {@code permits}, held until it ends.
     *
     * @param limiter the name of the limiter that granted it
     * @param permits the permits granted
     * @param remaining the permits still available right after the grant
     * @param limit the limit of the decision
     * @param holder told when it ends or is settled
     * @param grantedAt a clock reading the holder keeps with the grant
     * @param tag any other value the holder keeps with the grant
     */
    public HeldPermit(String limiter, long permits, long remaining, long limit, Holder holder, long grantedAt,
            long tag) {
        super(limiter, permits, remaining, limit);
        this.holder = holder;
        this.grantedAt = grantedAt;
        this.tag = tag;
        this.held = permits;
    }

    /**
     * A grant.
     *
     * @return true
     */
    @Override
    public boolean granted() {
        return true;
    }

    /**
     * A grant needs no retry.
     *
     * @return 0
     */
    @Override
    public long retryAfterNanos() {
        return 0L;
    }

    /**
     * The clock reading the holder kept with the grant.
     *
     * @return the reading
     */
    public long grantedAt() {
        return grantedAt;
    }

    /**
     * The value the holder kept with the grant.
     *
     * @return the tag
     */
    public long tag() {
        return tag;
    }

    /**
     * What the permit holds now.
     *
     * @return the count, or {@link #ENDED}
     */
    public long held() {
        return held;
    }

    /** A grant already closed, dropped or withdrawn says so: it no longer holds its permits. */
    @Override
    String endText() {
        return held() == ENDED ? ", ended" : "";
    }

    /** Ends the grant, reporting success. Idempotent. */
    @Override
    public void close() {
        long wasHeld = end();
        if (wasHeld != ENDED) {
            holder.ended(this, wasHeld, false);
        }
    }

    /** Ends the grant, reporting overload. Idempotent; after {@link #close()} it does nothing. */
    @Override
    public void dropped() {
        long wasHeld = end();
        if (wasHeld != ENDED) {
            holder.ended(this, wasHeld, true);
        }
    }

    /** Swaps what it holds for {@link #ENDED}: only the first caller gets anything but {@link #ENDED}. */
    private long end() {
        synchronized (this) {
            long wasHeld = held;
            held = ENDED;
            return wasHeld;
        }
    }

    /**
     * Sets what the grant holds from now on, once: a slot lease gives back what it no longer needs (it cannot grow);
     * other holders say what settling means for them. After the grant ended, the holder decides whether it still
     * matters.
     *
     * @param actualPermits from 0 to the holder's {@link Holder#maxSettle maximum} (the grant, for a slot lease)
     * @throws IllegalArgumentException if {@code actualPermits} is out of range
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        Arguments.requireInRange("actualPermits", actualPermits, 0L, holder.maxSettle(this));
        claimSettle(actualPermits);
        long before;
        synchronized (this) {
            before = held;
            if (before != ENDED) {
                held = actualPermits;
            }
        }
        holder.settled(this, before, actualPermits);
    }

    /** Gives the grant back without reporting it, unless it ended already. */
    @Override
    public void withdraw() {
        claimWithdrawal();
        long wasHeld = end();
        if (wasHeld != ENDED) {
            holder.withdrawn(this, wasHeld);
        }
    }
}
