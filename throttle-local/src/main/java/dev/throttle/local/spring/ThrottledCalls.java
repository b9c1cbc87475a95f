package dev.throttle.local.spring;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * The {@link ThrottledCall} of each guarded method of each bean class, made on first need and kept. The advisor
 * notes each method it guards as proxies are made; once every singleton exists, all of them are checked, so that a
 * bad annotation stops the startup rather than the first call (a lazy bean's are checked on its first call).
 *
 * <p>The limiters are looked up only then: the advisor, and so this, exist before most beans, and asking for
 * {@link ThrottleLimiters} earlier would make it (and the properties it binds) before Spring can process them.
 */
final class ThrottledCalls implements SmartInitializingSingleton {

    private final ObjectProvider<ThrottleLimiters> limiters;
    private final Map<Key, ThrottledCall> calls = new ConcurrentHashMap<>();
    private final Set<Key> guarded = ConcurrentHashMap.newKeySet();

    ThrottledCalls(ObjectProvider<ThrottleLimiters> limiters) {
        this.limiters = limiters;
    }

    /**
     * Notes a method the advisor guards, to check it at the end of the startup.
     *
     * @param method the method, as the proxy sees it
     * @param targetClass the bean's class
     */
    void guarded(Method method, Class<?> targetClass) {
        guarded.add(new Key(method, targetClass));
    }

    /**
     * The call of a method of a bean class.
     *
     * @param method the method, as the proxy sees it
     * @param targetClass the bean's class
     * @return its call
     * @throws IllegalStateException if its annotation does not fit the limiters
     */
    ThrottledCall call(Method method, Class<?> targetClass) {
        return calls.computeIfAbsent(new Key(method, targetClass), key -> ThrottledCall.of(method,
                targetClass, ThrottledMethods.find(method, targetClass), limiters.getObject()));
    }

    /** Checks every method guarded so far: a bad annotation fails the startup. */
    @Override
    public void afterSingletonsInstantiated() {
        guarded.forEach(key -> call(key.method(), key.targetClass()));
    }

    /** A method of a bean class: an interface's method and the class's own are two keys of one call. */
    private record Key(Method method, Class<?> targetClass) {
    }
}
