package dev.throttle.local.resilience;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A window whose counts change in a short critical section, guarded by a spin lock on one word.
 *
 * <p>Why a lock: the counts must move together with the outcomes they summarize (the one leaving the window is
 * subtracted as the new one is added), and one CAS covers one word, which cannot hold the ring position and the
 * counts of a window of up to 2^20 calls, let alone the ring. The lock-free way swaps an immutable snapshot per call,
 * 40 bytes of garbage each. The critical section is a handful of plain reads and writes, so a waiter spins briefly,
 * and yields its processor after a while in case the holder was descheduled.
 */
abstract class GuardedWindow implements OutcomeWindow {

    /** Spins before a waiter starts yielding its processor. */
    private static final int SPINS_BEFORE_YIELD = 64;

    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(GuardedWindow.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Judges the counts after each record. */
    final Verdict verdict;

    /** 1 while a thread is in the critical section. */
    @SuppressWarnings("unused") // accessed through LOCKED
    private volatile int locked;

    GuardedWindow(Verdict verdict) {
        this.verdict = verdict;
    }

    /** Enters the critical section. */
    final void lock() {
        if (!LOCKED.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    /** Leaves the critical section; its writes are visible to the next thread that enters. */
    final void unlock() {
        LOCKED.setRelease(this, 0);
    }

    private void lockContended() {
        int spins = 0;
        for (;;) {
            // Read before trying, so waiters do not take the line from the holder with failing CASes.
            if ((int) LOCKED.getVolatile(this) == 0 && LOCKED.compareAndSet(this, 0, 1)) {
                return;
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** The counts as a {@link Tally} if the verdict is to open, else null. */
    final Tally judge(long calls, long failures, long slowCalls) {
        return verdict.trips(calls, failures, slowCalls) ? new Tally(calls, failures, slowCalls) : null;
    }
}
