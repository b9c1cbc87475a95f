package dev.throttle.benchmarks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The floor under any Redis rate decision: a ten-line GCRA script of one key that reads the server's clock, loaded
 * once and called with EVALSHA on a plain Lettuce connection, arguments precomputed, answer a bare integer. A Redis
 * limiter's figure minus this one is what its client-side machinery and richer script cost.
 */
final class FloorTarget implements RedisTarget {

    private static final String SCRIPT = "floor_gcra.lua";

    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> commands;
    private final String sha;
    private final String[][] keys;
    private final String[] args;

    FloorTarget(RedisClient client, RedisURI uri, String prefix, int keyCount) {
        connection = client.connect(StringCodec.UTF8, uri);
        commands = connection.async();
        sha = connection.sync().scriptLoad(script());
        keys = new String[keyCount][];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = new String[] {prefix + "{k" + i + "}"};
        }
        long intervalMicros = 1_000_000L / RATE_PER_SECOND;
        args = new String[] {Long.toString(intervalMicros), Long.toString(CAPACITY * intervalMicros)};
    }

    @Override
    public boolean decide(int key) {
        try {
            return granted(send(key).get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS));
        } catch (ExecutionException | TimeoutException failure) {
            throw new IllegalStateException("floor EVALSHA failed", failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        }
    }

    @Override
    public CompletableFuture<Long> send(int key) {
        return commands.<Long>evalsha(sha, ScriptOutputType.INTEGER, keys[key], args).toCompletableFuture();
    }

    @Override
    public boolean granted(Object answer) {
        return ((Long) answer) == 1L;
    }

    @Override
    public void close() {
        connection.close();
    }

    private static String script() {
        try (InputStream in = FloorTarget.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " is missing from the benchmark jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }
}
