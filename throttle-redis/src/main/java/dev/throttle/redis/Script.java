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
 * algorithm's part and the driver {@code composite.lua}, which runs the algorithms' functions over several limits.
 *
 * <p>The buckets have one implementation, {@code bucket.lua}: a fragment of Lua that reads locals and returns its
 * answer. A line {@code --#include bucket.lua} in a file is replaced by that text: {@code bucket_script.lua}
 * includes it as the main chunk of the standalone script a bucket limiter of its own runs (the engine's hot path: no
 * function, arguments read positionally, one integer for an immediate grant), after setting the locals from KEYS and
 * ARGV; {@code bucket_part.lua} includes it as the body of a function, the composite's bucket part. Its decision
 * ({@code bucket_step.lua}), rate factor ({@code bucket_rate.lua}) and keys' expiry ({@code bucket_expiry.lua}) are
 * fragments it includes, which the batch bucket script {@code bucket_batch.lua} includes too, in a loop over the
 * coalesced requests; that loop's body ({@code bucket_runs_step.lua}) and its final write
 * ({@code bucket_runs_write.lua}) are fragments the batch script and the multi-key script {@code multi.lua} share
 * (includes nest).
 *
 * <p>Each rate script has a batch variant ({@link #batch}) that decides several requests to one limit, coalesced by
 * {@link Coalescer}, in one call: the entry {@code batch.lua} runs the algorithm's function once per request in
 * arrival order, at one clock reading. Requests to different limits gathered together go out in one call of
 * {@link #MULTI}, which decides each limit's requests as that limit's batch script would.
 */
final class Script {

    /** The line that includes another file's text in its place. */
    private static final String INCLUDE = "--#include ";

    /**
     * The token and leaky buckets of a rate limiter of its own: {@code bucket_script.lua} with {@code bucket.lua},
     * standalone (no prologue), with its own arguments and short answers (see the scripts), because it is the hot
     * path. Inside a composite a bucket part runs the same {@code bucket.lua}; {@link #name} names it there.
     */
    static final Script BUCKET = new Script("bucket", resource("bucket_script.lua"),
            new Script("bucket_batch", resource("bucket_batch.lua"), null));
    static final Script FIXED_WINDOW = load("fixed_window");
    static final Script SLIDING_WINDOW = load("sliding_window");
    static final Script SLIDING_LOG = load("sliding_log");
    static final Script CONCURRENCY = new Script("concurrency", single("concurrency", "single.lua"), null);

    /**
     * The multi-key batch script: concurrent requests to many rate limits (buckets, windows, logs) gathered by
     * {@link Coalescer} in one call, each limit's requests decided in arrival order as its own batch script would
     * ({@code multi.lua} after the prologue and the window and log algorithms' files).
     */
    static final Script MULTI = new Script("multi", resource("common.lua") + "\n" + resource("fixed_window.lua")
            + "\n" + resource("sliding_window.lua") + "\n" + resource("sliding_log.lua") + "\n"
            + resource("multi.lua"), null);

    /** The all-of composite over any of the algorithms above. */
    static final Script COMPOSITE = new Script("composite", resource("common.lua") + "\n"
            + resource("bucket_part.lua") + "\n" + resource("fixed_window.lua") + "\n"
            + resource("sliding_window.lua") + "\n" + resource("sliding_log.lua") + "\n"
            + resource("concurrency.lua") + "\n" + resource("composite.lua"), null);

    /** Every script, for loading them all when an engine starts: each rate script and its batch variant. */
    static final Script[] ALL = {BUCKET, BUCKET.batch, FIXED_WINDOW, FIXED_WINDOW.batch, SLIDING_WINDOW,
        SLIDING_WINDOW.batch, SLIDING_LOG, SLIDING_LOG.batch, MULTI, CONCURRENCY, COMPOSITE};

    /** The algorithm's name: its file and Lua function, and how the composite script names it. */
    final String name;
    final String text;
    final String sha;
    /**
     * The batch variant of a rate script, which decides several coalesced requests to one limit in one call, in
     * their arrival order ({@code bucket_batch.lua}, or the algorithm's file with the entry {@code batch.lua}); null
     * for a script without one (concurrency, composite, and the batch scripts themselves).
     */
    final Script batch;

    private Script(String name, String text, Script batch) {
        this.name = name;
        this.text = text;
        this.sha = sha1Hex(text);
        this.batch = batch;
    }

    /** A rate algorithm's script and its batch variant. */
    private static Script load(String algorithm) {
        return new Script(algorithm, single(algorithm, "single.lua"),
                new Script(algorithm + "_batch", single(algorithm, "batch.lua"), null));
    }

    /** The prologue, the algorithm's file and an entry. */
    private static String single(String algorithm, String entry) {
        return resource("common.lua") + "\n" + resource(algorithm + ".lua") + "\n" + resource(entry);
    }

    /** A file's text, each of its include lines replaced by the included file's text. */
    private static String resource(String file) {
        String text;
        try (InputStream in = Script.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("script " + file + " is missing from the classpath");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + file, e);
        }
        StringBuilder included = new StringBuilder(text.length());
        for (String line : text.split("\n", -1)) {
            if (line.startsWith(INCLUDE)) {
                included.append(resource(line.substring(INCLUDE.length()).trim()));
            } else {
                included.append(line);
            }
            included.append('\n');
        }
        return included.substring(0, included.length() - 1);
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
