package dev.throttle.http;

/**
 * Parses IP literals by hand, so that a header value is never handed to a resolver that might look a name up in DNS.
 * Accepts what proxies write: IPv4 dotted quads, IPv6 (compressed, with an IPv4 tail, with a zone), either in brackets,
 * and either with a port ({@code 192.0.2.1:8080}, {@code [2001:db8::1]:443}). An IPv4-mapped IPv6 address reads as its
 * IPv4 address, so {@code ::ffff:10.0.0.1} and {@code 10.0.0.1} are the same client and match the same ranges.
 */
final class IpLiteral {

    private IpLiteral() {
    }

    /**
     * The address's bytes: 4 for IPv4 (mapped IPv6 included), 16 for IPv6.
     *
     * @param text the literal, possibly bracketed and with a port
     * @return the bytes, or null if the text is not an IP literal
     */
    static byte[] parse(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (s.isEmpty() || s.length() > 64) {
            return null;
        }
        if (s.charAt(0) == '[') {
            int close = s.indexOf(']');
            if (close < 0) {
                return null;
            }
            String rest = s.substring(close + 1);
            if (!rest.isEmpty() && !isPort(rest)) {
                return null;
            }
            byte[] v6 = parseIpv6(stripZone(s.substring(1, close)));
            return v6 == null ? null : unmapped(v6);
        }
        int firstColon = s.indexOf(':');
        if (firstColon < 0) {
            return parseIpv4(s);
        }
        if (firstColon == s.lastIndexOf(':')) {
            // One colon: only an IPv4 address with a port (IPv6 has at least two).
            return isPort(s.substring(firstColon)) ? parseIpv4(s.substring(0, firstColon)) : null;
        }
        byte[] v6 = parseIpv6(stripZone(s));
        return v6 == null ? null : unmapped(v6);
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

    private static boolean isPort(String colonAndPort) {
        int length = colonAndPort.length();
        if (length < 2 || length > 6 || colonAndPort.charAt(0) != ':') {
            return false;
        }
        for (int i = 1; i < length; i++) {
            if (!isDigit(colonAndPort.charAt(i))) {
                return false;
            }
        }
        return Integer.parseInt(colonAndPort.substring(1)) <= 65535;
    }

    private static String stripZone(String s) {
        int zone = s.indexOf('%');
        return zone < 0 ? s : s.substring(0, zone);
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
            if (i == start || value > 255) {
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
