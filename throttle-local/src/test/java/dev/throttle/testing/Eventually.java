package dev.throttle.testing;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Bounded polling for what a server does on its own threads after a client has its answer (ending permits, noticing
 * a closed connection): never a fixed sleep, never longer than five seconds.
 */
public final class Eventually {

    private Eventually() {
    }

    /**
     * Waits, at most five seconds, for a condition.
     *
     * @param condition what must become true
     * @return whether it did in time
     */
    public static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        return true;
    }
}
