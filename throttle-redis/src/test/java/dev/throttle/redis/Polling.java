package dev.throttle.redis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Bounded waits for things outside the limiter's clock (a server starting, a reconnect, a failover), shared by the
 * fixtures and the fault tests. Never used to time a limiter: limiters are tested on manual clocks.
 */
final class Polling {

    private static final long STEP_MILLIS = 20;

    private Polling() {
    }

    /**
     * Polls until the condition holds or the bound passes; the caller asserts the condition afterwards.
     *
     * @param condition what to wait for
     * @param bound the longest wait
     */
    static void until(BooleanSupplier condition, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(STEP_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Polls a real process's condition until it holds, or fails naming {@code what} once the bound passes; a
     * condition that throws is not yet true (a server not up yet), and the last exception is the failure's cause.
     *
     * @param what what is being waited for, for the message
     * @param condition what to wait for
     * @param bound the longest wait
     * @param context more for the message on failure (where the processes' logs are), or empty
     * @throws IllegalStateException if the bound passes first, or the wait is interrupted
     */
    static void await(String what, BooleanSupplier condition, Duration bound, String context) {
        long deadline = System.nanoTime() + bound.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                last = notYet;
            }
            step(what);
        }
        throw new IllegalStateException("no " + what + " within " + bound + context, last);
    }

    /**
     * Sleeps one polling step.
     *
     * @param what what is being waited for, for the message if interrupted
     * @throws IllegalStateException if interrupted
     */
    static void step(String what) {
        try {
            Thread.sleep(STEP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    /**
     * A process's log, for failure messages.
     *
     * @param log the log file
     * @return its last 2,000 characters, or a note why there is none
     */
    static String log(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() > 2_000 ? text.substring(text.length() - 2_000) : text;
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
