package dev.throttle.http.admission;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the adapters of servers that hand the raw request over (Netty, Reactor Netty under WebFlux) read of it as the
 * servlet container would: the path of a request target as route rules should see it, without query or fragment,
 * with the scheme and authority of an absolute target removed, percent-decoded as UTF-8, and with dot segments and
 * repeated slashes removed (without this {@code /public/../api/orders} or {@code /api//orders} would slip past a
 * rule for {@code /api/**} while the application still served {@code /api/orders}); and the peer's address as an IP
 * literal. Internal, like the rest of this package: public only for the adapters.
 */
public final class RequestPath {

    private RequestPath() {
    }

    /**
     * The path of a request target, as route rules should see it.
     *
     * @param target the request target as received: origin form ({@code /a/b?q}), absolute form or {@code *}
     * @return the decoded, normalized path without query; {@code "/"} for an empty one
     */
    public static String of(String target) {
        String raw = target;
        int cut = indexOfAny(raw, '?', '#');
        if (cut >= 0) {
            raw = raw.substring(0, cut);
        }
        if ("*".equals(raw)) {
            return raw; // OPTIONS * : the server itself, not a path
        }
        if (!raw.startsWith("/")) {
            int scheme = raw.indexOf("://");
            if (scheme >= 0) {
                int slash = raw.indexOf('/', scheme + 3);
                raw = slash < 0 ? "/" : raw.substring(slash);
            } else {
                raw = "/" + raw;
            }
        }
        return normalize(decode(raw));
    }

    private static int indexOfAny(String text, char first, char second) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == first || c == second) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The IP literal of a peer's socket address, without an IPv6 scope, as {@link dev.throttle.http.HttpRequestView}
     * reports it.
     *
     * @param address the peer's address; may be null
     * @return the literal (the host name of an unresolved address); empty for other transports (Unix, local) or null
     */
    public static String peerAddress(SocketAddress address) {
        if (!(address instanceof InetSocketAddress)) {
            return "";
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        InetAddress ip = inet.getAddress();
        String text = ip != null ? ip.getHostAddress() : inet.getHostString();
        int scope = text.indexOf('%');
        return scope >= 0 ? text.substring(0, scope) : text;
    }

    /** Percent-decoding as UTF-8; a malformed escape stays as written. {@code +} is a plus in a path. */
    static String decode(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(path.length());
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length() && hex(path.charAt(i + 1)) >= 0 && hex(path.charAt(i + 2)) >= 0) {
                bytes.write(hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2)));
                i += 3;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < path.length()) {
                    utf8 = path.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.writeBytes(utf8);
                i++;
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    /** RFC 3986 section 5.2.4's removal of dot segments, plus collapsing empty segments; keeps a trailing slash. */
    static String normalize(String path) {
        String[] parts = path.split("/", -1);
        List<String> kept = new ArrayList<>(parts.length);
        boolean trailingSlash = false;
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            boolean last = i == parts.length - 1;
            if (part.isEmpty() || part.equals(".")) {
                trailingSlash = last && i > 1;
            } else if (part.equals("..")) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                trailingSlash = last;
            } else {
                kept.add(part);
                trailingSlash = false;
            }
        }
        if (kept.isEmpty()) {
            return "/";
        }
        StringBuilder out = new StringBuilder(path.length());
        for (String part : kept) {
            out.append('/').append(part);
        }
        if (trailingSlash) {
            out.append('/');
        }
        return out.toString();
    }
}
