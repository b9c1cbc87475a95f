package dev.throttle.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key naming rule: {@code prefix + "{" + tag + "}" + suffix}, where the tag is the limiter's name, or the
 * SHA-256 of its UTF-8 bytes in lowercase hex when the name is longer than {@value #MAX_PLAIN_TAG} characters or
 * contains a brace. Every key of one limiter shares the tag, so they hash to one cluster slot and a script touches
 * them atomically; any name (spaces, unicode, braces, 10 kB) gives a bounded, well-formed key. Key contents are
 * only ever passed as KEYS, never into script code.
 */
final class Keys {

    /** The longest name used as its own hash tag; longer names are hashed. */
    static final int MAX_PLAIN_TAG = 200;

    private Keys() {
    }

    /**
     * The key of one part of a limiter's state.
     *
     * @param prefix the engine's prefix (without braces)
     * @param name the limiter's name
     * @param suffix what part of the state
     * @return the key
     */
    static String key(String prefix, String name, String suffix) {
        return tagged(prefix, tag(name), suffix);
    }

    /**
     * A key of a tag already worked out ({@link #tag}), built in one concatenation: for a keyed limiter, which names
     * its keys on every call.
     *
     * @param prefix the engine's prefix (without braces)
     * @param tag the name's hash tag
     * @param suffix what part of the state
     * @return {@code prefix + "{" + tag + "}" + suffix}
     */
    static String tagged(String prefix, String tag, String suffix) {
        return prefix + "{" + tag + "}" + suffix;
    }

    /**
     * What every key of a limiter begins with: the prefix and the name's hash tag, {@code prefix + "{" + tag + "}"}.
     *
     * @param prefix the engine's prefix (without braces)
     * @param name the limiter's name
     * @return the keys' common head
     */
    static String head(String prefix, String name) {
        return tagged(prefix, tag(name), "");
    }

    /** The hash tag of a name: the name itself, or its SHA-256 when it is long or holds a brace. */
    static String tag(String name) {
        if (name.length() <= MAX_PLAIN_TAG && name.indexOf('{') < 0 && name.indexOf('}') < 0) {
            return name;
        }
        return sha256Hex(name);
    }

    static String sha256Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(digest.length * 2);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
