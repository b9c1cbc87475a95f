package dev.throttle.netty;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The path of a request target as route rules should see it: without query or fragment, with the scheme and
 * authority of an absolute target removed, percent-decoded as UTF-8, and with dot segments and repeated slashes
 * removed. Netty hands the raw target over, so without this {@code /public/../api/orders} or {@code /api//orders}
 * would slip past a rule for {@code /api/**} while the application still served {@code /api/orders}.
 */
final class RequestPath {

    private RequestPath() {
    }

    static String of(String target) {
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
