package dev.throttle.local.spring;

import java.lang.reflect.Method;
import org.aopalliance.aop.Advice;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * Applies {@link ThrottledInterceptor} to the methods {@link Throttled} guards. An infrastructure bean of the
 * auto-configuration, so that Spring Boot's auto-proxy creator (there with {@code spring.aop.auto}, with or without
 * AspectJ) proxies the beans that have such methods, by interface or by class as the application's proxy settings
 * say.
 */
final class ThrottledAdvisor extends AbstractPointcutAdvisor {

    private final Pointcut pointcut;
    private final Advice advice;

    ThrottledAdvisor(ThrottledCalls calls) {
        this.pointcut = new GuardedMethods(calls);
        this.advice = new ThrottledInterceptor(calls);
    }

    @Override
    public Pointcut getPointcut() {
        return pointcut;
    }

    @Override
    public Advice getAdvice() {
        return advice;
    }

    /** The methods with a {@link Throttled} annotation, each noted for the check at the end of the startup. */
    private static final class GuardedMethods extends StaticMethodMatcherPointcut {

        private final ThrottledCalls calls;

        GuardedMethods(ThrottledCalls calls) {
            this.calls = calls;
        }

        @Override
        public boolean matches(Method method, Class<?> targetClass) {
            if (ThrottledMethods.find(method, targetClass) == null) {
                return false;
            }
            calls.guarded(method, targetClass);
            return true;
        }
    }
}
