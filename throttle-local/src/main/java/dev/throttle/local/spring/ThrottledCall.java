package dev.throttle.local.spring;

import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.ThrottledException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;

/**
 * What a {@link Throttled} method's calls do, checked once against the limiters: which limiter (and key), how many
 * permits, how long to wait, what the method returns and the fallback. Immutable and thread-safe.
 */
final class ThrottledCall {

    /** How a guarded method hands back its result, which decides how long its permits are held. */
    enum Kind {
        /** A value (or nothing): held for the call. */
        VALUE,
        /** A {@code CompletionStage}: held until it completes. */
        STAGE,
        /** A Reactor {@code Mono} or {@code Flux}: held for each subscription. */
        REACTIVE
    }

    /** Reactor is optional: its types are looked at only when it is there. */
    private static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono",
            ThrottledCall.class.getClassLoader());
    private static final SpelExpressionParser PARSER = new SpelExpressionParser();
    private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    private final String where;
    private final Method method;
    private final Limiter shared;
    private final KeyedLimiter<String> keyed;
    private final Expression key;
    private final long permits;
    private final Duration maxWait;
    private final Kind kind;
    private final ThrottledFallback fallback;

    private ThrottledCall(String where, Method method, Limiter shared, KeyedLimiter<String> keyed, Expression key,
            long permits, Duration maxWait, Kind kind, ThrottledFallback fallback) {
        this.where = where;
        this.method = method;
        this.shared = shared;
        this.keyed = keyed;
        this.key = key;
        this.permits = permits;
        this.maxWait = maxWait;
        this.kind = kind;
        this.fallback = fallback;
    }

    /**
     * Checks a method's annotation against the limiters.
     *
     * @param method the method a proxy intercepts
     * @param targetClass the bean's class
     * @param annotation its annotation
     * @param limiters the application's limiters
     * @return the call
     * @throws IllegalStateException naming the method and the attribute, if the annotation does not fit
     */
    static ThrottledCall of(Method method, Class<?> targetClass, Throttled annotation, ThrottleLimiters limiters) {
        Method specific = ThrottledMethods.mostSpecific(method, targetClass);
        String where = "@Throttled on " + ClassUtils.getQualifiedMethodName(specific, targetClass);
        String name = annotation.value();
        if (name.isEmpty()) {
            throw new IllegalStateException(where + ": value (or limiter) must name a limiter");
        }
        Limiter shared = limiters.find(name).orElse(null);
        KeyedLimiter<String> keyed = limiters.findKeyed(name).orElse(null);
        Expression key = null;
        if (shared == null && keyed == null) {
            throw new IllegalStateException(where + ": limiter \"" + name + "\" is none of the limiters "
                    + limiters.limiters().keySet() + " or keyed limiters " + limiters.keyedLimiters().keySet());
        } else if (keyed != null && !annotation.key().isEmpty()) {
            key = parse(annotation.key(), where);
            shared = null;
        } else if (shared == null) {
            throw new IllegalStateException(where + ": limiter \"" + name + "\" is keyed: key must say which key "
                    + "a call counts against, such as key = \"#customerId\"");
        } else if (!annotation.key().isEmpty()) {
            throw new IllegalStateException(where + ": limiter \"" + name + "\" is shared by every call: key \""
                    + annotation.key() + "\" is refused");
        }
        long capacity = shared != null ? shared.spec().capacity() : keyed.spec().capacity();
        if (annotation.permits() < 1 || annotation.permits() > capacity) {
            throw new IllegalStateException(where + ": permits = " + annotation.permits()
                    + " is out of range; allowed range is [1, " + capacity + "]");
        }
        return new ThrottledCall(where, specific, shared, keyed, key, annotation.permits(),
                maxWait(annotation.maxWait(), where), kind(specific.getReturnType(), where),
                ThrottledFallback.find(specific, targetClass, annotation.fallbackMethod(), where));
    }

    private static Expression parse(String key, String where) {
        try {
            return PARSER.parseExpression(key);
        } catch (ParseException e) {
            throw new IllegalStateException(where + ": key \"" + key + "\" is not a SpEL expression: "
                    + e.getMessage(), e);
        }
    }

    private static Duration maxWait(String text, String where) {
        Duration wait;
        try {
            wait = DurationStyle.detectAndParse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": maxWait \"" + text
                    + "\" is not a duration such as 200ms, 2s or PT0.5S", e);
        }
        if (wait.isNegative()) {
            throw new IllegalStateException(where + ": maxWait = " + text + " is negative; it must be 0s or more");
        }
        return wait;
    }

    private static Kind kind(Class<?> returnType, String where) {
        if (CompletionStage.class.isAssignableFrom(returnType)) {
            if (!returnType.isAssignableFrom(CompletableFuture.class)) {
                throw new IllegalStateException(where + ": returns " + returnType.getName()
                        + "; a guarded stage is returned as a CompletionStage or a CompletableFuture");
            }
            return Kind.STAGE;
        }
        return REACTOR && ReactiveGuard.guards(returnType, where) ? Kind.REACTIVE : Kind.VALUE;
    }

    /**
     * The limiter of a call: the shared one, or the keyed limiter's for the key its arguments give.
     *
     * @param arguments the call's arguments
     * @return the limiter
     * @throws IllegalArgumentException if the key is null
     */
    Limiter limiter(Object[] arguments) {
        if (shared != null) {
            return shared;
        }
        Object value = key.getValue(new MethodBasedEvaluationContext(null, method, arguments, NAMES));
        if (value == null) {
            throw new IllegalArgumentException(where + ": key " + key.getExpressionString() + " is null");
        }
        return keyed.forKey(value.toString());
    }

    /** @return how the permits are held */
    Kind kind() {
        return kind;
    }

    /** @return the permits of a call */
    long permits() {
        return permits;
    }

    /** @return how long a call may wait for its permits */
    Duration maxWait() {
        return maxWait;
    }

    /**
     * What a refused call returns: the fallback's result, or (without a fallback) a throw of the refusal.
     *
     * @param target the bean
     * @param arguments the call's arguments
     * @param refusal the refusal
     * @return the fallback's result
     * @throws Throwable the refusal, or what the fallback throws
     */
    Object refused(Object target, Object[] arguments, ThrottledException refusal) throws Throwable {
        if (fallback == null) {
            throw refusal;
        }
        return fallback.call(target, arguments, refusal);
    }

    /** @return whether a refusal calls a fallback (rather than failing) */
    boolean hasFallback() {
        return fallback != null;
    }

    @Override
    public String toString() {
        return where;
    }
}
