package dev.throttle.local;

import dev.throttle.Permit;
import dev.throttle.Ticker;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * One waiting request on a keyed limiter: asks the key's limiter to wait (it parks no thread), confirms its
 * decision with the race guard, and asks again, with the time left, if the key's limiter was replaced meanwhile.
 * Cancelling {@link #result} withdraws the request from the key's limiter, which gives back anything reserved.
 */
final class KeyedAcquisition<K> {

    private final LocalKeyedLimiter<K> owner;
    private final K key;
    private final long permits;
    private final long deadline;
    private final Ticker ticker;
    final CompletableFuture<Permit> result = new CompletableFuture<>();
    /** The key limiter's pending answer to the current attempt. */
    private volatile CompletableFuture<Permit> pending;

    KeyedAcquisition(LocalKeyedLimiter<K> owner, K key, long permits, long deadline, Ticker ticker) {
        this.owner = owner;
        this.key = key;
        this.permits = permits;
        this.deadline = deadline;
        this.ticker = ticker;
    }

    CompletableFuture<Permit> start() {
        result.whenComplete((permit, failure) -> {
            CompletableFuture<Permit> current = pending;
            if (result.isCancelled() && current != null) {
                current.cancel(false);
            }
        });
        attempt();
        return result;
    }

    private void attempt() {
        if (result.isDone()) {
            return;
        }
        long left = Math.max(0L, deadline - ticker.read());
        KeyEntry entry = owner.entryFor(key, left);
        CompletableFuture<Permit> decision;
        try {
            decision = left > 0L
                    ? entry.limiter.acquireAsync(permits, Duration.ofNanos(left))
                    : CompletableFuture.completedFuture(entry.limiter.tryAcquire(permits));
        } catch (RuntimeException | Error e) {
            owner.abandoned(key, entry);
            result.completeExceptionally(e);
            return;
        }
        pending = decision;
        if (result.isCancelled()) {
            // The cancel hook may have run before this attempt was visible to it.
            decision.cancel(false);
        }
        decision.whenComplete((permit, failure) -> decided(entry, permit, failure));
    }

    private void decided(KeyEntry entry, Permit decision, Throwable failure) {
        if (failure != null) {
            owner.abandoned(key, entry);
            if (!(failure instanceof CancellationException)) {
                result.completeExceptionally(failure);
            }
            return;
        }
        Permit confirmed = owner.confirm(key, entry, decision);
        if (confirmed == null) {
            attempt();
        } else if (!result.complete(confirmed) && confirmed.granted()) {
            // Cancelled while the grant was on its way: give it back.
            confirmed.giveBack();
        }
    }
}
