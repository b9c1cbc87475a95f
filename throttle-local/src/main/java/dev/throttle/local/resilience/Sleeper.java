package dev.throttle.local.resilience;

import java.util.concurrent.locks.LockSupport;

/**
 * How a synchronous {@link Retry} waits between attempts. The default parks the calling thread; tests inject one that
 * advances a manual clock instead, so they never sleep.
 */
@FunctionalInterface
public interface Sleeper {

    /**
     * Waits.
     *
     * @param nanos how long, 0 or more
     * @throws InterruptedException if the waiting thread is interrupted
     */
    void sleep(long nanos) throws InterruptedException;

    /**
     * Parks the calling thread with {@link LockSupport#parkNanos(long)} until the delay has passed on
     * {@link System#nanoTime()}, or throws {@link InterruptedException} (clearing the flag) when interrupted.
     *
     * @return the default sleeper
     */
    static Sleeper parking() {
        return nanos -> {
            long deadline = System.nanoTime() + nanos;
            for (;;) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting to retry");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(left);
            }
        };
    }
}
