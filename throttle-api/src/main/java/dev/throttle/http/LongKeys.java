package dev.throttle.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Bounds the length of keys taken from client-supplied text. */
final class LongKeys {

    /** The longest key kept as given; longer ones are replaced by their digest. */
    static final int MAX_PLAIN_LENGTH = 128;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LongKeys() {
    }

    static String bounded(String key) {
        if (key.length() <= MAX_PLAIN_LENGTH) {
            return key;
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        StringBuilder out = new StringBuilder(7 + 2 * digest.length).append("sha256:");
        for (byte b : digest) {
            out.append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
        return out.toString();
    }
}
