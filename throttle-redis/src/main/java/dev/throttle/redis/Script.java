package dev.throttle.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One Lua script of the engine: fixed text read from the classpath and its SHA-1, the name EVALSHA calls it by. No
 * value is ever part of the text. A single-algorithm script is the shared prologue {@code common.lua}, the algorithm's
 * file (which defines its function) and the entry {@code single.lua}; the composite script is the prologue, every
 * algorithm's file and the driver {@code composite.lua}, which runs the algorithms' functions over several limits.
 * The buckets of a limiter of their own run a standalone script instead, {@code bucket.lua}, the engine's hot path.
 */
final class Script {

    static final Script GCRA = load("gcra");
    /**
     * The token and leaky buckets of a rate limiter of its own: {@code bucket.lua}, standalone (no prologue), with
     * its own arguments and short answers (see the script), because it is the hot path. {@link #GCRA} runs the same
     * decisions inside a composite and for a composite's parts.
     */
    static final Script BUCKET = new Script("bucket", resource("bucket.lua"));
    static final Script FIXED_WINDOW = load("fixed_window");
    static final Script SLIDING_WINDOW = load("sliding_window");
    static final Script SLIDING_LOG = load("sliding_log");
    static final Script CONCURRENCY = load("concurrency");

    /** The all-of composite over any of the algorithms above. */
    static final Script COMPOSITE = new Script("composite", resource("common.lua") + "\n" + resource("gcra.lua")
            + "\n" + resource("fixed_window.lua") + "\n" + resource("sliding_window.lua") + "\n"
            + resource("sliding_log.lua") + "\n" + resource("concurrency.lua") + "\n" + resource("composite.lua"));

    /** Every script, for loading them all when an engine starts. */
    static final Script[] ALL = {BUCKET, GCRA, FIXED_WINDOW, SLIDING_WINDOW, SLIDING_LOG, CONCURRENCY, COMPOSITE};

    /** The algorithm's name: its file and Lua function, and how the composite script names it. */
    final String name;
    final String text;
    final String sha;

    private Script(String name, String text) {
        this.name = name;
        this.text = text;
        this.sha = sha1Hex(text);
    }

    private static Script load(String algorithm) {
        return new Script(algorithm, resource("common.lua") + "\n" + resource(algorithm + ".lua") + "\n"
                + resource("single.lua"));
    }

    private static String resource(String file) {
        try (InputStream in = Script.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("script " + file + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + file, e);
        }
    }

    private static String sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(digest.length * 2);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + sha;
    }
}
