package dev.throttle.local.spring;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/** Finds the {@link Throttled} annotation that applies to a method of a bean's class. */
final class ThrottledMethods {

    private ThrottledMethods() {
    }

    /**
     * The annotation on the method as the bean's class declares it (for an interface-proxied bean, the caller has the
     * interface's method), or on a method it overrides or implements; else, for a public method, the annotation on the
     * class, a superclass or an interface.
     * The methods of {@code Object} are never guarded by a type's annotation.
     *
     * @param method a method the proxy intercepts
     * @param targetClass the bean's class
     * @return the annotation, or null
     */
    static Throttled find(Method method, Class<?> targetClass) {
        Method specific = mostSpecific(method, targetClass);
        Throttled onMethod = AnnotatedElementUtils.findMergedAnnotation(specific, Throttled.class);
        if (onMethod != null) {
            return onMethod;
        }
        if (!Modifier.isPublic(specific.getModifiers()) || ReflectionUtils.isObjectMethod(specific)) {
            return null;
        }
        return AnnotatedElementUtils.findMergedAnnotation(targetClass, Throttled.class);
    }

    /** The bean class's own declaration of a method (its parameter names, its annotations). */
    static Method mostSpecific(Method method, Class<?> targetClass) {
        return AopUtils.getMostSpecificMethod(method, targetClass);
    }
}
