package dev.throttle.local.spring;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.framework.AopProxyUtils;

/**
 * Guards each call of a {@link Throttled} method: a method returning a value here, a stage in {@link StageGuard}, a
 * {@code Mono} or {@code Flux} in {@link ReactiveGuard}.
 */
final class ThrottledInterceptor implements MethodInterceptor {

    private final ThrottledCalls calls;

    ThrottledInterceptor(ThrottledCalls calls) {
        this.calls = calls;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Class<?> targetClass = target != null ? AopProxyUtils.ultimateTargetClass(target)
                : invocation.getMethod().getDeclaringClass();
        ThrottledCall call = calls.call(invocation.getMethod(), targetClass);
        Limiter limiter = call.limiter(invocation.getArguments());
        switch (call.kind()) {
            case STAGE:
                return StageGuard.guard(call, limiter, invocation);
            case REACTIVE:
                return ReactiveGuard.guard(call, limiter, invocation);
            default:
                return value(call, limiter, invocation);
        }
    }

    /** Takes the permits (waiting up to maxWait on this thread) and holds them for the call. */
    private static Object value(ThrottledCall call, Limiter limiter, MethodInvocation invocation) throws Throwable {
        Permit permit = call.maxWait().isZero() ? limiter.tryAcquire(call.permits())
                : limiter.acquire(call.permits(), call.maxWait());
        if (!permit.granted()) {
            return call.refused(invocation.getThis(), invocation.getArguments(), new ThrottledException(permit));
        }
        try {
            return invocation.proceed();
        } finally {
            permit.close();
        }
    }
}
