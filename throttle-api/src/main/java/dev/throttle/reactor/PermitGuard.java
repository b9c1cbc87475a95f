package dev.throttle.reactor;

import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * One guarded subscription: waits for its permits, then subscribes to the source, and ends the permits exactly once
 * when the source completes or fails or the subscriber cancels. A state word decides every race: a grant that comes
 * after a cancel is given back unused, and a cancel after the grant cancels the source before it frees the permits
 * (waiting for the source's subscription if it has not come yet), so the source never runs without them. (The
 * composition of Reactor operators used before, {@code Mono.fromFuture} and {@code usingWhen}, lost a permit to a
 * cancel racing the grant in about one run in three of {@code ReactorThrottleStressTest}.)
 *
 * @param <T> the element type
 */
final class PermitGuard<T> extends Operators.DeferredSubscription implements CoreSubscriber<T> {

    private static final int WAITING = 0;
    private static final int HOLDING = 1;
    private static final int ENDED = 2;

    private final CoreSubscriber<? super T> actual;
    private final Publisher<? extends T> source;
    private final Predicate<? super Throwable> droppedOn;
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private volatile CompletableFuture<Permit> decision;
    private volatile Permit permit;
    /** The source's subscription has been set (and cancelled at once if the subscriber had cancelled). */
    private volatile boolean subscribed;

    PermitGuard(CoreSubscriber<? super T> actual, Publisher<? extends T> source,
            Predicate<? super Throwable> droppedOn) {
        this.actual = actual;
        this.source = source;
        this.droppedOn = droppedOn;
    }

    /** Hands the subscriber its subscription, then waits for the decision. */
    void start(CompletableFuture<Permit> pending) {
        decision = pending;
        actual.onSubscribe(this);
        pending.whenComplete(this::decided);
    }

    private void decided(Permit granted, Throwable failure) {
        if (granted == null) {
            if (state.compareAndSet(WAITING, ENDED) && !(failure instanceof CancellationException)) {
                actual.onError(failure);
            }
            return;
        }
        if (!granted.granted()) {
            if (state.compareAndSet(WAITING, ENDED)) {
                actual.onError(new ThrottledException(granted));
            }
            return;
        }
        permit = granted;
        if (!state.compareAndSet(WAITING, HOLDING)) {
            granted.giveBack(); // cancelled while the grant was on its way: never used
            return;
        }
        source.subscribe(this);
    }

    @Override
    public void onSubscribe(Subscription upstream) {
        set(upstream); // cancels it at once if the subscriber has cancelled meanwhile
        subscribed = true;
        if (isCancelled()) {
            end(false); // a cancel that came before the source's subscription left the permits to end here
        }
    }

    @Override
    public void onNext(T value) {
        actual.onNext(value);
    }

    @Override
    public void onError(Throwable failure) {
        end(droppedOn.test(failure));
        actual.onError(failure);
    }

    @Override
    public void onComplete() {
        end(false);
        actual.onComplete();
    }

    @Override
    public void cancel() {
        super.cancel(); // the source first, so that it has stopped before its permits go to another
        if (state.compareAndSet(WAITING, ENDED)) {
            decision.cancel(false); // withdraws a waiting request; a grant that wins the race is given back
        } else if (subscribed) {
            end(false);
        }
        // Else granted but the source not subscribed yet: onSubscribe cancels it, then ends the permits.
    }

    /** Ends the permits once: as overload when {@code dropped}, else as success. */
    private void end(boolean dropped) {
        if (state.compareAndSet(HOLDING, ENDED)) {
            if (dropped) {
                permit.dropped();
            } else {
                permit.close();
            }
        }
    }
}
