package dev.throttle.http;

import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.Arguments;
import java.util.Optional;

/**
 * One limit a request is checked against: a limiter shared by every request it applies to, or a keyed limiter and
 * the {@link KeyResolver} that picks each request's key. Each request takes one permit. Immutable.
 */
public final class HttpLimit {

    private final Limiter shared;
    private final KeyedLimiter<String> keyed;
    private final KeyResolver resolver;

    private HttpLimit(Limiter shared, KeyedLimiter<String> keyed, KeyResolver resolver) {
        this.shared = shared;
        this.keyed = keyed;
        this.resolver = resolver;
    }

    /**
     * A limit shared by every request it applies to.
     *
     * @param limiter the limiter
     * @return the limit
     * @throws IllegalArgumentException if {@code limiter} is null
     */
    public static HttpLimit shared(Limiter limiter) {
        return new HttpLimit(Arguments.requireNonNull("limiter", limiter), null, null);
    }

    /**
     * A limit per key: each request is counted under the key the resolver picks, and is not checked against this
     * limit at all when the resolver has no key for it.
     *
     * @param limiter the keyed limiter
     * @param resolver picks the key
     * @return the limit
     * @throws IllegalArgumentException if an argument is null
     */
    public static HttpLimit keyed(KeyedLimiter<String> limiter, KeyResolver resolver) {
        return new HttpLimit(null, Arguments.requireNonNull("limiter", limiter),
                Arguments.requireNonNull("resolver", resolver));
    }

    /**
     * The limiter's name, used as the policy name in RateLimit headers.
     *
     * @return the name
     */
    public String name() {
        return shared != null ? shared.name() : keyed.name();
    }

    /**
     * The spec the limit enforces, read now (a limiter reconfigured at run time reports its new spec).
     *
     * @return the spec
     */
    public LimitSpec spec() {
        return shared != null ? shared.spec() : keyed.spec();
    }

    /**
     * Asks for one permit for a request, without waiting.
     *
     * @param request the request
     * @return the decision, or empty when the limit does not apply (the resolver has no key)
     */
    public Optional<Permit> tryAcquire(HttpRequestView request) {
        if (shared != null) {
            return Optional.of(shared.tryAcquire(1));
        }
        Optional<String> key = resolver.resolve(request);
        return key.isPresent() ? Optional.of(keyed.tryAcquire(key.get(), 1)) : Optional.empty();
    }

    @Override
    public String toString() {
        return shared != null ? "HttpLimit[" + name() + "]" : "HttpLimit[" + name() + " by " + resolver + "]";
    }
}
