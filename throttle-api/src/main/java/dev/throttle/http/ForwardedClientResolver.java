package dev.throttle.http;

import dev.throttle.kernel.Arguments;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Keys a request by the client's address as reported by trusted proxies in {@code X-Forwarded-For} or in
 * {@code Forwarded} (RFC 7239, its {@code for=} parameters).
 *
 * <p>The rule, which a client cannot forge its way around:
 * <ol>
 *   <li>If the direct peer is not a trusted proxy, the header is ignored entirely and the peer's address is the key:
 *   anyone can send the header, only trusted proxies' copies mean anything.</li>
 *   <li>Otherwise the header's addresses (all header lines, in order) are walked from right to left, each one added
 *   by the proxy to its right: trusted proxies are skipped and the first untrusted address is the client.</li>
 *   <li>An entry that is not an IP literal ({@code unknown}, an obfuscated {@code _name}, garbage) ends the walk: the
 *   key is the last address that was believed, which is the trusted hop that reported the bad entry. A client can
 *   only put garbage to the left of its own address, so garbage is never reached unless a trusted proxy wrote it.</li>
 *   <li>If every address is a trusted proxy, the leftmost one is the key.</li>
 * </ol>
 * Keys are canonical address text ({@code 2001:db8::1}, IPv4-mapped IPv6 as IPv4), so one client has one key however
 * it is written. The key is always present (the peer's address at worst), so this resolver never skips a limit.
 *
 * <p>Package-private: users get it from {@link KeyResolver#forwardedFor(TrustedProxies)} or
 * {@link KeyResolver#forwarded(TrustedProxies)}, which repeat the rule.
 */
final class ForwardedClientResolver implements KeyResolver {

    private static final String X_FORWARDED_FOR = "X-Forwarded-For";
    private static final String FORWARDED = "Forwarded";

    private final TrustedProxies trusted;
    private final boolean rfc7239;

    private ForwardedClientResolver(TrustedProxies trusted, boolean rfc7239) {
        this.trusted = Arguments.requireNonNull("trusted", trusted);
        this.rfc7239 = rfc7239;
    }

    /**
     * A resolver reading {@code X-Forwarded-For}.
     *
     * @param trusted the proxies whose headers are believed
     * @return the resolver
     * @throws IllegalArgumentException if {@code trusted} is null
     */
    static ForwardedClientResolver xForwardedFor(TrustedProxies trusted) {
        return new ForwardedClientResolver(trusted, false);
    }

    /**
     * A resolver reading the {@code for=} parameters of {@code Forwarded} (RFC 7239).
     *
     * @param trusted the proxies whose headers are believed
     * @return the resolver
     * @throws IllegalArgumentException if {@code trusted} is null
     */
    static ForwardedClientResolver forwarded(TrustedProxies trusted) {
        return new ForwardedClientResolver(trusted, true);
    }

    /**
     * The client's address by the rule above.
     *
     * @param request the request
     * @return the canonical address text; empty only if the peer has no address
     */
    @Override
    public Optional<String> resolve(HttpRequestView request) {
        String peer = request.remoteAddress();
        if (peer == null || peer.isBlank()) {
            return Optional.empty();
        }
        byte[] peerAddress = IpLiteral.parse(peer);
        if (peerAddress == null) {
            return Optional.of(peer.strip());
        }
        String believed = IpLiteral.format(peerAddress);
        if (!trusted.contains(peerAddress)) {
            return Optional.of(believed);
        }
        List<String> entries = entries(request.headers(rfc7239 ? FORWARDED : X_FORWARDED_FOR));
        for (int i = entries.size() - 1; i >= 0; i--) {
            byte[] hop = rfc7239 ? IpLiteral.parseForwardedNode(entries.get(i)) : IpLiteral.parse(entries.get(i));
            if (hop == null) {
                return Optional.of(believed);
            }
            believed = IpLiteral.format(hop);
            if (!trusted.contains(hop)) {
                return Optional.of(believed);
            }
        }
        return Optional.of(believed);
    }

    private List<String> entries(List<String> headerValues) {
        List<String> entries = new ArrayList<>();
        for (String value : headerValues) {
            if (value == null) {
                continue;
            }
            for (String element : splitOutsideQuotes(value, ',')) {
                if (element.isBlank()) {
                    // An empty list member ("a,,b") is a list artefact, not a hop.
                    continue;
                }
                entries.add(rfc7239 ? forParameter(element) : element.strip());
            }
        }
        return entries;
    }

    /** The {@code for=} value of one Forwarded element, unquoted; empty text (never believed) when absent. */
    private static String forParameter(String element) {
        for (String pair : splitOutsideQuotes(element, ';')) {
            int equals = pair.indexOf('=');
            if (equals < 0) {
                continue;
            }
            if (pair.substring(0, equals).strip().toLowerCase(Locale.ROOT).equals("for")) {
                return unquote(pair.substring(equals + 1).strip());
            }
        }
        return "";
    }

    private static String unquote(String value) {
        if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 1; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() - 1) {
                c = value.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    private static List<String> splitOutsideQuotes(String text, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    @Override
    public String toString() {
        return (rfc7239 ? FORWARDED : X_FORWARDED_FOR) + " via " + trusted;
    }
}
