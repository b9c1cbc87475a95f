package dev.throttle.local.spring;

import java.util.stream.Stream;
import org.springframework.core.Ordered;

/**
 * Where the auto-configured HTTP filter (servlet or WebFlux) runs among the application's filters. First, so that a
 * refused request costs the application nothing; but a policy that keys a limit by the principal needs the user an
 * authentication filter sets, so it runs right after Spring Security's filter chain (order -100 in servlet and WebFlux
 * applications alike). Before it, every request would be anonymous, its key empty, and the per-user limit skipped.
 */
final class FilterOrder {

    /** Spring Security's default order for its filter chain, servlet and WebFlux (SecurityProperties, WebFlux). */
    static final int SECURITY_FILTER_CHAIN = -100;

    private FilterOrder() {
    }

    /**
     * The order for a configured policy.
     *
     * @param http the HTTP properties
     * @return {@link Ordered#HIGHEST_PRECEDENCE}, or just after the security filter chain for a principal key
     */
    static int of(ThrottleProperties.HttpProperties http) {
        boolean byPrincipal = Stream.concat(http.global().stream(),
                        http.routes().stream().flatMap(route -> route.limits().stream()))
                .anyMatch(limit -> limit.key() == ThrottleProperties.KeyType.PRINCIPAL);
        return byPrincipal ? SECURITY_FILTER_CHAIN + 1 : Ordered.HIGHEST_PRECEDENCE;
    }
}
