package dev.throttle.local.spring;

import dev.throttle.ThrottledException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.springframework.util.ReflectionUtils;

/** The method a {@link Throttled#fallbackMethod()} names, found on the bean's class and called on a refusal. */
final class ThrottledFallback {

    private final Method method;
    private final boolean takesRefusal;

    private ThrottledFallback(Method method, boolean takesRefusal) {
        this.method = method;
        this.takesRefusal = takesRefusal;
    }

    /**
     * The fallback of a guarded method: the one that also takes the {@link ThrottledException} if the class has both.
     *
     * @param guarded the guarded method, as the bean's class declares it
     * @param targetClass the bean's class
     * @param name the attribute's value
     * @param where names the annotated method, for messages
     * @return the fallback, or null if {@code name} is empty
     * @throws IllegalStateException if there is no such method or it returns another type
     */
    static ThrottledFallback find(Method guarded, Class<?> targetClass, String name, String where) {
        if (name.isEmpty()) {
            return null;
        }
        Class<?>[] parameters = guarded.getParameterTypes();
        Class<?>[] withRefusal = Arrays.copyOf(parameters, parameters.length + 1);
        withRefusal[parameters.length] = ThrottledException.class;
        Method method = ReflectionUtils.findMethod(targetClass, name, withRefusal);
        boolean takesRefusal = method != null;
        if (method == null) {
            method = ReflectionUtils.findMethod(targetClass, name, parameters);
        }
        if (method == null) {
            String types = Arrays.stream(parameters).map(Class::getSimpleName).collect(Collectors.joining(", "));
            throw new IllegalStateException(where + ": fallbackMethod \"" + name + "\" is not a method of "
                    + targetClass.getName() + " taking (" + types + ") or (" + types
                    + (types.isEmpty() ? "" : ", ") + "ThrottledException)");
        }
        if (!guarded.getReturnType().isAssignableFrom(method.getReturnType())) {
            throw new IllegalStateException(where + ": fallbackMethod \"" + name + "\" returns "
                    + method.getReturnType().getName() + ", not " + guarded.getReturnType().getName());
        }
        ReflectionUtils.makeAccessible(method);
        return new ThrottledFallback(method, takesRefusal);
    }

    /**
     * Calls the fallback on the bean itself (not its proxy: a fallback is not guarded).
     *
     * @param target the bean
     * @param arguments the guarded call's arguments
     * @param refusal the refusal
     * @return what the fallback returns
     * @throws Throwable what the fallback throws
     */
    Object call(Object target, Object[] arguments, ThrottledException refusal) throws Throwable {
        Object[] passed = arguments;
        if (takesRefusal) {
            passed = Arrays.copyOf(arguments, arguments.length + 1);
            passed[arguments.length] = refusal;
        }
        try {
            return method.invoke(target, passed);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
