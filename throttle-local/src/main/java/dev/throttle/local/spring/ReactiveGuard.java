package dev.throttle.local.spring;

import dev.throttle.Limiter;
import dev.throttle.ThrottledException;
import dev.throttle.reactor.ReactorThrottle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.aopalliance.intercept.MethodInvocation;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Guards each subscription to the {@code Mono} or {@code Flux} a {@link Throttled} method returns, with
 * {@link ReactorThrottle}: permits taken before it subscribes and closed exactly once when it ends. Loaded only when
 * Reactor is on the class path.
 */
final class ReactiveGuard {

    private ReactiveGuard() {
    }

    /**
     * Whether a method's return type is guarded per subscription.
     *
     * @param returnType the method's return type
     * @param where names the annotated method, for messages
     * @return true for {@code Mono} and {@code Flux}
     * @throws IllegalStateException for another publisher, which would be guarded only while it is made
     */
    static boolean guards(Class<?> returnType, String where) {
        if (returnType == Mono.class || returnType == Flux.class) {
            return true;
        }
        if (Publisher.class.isAssignableFrom(returnType)) {
            throw new IllegalStateException(where + ": returns " + returnType.getName()
                    + "; a guarded publisher is returned as a Mono or a Flux");
        }
        return false;
    }

    /**
     * Calls the method and guards the subscriptions to what it returns; a refusal before the source is subscribed
     * switches to the fallback's publisher, if there is a fallback.
     *
     * @param call the method's call
     * @param limiter the call's limiter
     * @param invocation the call
     * @return the guarded {@code Mono} or {@code Flux}
     * @throws Throwable what the method throws
     */
    @SuppressWarnings("unchecked")
    static Object guard(ThrottledCall call, Limiter limiter, MethodInvocation invocation) throws Throwable {
        Object source = invocation.proceed();
        ReactorThrottle throttle = ReactorThrottle.of(limiter).permits(call.permits()).maxWait(call.maxWait());
        if (source instanceof Mono) {
            Mono<Object> mono = (Mono<Object>) source;
            return Mono.defer(() -> {
                AtomicBoolean subscribed = new AtomicBoolean();
                return Mono.defer(() -> subscribing(subscribed, mono)).transform(throttle.mono())
                        .onErrorResume(refusedBefore(subscribed, call), e -> Mono.from(fallback(call, invocation, e)));
            });
        }
        if (source instanceof Flux) {
            Flux<Object> flux = (Flux<Object>) source;
            return Flux.defer(() -> {
                AtomicBoolean subscribed = new AtomicBoolean();
                return Flux.defer(() -> subscribing(subscribed, flux)).transform(throttle.flux())
                        .onErrorResume(refusedBefore(subscribed, call), e -> fallback(call, invocation, e));
            });
        }
        return source;   // null: nothing to guard
    }

    /** Notes that the permits were granted and the source is being subscribed. */
    private static <P> P subscribing(AtomicBoolean subscribed, P source) {
        subscribed.set(true);
        return source;
    }

    /** A refusal of the guard (not a ThrottledException of the source's own) that the fallback answers. */
    private static Predicate<Throwable> refusedBefore(AtomicBoolean subscribed, ThrottledCall call) {
        return failure -> call.hasFallback() && failure instanceof ThrottledException && !subscribed.get();
    }

    @SuppressWarnings("unchecked")
    private static Publisher<Object> fallback(ThrottledCall call, MethodInvocation invocation, Throwable refusal) {
        try {
            Publisher<Object> answer = (Publisher<Object>) call.refused(invocation.getThis(),
                    invocation.getArguments(), (ThrottledException) refusal);
            return answer != null ? answer : Mono.error(new IllegalStateException(call + ": the fallback returned null"));
        } catch (Throwable failure) {
            return Mono.error(failure);
        }
    }
}
