package dev.throttle.local.spring;

import dev.throttle.ThrottledException;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;

/**
 * Guards calls of a Spring bean's method with a limiter of {@link ThrottleLimiters}, by its name:
 *
 * <pre>{@code
 * @Throttled(limiter = "per-customer", key = "#customerId", fallbackMethod = "cachedQuote")
 * public Quote quote(String customerId) { ... }
 * }</pre>
 *
 * <ul>
 *   <li>A method returning a value (or nothing) takes its permits before it runs, and holds them until it returns or
 *   throws (a concurrency limiter counts the call in flight). A refusal throws a {@link ThrottledException} carrying
 *   the limiter's retry-after.</li>
 *   <li>A method returning a {@code CompletionStage} or {@code CompletableFuture} never blocks: it is called once its
 *   permits are granted (on the thread that grants them when it had to wait), and holds them until its stage
 *   completes. A refusal, or a throw of the method, fails the returned future; cancelling the returned future while
 *   it waits withdraws the call, which then never runs.</li>
 *   <li>A method returning a Reactor {@code Mono} or {@code Flux} is called as usual; each subscription to what it
 *   returns takes the permits before subscribing and holds them until it completes, fails or is cancelled. A refusal
 *   signals a {@link ThrottledException}.</li>
 * </ul>
 *
 * <p>With {@link #fallbackMethod()}, a refusal calls that method instead and returns what it returns. Nothing else is
 * caught: the method's own exceptions reach the caller.
 *
 * <p>On a type, it guards each public method of the type, all counting against the one limiter it names; an
 * annotation on a method takes precedence. Spring applies it through an AOP proxy, so it guards calls
 * that come through the bean (not a method's calls of its own methods), on beans proxied by interface or by class:
 * by the application's auto-proxy creator (Spring Boot's proxies by class unless {@code
 * spring.aop.proxy-target-class=false}), or, where it has none, by Spring's infrastructure-advisor creator, which the
 * auto-configuration then registers (by interface where the bean has one). A bad annotation (an unknown limiter, a key missing
 * or out of place, a bad {@code permits} or {@code maxWait}, a missing or mismatched fallback) stops the startup with
 * an {@link IllegalStateException} naming the method and the attribute.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Throttled {

    /**
     * The limiter's name: a key of {@code throttle.limiters} (one limit for every call) or of {@code throttle.keyed}
     * (one per {@link #key()}), or a name of the application's own {@link ThrottleLimiters} bean.
     *
     * @return the name; the same as {@link #limiter()}
     */
    @AliasFor("limiter")
    String value() default "";

    /**
     * The limiter's name, for those who prefer to spell it out: the same as {@link #value()}.
     *
     * @return the name
     */
    @AliasFor("value")
    String limiter() default "";

    /**
     * Which key of a keyed limiter a call counts against: a SpEL expression over the method's arguments, such as
     * {@code #customerId} or {@code #order.tenant()}, whose value is turned into a string. Arguments are named as
     * compiled with {@code -parameters} (Spring Boot's build plugins set it), and always {@code #p0}, {@code #p1}...
     * Required for a keyed limiter, refused for a shared one. A call whose key is null is refused with an
     * {@link IllegalArgumentException}.
     *
     * @return the expression, or empty for a shared limiter
     */
    String key() default "";

    /**
     * How many permits a call takes.
     *
     * @return from 1 to the limiter's capacity
     */
    long permits() default 1L;

    /**
     * How long a call may wait for its permits, as a duration such as {@code 200ms}, {@code 2s} or {@code PT0.5S}.
     * {@code 0s}, the default, decides at once. A method returning a value blocks its thread while it waits; one
     * returning a stage, a {@code Mono} or a {@code Flux} waits without blocking.
     *
     * @return a duration of 0 or more
     */
    String maxWait() default "0s";

    /**
     * The name of a method of the same bean to call instead when the limiter refuses: it takes the same parameters,
     * optionally followed by a {@link ThrottledException} (the refusal, with its retry-after), and returns the same
     * type (a stage, a {@code Mono} or a {@code Flux} for methods that return one). It may be private; it is called
     * on the bean itself, unguarded. Exceptions it throws reach the caller.
     *
     * @return the method's name, or empty to throw (or signal) the {@link ThrottledException}
     */
    String fallbackMethod() default "";
}
