package dev.throttle.http;

import dev.throttle.kernel.Arguments;
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
     * {@link #forwardedFor(TrustedProxies)} or {@link #forwarded(TrustedProxies)} there.
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
     * Keys by the client's address as reported by trusted proxies in {@code X-Forwarded-For}, by a rule a client
     * cannot forge its way around:
     * <ol>
     *   <li>If the direct peer is not a trusted proxy, the header is ignored entirely and the peer's address is the
     *   key: anyone can send the header, only trusted proxies' copies mean anything.</li>
     *   <li>Otherwise the header's addresses (all header lines, in order) are walked from right to left, each one
     *   added by the proxy to its right: trusted proxies are skipped and the first untrusted address is the
     *   client.</li>
     *   <li>An entry that is not an IP literal ({@code unknown}, an obfuscated {@code _name}, garbage) ends the walk:
     *   the key is the last address that was believed, which is the trusted hop that reported the bad entry. A client
     *   can only put garbage to the left of its own address, so garbage is never reached unless a trusted proxy wrote
     *   it.</li>
     *   <li>If every address is a trusted proxy, the leftmost one is the key.</li>
     * </ol>
     * Keys are canonical address text ({@code 2001:db8::1}, IPv4-mapped IPv6 as IPv4), so one client has one key
     * however it is written. The key is always present (the peer's address at worst), so the limit is never skipped.
     *
     * @param trusted the proxies whose headers are believed
     * @return the resolver
     * @throws IllegalArgumentException if {@code trusted} is null
     */
    static KeyResolver forwardedFor(TrustedProxies trusted) {
        return ForwardedClientResolver.xForwardedFor(trusted);
    }

    /**
     * Keys by the client's address as reported by trusted proxies in the {@code for=} parameters of
     * {@code Forwarded} (RFC 7239), by the same rule as {@link #forwardedFor(TrustedProxies)}; quoted values
     * ({@code for="[2001:db8::1]:443"}) are unquoted first.
     *
     * @param trusted the proxies whose headers are believed
     * @return the resolver
     * @throws IllegalArgumentException if {@code trusted} is null
     */
    static KeyResolver forwarded(TrustedProxies trusted) {
        return ForwardedClientResolver.forwarded(trusted);
    }

    /**
     * Keys by the first value of a header, stripped of surrounding blanks, for example an API key. A value longer
     * than 128 characters (a bearer token) is keyed by its SHA-256 digest instead
     * ({@code sha256:} and 64 hex digits), so that a client cannot make the keyed limiter hold kilobytes per key,
     * while distinct values keep distinct keys.
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
        return request -> request.header(name).map(String::strip).filter(value -> !value.isEmpty())
                .map(LongKeys::bounded);
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
     * Keys by the request path (without query), so that each path has its own limit; a path longer than 128
     * characters is keyed by its SHA-256 digest, as in {@link #header(String)}.
     *
     * @return the resolver
     */
    static KeyResolver path() {
        return request -> Optional.of(LongKeys.bounded(request.path()));
    }
}
