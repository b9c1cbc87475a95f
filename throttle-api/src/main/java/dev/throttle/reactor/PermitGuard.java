package dev.throttle.reactor;

import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One guarded subscription: waits for its permits, then subscribes to the source, and ends the permits exactly once
 * when the source completes or fails or the subscriber cancels. A state word decides every race: a grant that comes
 * after a cancel is given back unused, and a cancel after the grant cancels the source before it frees the permits
 * (waiting for the source's subscription if it has not come yet), so the source never runs without them. (The
 * composition of Reactor operators used before, {@code Mono.fromFuture} and {@code usingWhen}, lost a permit to a
 * cancel racing the grant in about one run in three of {@code ReactorThrottleStressTest}.)
 *
 * <p>The source sees the subscriber's {@link Context}. A grant subscribes the source on the thread that granted it,
 * which is often one ending another permit: a source that completes at once then ends its own permit, which grants
 * the next waiter, and so on through the whole queue. Those subscriptions are run one after another from a per-thread
 * queue instead of one inside another, so a long queue never overflows the stack.
 *
 * @param <T> the element type
 */
final class PermitGuard<T> extends Operators.DeferredSubscription implements CoreSubscriber<T> {

    private static final int WAITING = 0;
    private static final int HOLDING = 1;
    private static final int ENDED = 2;

    /** This thread's grants waiting to subscribe their sources; one per thread, so a grant allocates nothing. */
    private static final ThreadLocal<Subscribing> SUBSCRIBING = ThreadLocal.withInitial(Subscribing::new);

    /** Whether this thread is subscribing a source now, and the grants to subscribe after it, in order. */
    private static final class Subscribing {
        boolean running;
        final ArrayDeque<PermitGuard<?>> queued = new ArrayDeque<>();
    }

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
        Subscribing thread = SUBSCRIBING.get();
        if (thread.running) {
            thread.queued.add(this); // inside another grant's subscription on this thread: after it, not within it
            return;
        }
        thread.running = true;
        try {
            for (PermitGuard<?> next = this; next != null; next = thread.queued.poll()) {
                try {
                    next.subscribeSource();
                } catch (Throwable escaped) {
                    // A subscriber whose own onError threw: reported, and the grants queued behind it still go on.
                    Operators.onErrorDropped(escaped, next.actual.currentContext());
                }
            }
        } finally {
            thread.running = false;
        }
    }

    /**
     * Subscribes the source under the permits held. It runs in a {@code CompletableFuture} callback, which would
     * swallow what it throws: a source that throws on subscribe (Reactor rethrows the JVM's fatal errors) fails the
     * subscriber and ends the permits instead of holding them for good.
     */
    private void subscribeSource() {
        try {
            source.subscribe(this);
        } catch (Throwable thrown) {
            if (state.compareAndSet(HOLDING, ENDED)) {
                permit.close();
                actual.onError(thrown);
            } else {
                Operators.onErrorDropped(thrown, actual.currentContext());
            }
        }
    }

    /**
     * The subscriber's context, which the source reads (a security context, a trace).
     *
     * @return the downstream subscriber's context
     */
    @Override
    public Context currentContext() {
        return actual.currentContext();
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
        boolean dropped;
        try {
            dropped = droppedOn.test(failure);
        } catch (RuntimeException | Error broken) {
            // The predicate could not judge: the permits end as closed, and the subscriber learns of both.
            end(false);
            broken.addSuppressed(failure);
            actual.onError(broken);
            return;
        }
        end(dropped);
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
