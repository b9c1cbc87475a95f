package dev.throttle.local.limiters;

import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One waiting request on a keyed limiter: asks the key's limiter to wait (it parks no thread), confirms its
 * decision with the race guard, and asks again, with the time left, if the key's limiter was replaced meanwhile.
 * Withdrawing it withdraws the request from the key's limiter, which gives back anything reserved.
 */
final class KeyedAcquisition<K> extends Acquisition {

    private final LocalKeyedLimiter<K> owner;
    private final K key;

    KeyedAcquisition(LocalKeyedLimiter<K> owner, K key, long permits, long maxWaitNanos, Ticker ticker) {
        // The key's limiter does the waiting on its own scheduler: this acquisition schedules nothing itself.
        super(permits, deadlineAfter(ticker, maxWaitNanos), ticker, NO_SCHEDULER);
        this.owner = owner;
        this.key = key;
    }

    private static final Scheduler NO_SCHEDULER = (task, delayNanos) -> {
        throw new IllegalStateException("a keyed acquisition waits on its key's limiter");
    };

    @Override
    protected void attempt() {
        long left = left(clock.read());
        KeyEntry entry = owner.entryFor(key, left);
        CompletableFuture<Permit> decision;
        try {
            decision = left > 0L
                    ? entry.limiter.acquireAsync(permits, Duration.ofNanos(left))
                    : CompletableFuture.completedFuture(entry.limiter.tryAcquire(permits));
        } catch (RuntimeException | Error e) {
            owner.abandoned(key, entry);
            throw e;
        }
        follow(decision, (permit, failure) -> {
            if (failure != null) {
                owner.abandoned(key, entry);
                failUnlessCancelled(failure);
                return;
            }
            Permit confirmed = owner.confirm(key, entry, permit);
            if (confirmed == null) {
                retryNow(); // the key's limiter was replaced meanwhile: ask the current one
            } else {
                grant(confirmed); // a refusal too: grant() completes with whatever the decision is
            }
        });
    }
}
