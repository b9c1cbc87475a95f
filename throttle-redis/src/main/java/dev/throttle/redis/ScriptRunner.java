package dev.throttle.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Calls the engine's scripts by EVALSHA on one shared connection: one command, one round trip per decision. If the
 * server has lost the script (a restart, a failover, SCRIPT FLUSH), the NOSCRIPT error is answered by running it
 * once by EVAL, which also caches it again for the next EVALSHA: transparent, and safe from a second flush.
 *
 * <p>It needs only the scripting commands, which a standalone (or Sentinel) connection and a Cluster connection share.
 * On a Cluster connection Lettuce routes EVALSHA and EVAL to the master of their first key's slot (every key of a
 * decision lies in that slot), follows MOVED and ASK redirects, and sends SCRIPT LOAD to every node it knows.
 */
final class ScriptRunner {

    private final RedisScriptingAsyncCommands<String, String> commands;
    private final long timeoutNanos;

    ScriptRunner(RedisScriptingAsyncCommands<String, String> commands, Duration timeout) {
        this.commands = commands;
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * Loads every script without waiting: commands on one connection run in order, so the loads precede the first
     * EVALSHA (on a Cluster the loads go to every node on connections of their own, so an early EVALSHA may still meet
     * NOSCRIPT). A failure here is harmless; a missing script is loaded on its NOSCRIPT error.
     */
    void preload() {
        for (Script script : Script.ALL) {
            commands.scriptLoad(script.text);
        }
    }

    /**
     * Runs a script.
     *
     * @return its answer, {@code {granted, wait or retry, remaining, the script's clock reading}} (the composite
     *     script adds the index of the part it names); fails with the Redis error, or a timeout
     */
    CompletableFuture<long[]> run(Script script, String[] keys, String[] args) {
        return evalsha(script, keys, args)
                .handle((answer, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.completedFuture(answer);
                    }
                    if (isNoScript(failure)) {
                        // EVAL runs the text and caches it in one step: a SCRIPT LOAD then EVALSHA could lose the
                        // script again to a flush in between.
                        return commands.<List<Object>>eval(script.text, ScriptOutputType.MULTI, keys, args);
                    }
                    return CompletableFuture.<List<Object>>failedFuture(unwrap(failure));
                })
                .thenCompose(stage -> stage)
                .thenApply(ScriptRunner::decode)
                .toCompletableFuture()
                .orTimeout(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private CompletionStage<List<Object>> evalsha(Script script, String[] keys, String[] args) {
        return commands.<List<Object>>evalsha(script.sha, ScriptOutputType.MULTI, keys, args);
    }

    private static long[] decode(List<Object> answer) {
        if (answer == null || answer.size() < 4) {
            throw new IllegalStateException("unexpected script answer " + answer);
        }
        long[] values = new long[answer.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (Long) answer.get(i);
        }
        return values;
    }

    private static boolean isNoScript(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof RedisNoScriptException
                || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
