package dev.throttle.local.spring;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.aopalliance.intercept.MethodInvocation;

/**
 * Guards a {@link Throttled} method that returns a {@code CompletionStage}, without blocking: the method is called
 * once its permits are granted, and they are held until its stage completes. The returned future completes after the
 * permits are closed, so a caller that sees it complete can count on them being free.
 */
final class StageGuard {

    private StageGuard() {
    }

    /**
     * Takes the permits, then calls the method.
     *
     * @param call the method's call
     * @param limiter the call's limiter
     * @param invocation the call
     * @return a future of the method's result; failed with a {@link ThrottledException} on a refusal without a
     *     fallback, or with what the method throws
     */
    static CompletableFuture<Object> guard(ThrottledCall call, Limiter limiter, MethodInvocation invocation) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        CompletableFuture<Permit> pending = limiter.acquireAsync(call.permits(), call.maxWait());
        // Cancelling the returned future withdraws a call still waiting for its permits.
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                pending.cancel(false);
            }
        });
        pending.whenComplete((permit, failure) -> {
            if (result.isCancelled()) {
                if (permit != null) {
                    permit.giveBack(); // granted as the caller cancelled: the method is not called
                }
            } else if (failure != null) {
                result.completeExceptionally(failure);
            } else if (permit.granted()) {
                proceed(call, invocation, permit, result);
            } else {
                refused(call, invocation, new ThrottledException(permit), result);
            }
        });
        return result;
    }

    private static void proceed(ThrottledCall call, MethodInvocation invocation, Permit permit,
            CompletableFuture<Object> result) {
        try {
            pipe(call, invocation.proceed(), permit, result);
        } catch (Throwable failure) {
            permit.close();
            result.completeExceptionally(failure);
        }
    }

    private static void refused(ThrottledCall call, MethodInvocation invocation, ThrottledException refusal,
            CompletableFuture<Object> result) {
        try {
            pipe(call, call.refused(invocation.getThis(), invocation.getArguments(), refusal), null, result);
        } catch (Throwable failure) {
            result.completeExceptionally(failure);
        }
    }

    /** Completes the result as the stage completes, after closing the permit (if any). */
    private static void pipe(ThrottledCall call, Object stage, Permit permit, CompletableFuture<Object> result) {
        if (stage == null) {
            throw new IllegalStateException(call + ": returned null instead of a CompletionStage");
        }
        ((CompletionStage<?>) stage).whenComplete((value, failure) -> {
            if (permit != null) {
                permit.close();
            }
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        });
    }
}
