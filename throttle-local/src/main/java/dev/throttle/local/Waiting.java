package dev.throttle.local;

import dev.throttle.Permit;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Blocking on an asynchronous acquisition, the way every local limiter does it. */
final class Waiting {

    private Waiting() {
    }

    /**
     * Waits for a pending acquisition. If the thread is interrupted, the acquisition is withdrawn (cancelling it gives
     * back anything it reserved), the interrupt flag is set again and a refusal is returned; if the grant won the race
     * with the cancel, the grant is returned.
     *
     * @param pending the acquisition; it completes exceptionally only when cancelled
     * @param withdrawn makes the refusal returned after an interrupt
     * @return the decision
     */
    static Permit await(CompletableFuture<Permit> pending, Supplier<Permit> withdrawn) {
        try {
            return pending.get();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            if (pending.cancel(false)) {
                return withdrawn.get();
            }
            return pending.join();
        } catch (ExecutionException | CancellationException unexpected) {
            throw new IllegalStateException("acquisition failed", unexpected);
        }
    }
}
