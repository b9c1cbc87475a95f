package dev.throttle.http;

import dev.throttle.Arguments;
import java.util.Optional;

/**
 * Picks the key a keyed limit counts a request under: the client's address, its API key, its user, the path.
 *
 * <p>An empty answer means "this limit does not apply to this request": the limit is skipped, not refused. A per-API
 * key limit thus lets requests without a key through untouched; chain {@link #orElse(KeyResolver)} (for example
 * {@code KeyResolver.header("X-Api-Key").orElse(KeyResolver.remoteAddress())}) so that every request is counted
 * under some key.
 */
@FunctionalInterface
public interface KeyResolver {

    /**
     * The key of a request.
     *
     * @param request the request
     * @return the key, or empty to skip the limit for this request
     */
    Optional<String> resolve(HttpRequestView request);

    /**
     * This resolver, falling back to another when it has no key.
     *
     * @param fallback asked when this resolver answers empty
     * @return the combined resolver
     * @throws IllegalArgumentException if {@code fallback} is null
     */
    default KeyResolver orElse(KeyResolver fallback) {
        Arguments.requireNonNull("fallback", fallback);
        return request -> {
            Optional<String> key = resolve(request);
            return key.isPresent() ? key : fallback.resolve(request);
        };
    }

    /**
     * Keys by the direct peer's address (canonical text), ignoring every forwarding header. Right when clients
     * connect directly; behind a proxy every client would share the proxy's key: use
     * {@link ForwardedClientResolver} there.
     *
     * @return the resolver; empty only when the transport has no address
     */
    static KeyResolver remoteAddress() {
        return request -> {
            String peer = request.remoteAddress();
            return peer == null || peer.isBlank() ? Optional.empty() : Optional.of(IpLiteral.canonical(peer));
        };
    }

    /**
     * Keys by the client's address as reported by trusted proxies in {@code X-Forwarded-For}; a header from an
     * untrusted peer is ignored. See {@link ForwardedClientResolver}.
     *
     * @param trusted the proxies whose headers are believed
     * @return the resolver
     * @throws IllegalArgumentException if {@code trusted} is null
     */
    static KeyResolver forwardedFor(TrustedProxies trusted) {
        return ForwardedClientResolver.xForwardedFor(trusted);
    }

    /**
     * Keys by the first value of a header, stripped of surrounding blanks, for example an API key.
     *
     * @param name the header's name, matched case-insensitively
     * @return the resolver; empty when the header is absent or blank
     * @throws IllegalArgumentException if {@code name} is null or blank
     */
    static KeyResolver header(String name) {
        Arguments.requireNonNull("name", name);
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return request -> request.header(name).map(String::strip).filter(value -> !value.isEmpty());
    }

    /**
     * Keys by the authenticated user's name.
     *
     * @return the resolver; empty for anonymous requests
     */
    static KeyResolver principal() {
        return request -> request.principal().filter(name -> !name.isEmpty());
    }

    /**
     * Keys by the request path (without query), so that each path has its own limit.
     *
     * @return the resolver
     */
    static KeyResolver path() {
        return request -> Optional.of(request.path());
    }
}
