package dev.throttle.http;

/**
 * Parses IP literals by hand, so that a header value is never handed to a resolver that might look a name up in DNS.
 * Three forms, each as its standard writes it:
 * <ul>
 *   <li>{@link #parse(String)}: what {@code X-Forwarded-For} and a peer address hold: an IPv4 dotted quad, an IPv6
 *   address (RFC 4291 text, compressed or with an IPv4 tail, with an RFC 4007 zone), either in brackets, and either
 *   with a port ({@code 192.0.2.1:8080}, {@code [2001:db8::1]:443});</li>
 *   <li>{@link #parseForwardedNode(String)}: a {@code Forwarded} node (RFC 7239 section 6): an IPv4 address or a
 *   bracketed IPv6 address, with an optional port that may be obfuscated ({@code _x}); an IPv6 address without
 *   brackets is not a node;</li>
 *   <li>{@link #parseAddress(String)}: an address alone, for a CIDR range: no port, no zone.</li>
 * </ul>
 * A dotted quad is four decimal numbers of at most three digits, none with a leading zero: {@code 010.1.2.3} is
 * refused, since {@code inet_aton} reads it as octal (8.1.2.3) and other parsers as decimal, so it names no one
 * address. An IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) reads as its IPv4 address, so it is the same client
 * and matches the same ranges as {@code 10.0.0.1}; a deprecated IPv4-compatible one ({@code ::10.0.0.1}, RFC 4291
 * section 2.5.5.1) stays the IPv6 address it is. A zone ({@code fe80::1%eth0}, or {@code %25eth0} inside brackets as
 * RFC 6874 writes it in a URI) must be non-empty and of unreserved characters, and is dropped: the key is the address.
 */
final class IpLiteral {

    /** Longer text is no IP literal (the longest IPv6 text with an IPv4 tail, a zone of 16 and a port is 64). */
    private static final int MAX_LENGTH = 64;

    private IpLiteral() {
    }

    /**
     * The address's bytes, from a peer address or an {@code X-Forwarded-For} entry: 4 for IPv4 (mapped IPv6 included),
     * 16 for IPv6.
     *
     * @param text the literal, possibly bracketed and with a port
     * @return the bytes, or null if the text is not an IP literal
     */
    static byte[] parse(String text) {
        String s = stripped(text);
        if (s == null) {
            return null;
        }
        if (s.charAt(0) == '[') {
            return bracketed(s, false);
        }
        int firstColon = s.indexOf(':');
        if (firstColon < 0) {
            return parseIpv4(s);
        }
        if (firstColon == s.lastIndexOf(':')) {
            // One colon: only an IPv4 address with a port (IPv6 has at least two).
            return isPort(s.substring(firstColon + 1), false) ? parseIpv4(s.substring(0, firstColon)) : null;
        }
        return ipv6WithZone(s, false);
    }

    /**
     * The address of a {@code Forwarded} node (RFC 7239 section 6), its quotes already removed: {@code 192.0.2.60},
     * {@code 192.0.2.43:47011}, {@code [2001:db8:cafe::17]}, {@code [2001:db8:cafe::17]:4711}, or with an obfuscated
     * port ({@code :_x}). {@code unknown}, an obfuscated node ({@code _hidden}) and an unbracketed IPv6 address are not.
     *
     * @param text the node
     * @return the bytes, or null if the node names no IP address
     */
    static byte[] parseForwardedNode(String text) {
        String s = stripped(text);
        if (s == null) {
            return null;
        }
        if (s.charAt(0) == '[') {
            return bracketed(s, true);
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            return parseIpv4(s);
        }
        return colon == s.lastIndexOf(':') && isPort(s.substring(colon + 1), true)
                ? parseIpv4(s.substring(0, colon)) : null;
    }

    /**
     * An address alone: a dotted quad or IPv6 text, bracketed or not, without a port or a zone.
     *
     * @param text the address
     * @return the bytes, or null if the text is not an address alone
     */
    static byte[] parseAddress(String text) {
        String s = stripped(text);
        if (s == null) {
            return null;
        }
        if (s.charAt(0) == '[') {
            if (s.charAt(s.length() - 1) != ']') {
                return null;
            }
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') < 0) {
            return parseIpv4(s);
        }
        byte[] v6 = parseIpv6(s);
        return v6 == null ? null : unmapped(v6);
    }

    /** The text stripped of surrounding white space, or null when empty or too long to be an address. */
    private static String stripped(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        return s.isEmpty() || s.length() > MAX_LENGTH ? null : s;
    }

    /** {@code [IPv6]} with an optional {@code :port} after it. */
    private static byte[] bracketed(String s, boolean obfuscatedPort) {
        int close = s.indexOf(']');
        if (close < 0) {
            return null;
        }
        String rest = s.substring(close + 1);
        if (!rest.isEmpty() && !(rest.charAt(0) == ':' && isPort(rest.substring(1), obfuscatedPort))) {
            return null;
        }
        return ipv6WithZone(s.substring(1, close), true);
    }

    /** IPv6 text with an optional zone ({@code %zone}, or {@code %25zone} in a URI's brackets), the zone dropped. */
    private static byte[] ipv6WithZone(String s, boolean inBrackets) {
        int percent = s.indexOf('%');
        String address = s;
        if (percent >= 0) {
            String zone = s.substring(percent + 1);
            if (inBrackets && zone.startsWith("25") && zone.length() > 2) {
                zone = zone.substring(2); // RFC 6874: "%" is written "%25" in a URI
            }
            if (!isZone(zone)) {
                return null;
            }
            address = s.substring(0, percent);
        }
        byte[] v6 = parseIpv6(address);
        return v6 == null ? null : unmapped(v6);
    }

    /** A zone id: non-empty, of unreserved characters (RFC 3986), at most 16 of them. */
    private static boolean isZone(String zone) {
        if (zone.isEmpty() || zone.length() > 16) {
            return false;
        }
        for (int i = 0; i < zone.length(); i++) {
            char c = zone.charAt(i);
            boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '-'
                    || c == '.' || c == '_' || c == '~';
            if (!unreserved) {
                return false;
            }
        }
        return true;
    }

    /**
     * The canonical text of an address: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed).
     *
     * @param address 4 or 16 bytes
     * @return the text
     */
    static String format(byte[] address) {
        StringBuilder out = new StringBuilder(39);
        if (address.length == 4) {
            for (int i = 0; i < 4; i++) {
                if (i > 0) {
                    out.append('.');
                }
                out.append(address[i] & 0xFF);
            }
            return out.toString();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((address[2 * i] & 0xFF) << 8) | (address[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    /**
     * The canonical text of an IP literal, or the text itself (stripped) when it is not one.
     *
     * @param text the address as given
     * @return the text to key on
     */
    static String canonical(String text) {
        byte[] address = parse(text);
        return address == null ? text.strip() : format(address);
    }

    /**
     * A port: 1 to 5 decimal digits up to 65535, or, where {@code obfuscated} is allowed (RFC 7239's obfport), an
     * underscore and letters, digits, dots, underscores or hyphens.
     */
    private static boolean isPort(String port, boolean obfuscated) {
        int length = port.length();
        if (length == 0) {
            return false;
        }
        if (obfuscated && port.charAt(0) == '_') {
            for (int i = 1; i < length; i++) {
                char c = port.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '.' || c == '_'
                        || c == '-')) {
                    return false;
                }
            }
            return length > 1;
        }
        if (length > 5) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (!isDigit(port.charAt(i))) {
                return false;
            }
        }
        return Integer.parseInt(port) <= 65535;
    }

    private static byte[] unmapped(byte[] v6) {
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return v6;
            }
        }
        if (v6[10] != (byte) 0xFF || v6[11] != (byte) 0xFF) {
            return v6;
        }
        return new byte[] {v6[12], v6[13], v6[14], v6[15]};
    }

    private static byte[] parseIpv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        int length = s.length();
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < length && isDigit(s.charAt(i)) && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            // No leading zero: 010 is 8 to inet_aton and 10 to others, so it names no one address.
            if (i == start || value > 255 || (i - start > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part < 4) {
                if (i >= length || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == length ? out : null;
    }

    private static byte[] parseIpv6(String s) {
        if (s.isEmpty()) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] out = new byte[16];
        if (gap < 0) {
            return fillGroups(s, out, 0, 16) == 16 ? out : null;
        }
        String head = s.substring(0, gap);
        if (head.indexOf('.') >= 0) {
            return null;
        }
        String tail = s.substring(gap + 2);
        byte[] tailBytes = new byte[16];
        int headLength = head.isEmpty() ? 0 : fillGroups(head, out, 0, 16);
        int tailLength = tail.isEmpty() ? 0 : fillGroups(tail, tailBytes, 0, 16);
        if (headLength < 0 || tailLength < 0 || headLength + tailLength > 14) {
            return null;
        }
        System.arraycopy(tailBytes, 0, out, 16 - tailLength, tailLength);
        return out;
    }

    /** Writes colon-separated groups (the last may be a dotted quad) into out; returns the bytes written or -1. */
    private static int fillGroups(String s, byte[] out, int offset, int limit) {
        int at = offset;
        int i = 0;
        int length = s.length();
        while (true) {
            int end = s.indexOf(':', i);
            String group = s.substring(i, end < 0 ? length : end);
            if (end < 0 && group.indexOf('.') >= 0) {
                byte[] v4 = parseIpv4(group);
                if (v4 == null || at + 4 > limit) {
                    return -1;
                }
                System.arraycopy(v4, 0, out, at, 4);
                return at + 4 - offset;
            }
            if (group.isEmpty() || group.length() > 4 || at + 2 > limit) {
                return -1;
            }
            int value = 0;
            for (int k = 0; k < group.length(); k++) {
                int digit = hexDigit(group.charAt(k));
                if (digit < 0) {
                    return -1;
                }
                value = (value << 4) | digit;
            }
            out[at++] = (byte) (value >>> 8);
            out[at++] = (byte) value;
            if (end < 0) {
                return at - offset;
            }
            i = end + 1;
        }
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
