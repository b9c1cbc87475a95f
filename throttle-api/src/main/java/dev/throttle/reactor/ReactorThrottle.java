package dev.throttle.reactor;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * Guards a {@link Mono} or a {@link Flux} with a limiter, as operators for {@code transform}:
 * <pre>{@code
 * ReactorThrottle db = ReactorThrottle.of(bulkhead).maxWait(Duration.ofMillis(100))
 *         .droppedOn(TimeoutException.class::isInstance);
 * Mono<Row> row = repository.find(id).transform(db.mono());
 * Flux<Event> events = source.transform(ReactorThrottle.of(rateLimiter).maxWait(Duration.ofSeconds(1))
 *         .perElement());
 * }</pre>
 * <ul>
 *   <li>{@link #mono()} and {@link #flux()}: each subscription takes its permits before subscribing to the source,
 *   waiting up to {@link #maxWait} without blocking a thread ({@link Limiter#acquireAsync}), and holds them until the
 *   source completes, fails or is cancelled: then they are closed, exactly once (a concurrency limiter frees its
 *   slots), or reported {@link Permit#dropped() dropped} for a failure {@link #droppedOn} names (an adaptive limiter
 *   learns of the overload). A refusal fails the subscription with a {@link ThrottledException}; a cancel while
 *   waiting withdraws the request, so no permit is left behind.</li>
 *   <li>{@link #perElement()}: for a rate limit, each element of the source waits for its permits before it is
 *   emitted, in order; a refusal (the wait would exceed {@code maxWait}) fails the flux with a
 *   {@link ThrottledException}.</li>
 * </ul>
 * Immutable: each setter returns a new one.
 */
public final class ReactorThrottle {

    private final Limiter limiter;
    private final long permits;
    private final Duration maxWait;
    private final Predicate<? super Throwable> droppedOn;

    private ReactorThrottle(Limiter limiter, long permits, Duration maxWait, Predicate<? super Throwable> droppedOn) {
        this.limiter = limiter;
        this.permits = permits;
        this.maxWait = maxWait;
        this.droppedOn = droppedOn;
    }

    /**
     * Operators on a limiter: one permit per subscription or element, no wait, no failure reported as dropped.
     *
     * @param limiter the limiter
     * @return the operators
     * @throws IllegalArgumentException if {@code limiter} is null
     */
    public static ReactorThrottle of(Limiter limiter) {
        return new ReactorThrottle(Arguments.requireNonNull("limiter", limiter), 1L, Duration.ZERO, failure -> false);
    }

    /**
     * The permits each subscription (or element) takes.
     *
     * @param count from 1 to the limiter's capacity
     * @return new operators
     * @throws IllegalArgumentException if {@code count} is out of range
     */
    public ReactorThrottle permits(long count) {
        Arguments.requirePermits(count, limiter.spec().capacity());
        return new ReactorThrottle(limiter, count, maxWait, droppedOn);
    }

    /**
     * How long a subscription (or element) may wait for its permits, without blocking; 0 decides at once.
     *
     * @param wait 0 or more
     * @return new operators
     * @throws IllegalArgumentException if {@code wait} is null or negative
     */
    public ReactorThrottle maxWait(Duration wait) {
        Arguments.waitNanos("maxWait", wait);
        return new ReactorThrottle(limiter, permits, wait, droppedOn);
    }

    /**
     * Which failures of the source end its permits as {@link Permit#dropped() dropped} (overload: a timeout, a 503)
     * rather than closed.
     *
     * @param predicate true for a failure that reports overload
     * @return new operators
     * @throws IllegalArgumentException if {@code predicate} is null
     */
    public ReactorThrottle droppedOn(Predicate<? super Throwable> predicate) {
        return new ReactorThrottle(limiter, permits, maxWait, Arguments.requireNonNull("predicate", predicate));
    }

    /**
     * Guards each subscription to a {@code Mono}: permits taken before it subscribes, held until it ends.
     *
     * @param <T> the value type
     * @return the operator, for {@link Mono#transform}
     */
    public <T> Function<Mono<T>, Mono<T>> mono() {
        return source -> Mono.fromDirect(guarded(source));
    }

    /**
     * Guards each subscription to a {@code Flux}: permits taken before it subscribes, held until it completes, fails
     * or is cancelled.
     *
     * @param <T> the element type
     * @return the operator, for {@link Flux#transform}
     */
    public <T> Function<Flux<T>, Flux<T>> flux() {
        return source -> Flux.from(guarded(source));
    }

    /** Each subscription waits for its own permits, then subscribes to the source (see {@link PermitGuard}). */
    private <T> Publisher<T> guarded(Publisher<T> source) {
        return subscriber -> {
            CoreSubscriber<? super T> actual = Operators.toCoreSubscriber(subscriber);
            CompletableFuture<Permit> decision;
            try {
                decision = limiter.acquireAsync(permits, maxWait);
            } catch (RuntimeException e) {
                Operators.error(actual, e);
                return;
            }
            new PermitGuard<>(actual, source, droppedOn).start(decision);
        };
    }

    /**
     * Paces a {@code Flux} by a rate limit: each element waits for its permits before it is emitted, in order.
     *
     * @param <T> the element type
     * @return the operator, for {@link Flux#transform}
     * @throws IllegalStateException if the limiter is not a rate limit (a concurrency permit would have to be held
     *     for each element: use {@link #flux()} or {@link #mono()} per element instead)
     */
    public <T> Function<Flux<T>, Flux<T>> perElement() {
        if (!limiter.spec().isRate()) {
            throw new IllegalStateException("perElement() paces by a rate limit; " + limiter
                    + " holds its permits: guard each element's work with mono() instead");
        }
        return source -> source.concatMap(element -> acquire().map(permit -> element));
    }

    /** The permits, once granted; a refusal fails with a {@link ThrottledException}; a cancel withdraws the request. */
    private Mono<Permit> acquire() {
        return Mono.fromFuture(() -> limiter.acquireAsync(permits, maxWait), false)
                .flatMap(permit -> permit.granted() ? Mono.just(permit)
                        : Mono.error(new ThrottledException(permit)));
    }

    @Override
    public String toString() {
        return "ReactorThrottle[" + limiter + ", " + permits + (permits == 1L ? " permit" : " permits")
                + ", wait up to " + maxWait + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReactorThrottle that && limiter.equals(that.limiter) && permits == that.permits
                && maxWait.equals(that.maxWait) && droppedOn.equals(that.droppedOn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(limiter, permits, maxWait, droppedOn);
    }
}
