package dev.throttle.redis;

import dev.throttle.kernel.Acquisition;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

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

    /** The connection, once there is one (see {@link RedisLink}: an engine built during an outage has none yet). */
    private final RedisLink link;
    /** Told when Redis had lost a script, for the log. */
    private final RedisHealth health;
    private final long timeoutNanos;
    /** Times out calls bounded by the command timeout alone. */
    private final Deadlines commandDeadlines;
    /** Times out calls of a shorter bound (the engine's decision timeout): the last such bound's. */
    private volatile Deadlines otherDeadlines;
    /**
     * When the latest answer arrived ({@link System#nanoTime()}), written by the connection's thread: a sign that the
     * server is alive, which the decisions' deadlines read to tell a slow client from a dead server. Starts far in the
     * past (no answer yet).
     */
    private volatile long lastAnswerNanos = System.nanoTime() - (1L << 60);
    /** The replicas a call's writes must reach before it is answered (WAIT); 0 when the engine does not wait. */
    private final int ackReplicas;
    /** The WAIT's timeout, in milliseconds (at least 1: a WAIT of 0 would block forever). */
    private final long ackTimeoutMillis;

    ScriptRunner(RedisLink link, Duration timeout, RedisHealth health) {
        this(link, timeout, health, 0, 0L);
    }

    /**
     * @param ackReplicas the replicas each call's writes must reach before it is answered, or 0 not to wait
     * @param ackTimeoutMillis how long the WAIT waits for them, at least 1 ms when {@code ackReplicas} is not 0
     */
    ScriptRunner(RedisLink link, Duration timeout, RedisHealth health, int ackReplicas, long ackTimeoutMillis) {
        this.link = link;
        this.health = health;
        this.timeoutNanos = timeout.toNanos();
        this.commandDeadlines = new Deadlines(timeoutNanos);
        this.ackReplicas = ackReplicas;
        this.ackTimeoutMillis = ackTimeoutMillis;
    }

    /**
     * Loads every script without waiting: commands on one connection run in order, so the loads precede the first
     * EVALSHA (on a Cluster the loads go to every node on connections of their own, so an early EVALSHA may still meet
     * NOSCRIPT). A failure here is harmless; a missing script is loaded on its NOSCRIPT error.
     *
     * @param commands the commands of the connection, new or the first
     */
    static void preload(RedisClusterAsyncCommands<String, String> commands) {
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
        return run(script, keys, args, timeoutNanos, null);
    }

    /**
     * Whether an answer to any call arrived within the last {@code nanos}: the server is alive, whatever one call's
     * timeout says.
     *
     * @param nanos how far back to look
     * @return true if the server answered in that time
     */
    boolean answeredWithin(long nanos) {
        return System.nanoTime() - lastAnswerNanos < nanos;
    }

    /**
     * Whether the server has answered within the command timeout: a server silent for that long is taken for down,
     * whatever the client's load.
     *
     * @return true if an answer arrived within the command timeout
     */
    boolean answeredWithinCommandTimeout() {
        return answeredWithin(timeoutNanos);
    }

    /** Learns of a script's answer that came after its call had timed out. */
    interface Late {
        /**
         * The answer of a call that had already failed with a timeout; runs on Lettuce's thread, must not block.
         *
         * @param answer the script's answer, in the common shape
         */
        void lateAnswer(long[] answer);
    }

    /**
     * Runs a script within the shorter of the command timeout and {@code boundNanos}: a decision's own bound, applied
     * here so a decision is timed once. No timer is set per call: the calls of one bound share one ({@link Deadlines}).
     *
     * @param late told of an answer that arrives after the call timed out (null for nobody), so that a grant made by
     *     a decision its caller no longer waits for can be given back
     * @return as {@link #run(Script, String[], String[])}
     */
    CompletableFuture<long[]> run(Script script, String[] keys, String[] args, long boundNanos, Late late) {
        return call(new Call(script, keys, args, late, false), boundNanos);
    }

    /**
     * Runs a batch script ({@link Script#batch}) within the shorter of the command timeout and {@code boundNanos}.
     *
     * @param late told of an answer that arrives after the call timed out (null for nobody)
     * @return its answer as the script gave it, a flat array of integers (not widened to the common shape); fails
     *     with the Redis error, or a timeout
     */
    CompletableFuture<long[]> runBatch(Script script, String[] keys, String[] args, long boundNanos, Late late) {
        return call(new Call(script, keys, args, late, true), boundNanos);
    }

    /**
     * What a deferred call sends, decided as late as possible: when the connection writes it (see
     * {@link #runDeferred}).
     */
    interface Deferred {

        /**
         * Decides the call's content. Called at most once per call that is written, on the connection's thread just
         * before its bytes are encoded; implementations memoize, since whoever sees the call fail unwritten may decide
         * it too, and Lettuce may encode a command again after a reconnect.
         *
         * @return what the call sends
         */
        Content content();
    }

    /**
     * A call's content.
     *
     * @param script the script
     * @param keys its keys
     * @param args its arguments
     * @param batch whether its answer is a batch's (a flat array of integers) rather than one decision's
     * @param late told of an answer that arrives after the call timed out, or null
     */
    record Content(Script script, String[] keys, String[] args, boolean batch, Late late) {
    }

    /**
     * Runs a script whose content is decided when the connection writes the call, not now: whatever the caller can
     * still add until then (requests that arrive while the connection's thread wakes) goes out in this call. The call
     * is dispatched now, so calls keep the order of their dispatch on the wire.
     *
     * @param deferred decides the call's content
     * @param boundNanos the call's bound, as {@link #run(Script, String[], String[], long, Late)} takes it
     * @return its answer, widened to the common shape unless the content is a batch's; fails with the Redis error or
     *     a timeout
     */
    CompletableFuture<long[]> runDeferred(Deferred deferred, long boundNanos) {
        return call(new Call(deferred), boundNanos);
    }

    /**
     * Times out a future that is not a call of this runner (a coalesced request waiting for its call) as this runner
     * times out its calls: within the shorter of the command timeout and {@code boundNanos}, waiting on while the
     * server answers other calls (see {@link Deadlines#telling}).
     *
     * @param timed the future
     * @param boundNanos its bound
     * @param nowNanos a reading of {@link System#nanoTime()} taken just before: the bound runs from it
     */
    void track(Deadlines.Timed<?> timed, long boundNanos, long nowNanos) {
        deadlines(Math.min(timeoutNanos, boundNanos)).track(timed, nowNanos);
    }

    private CompletableFuture<long[]> call(Call call, long boundNanos) {
        RedisClusterAsyncCommands<String, String> commands = link.commandsOrNull();
        if (commands == null) {
            call.completeExceptionally(link.notConnected()); // no connection yet: the failure policy answers
            return call;
        }
        commands.dispatch(CommandType.EVALSHA, new LongsOutput(), call.evalsha()).whenComplete(call);
        if (ackReplicas != 0) {
            sendWait(commands, call);
        }
        deadlines(Math.min(timeoutNanos, boundNanos)).track(call);
        return call;
    }

    /**
     * Sends {@code WAIT} right behind a call's script, on the same connection, so that it waits for the replicas to
     * acknowledge every write of this connection up to that script's.
     */
    private void sendWait(RedisClusterAsyncCommands<String, String> commands, Call call) {
        CommandArgs<String, String> wait = new CommandArgs<>(StringCodec.UTF8).add(ackReplicas).add(ackTimeoutMillis);
        commands.dispatch(CommandType.WAIT, new IntegerOutput<>(StringCodec.UTF8), wait).whenComplete(call.ack());
    }

    /** The deadlines of calls of one bound: the command timeout's, the last other bound's, or new ones. */
    private Deadlines deadlines(long boundNanos) {
        if (boundNanos == timeoutNanos) {
            return commandDeadlines;
        }
        Deadlines last = otherDeadlines;
        if (last != null && last.boundNanos() == boundNanos) {
            return last;
        }
        // Engines pass one decision bound, so this is made once; a race makes a spare that serves the same way.
        Deadlines made = Deadlines.telling(boundNanos, timeoutNanos, () -> lastAnswerNanos);
        otherDeadlines = made;
        return made;
    }

    /**
     * One script call and its answer, in one object: it receives Lettuce's reply directly (no chain of stages per
     * decision), and answers a NOSCRIPT error by running the script once by EVAL.
     */
    private final class Call extends Deadlines.Timed<long[]> implements BiConsumer<Object, Throwable> {
        /** Decides the content of a deferred call when it is written; null for a call whose content is given. */
        private final Deferred deferred;
        /*
         * The content: given, or set when a deferred call is written, under the lock of its arguments (see
         * DeferredArgs), before the connection's thread reads any of it (answers are read after the write).
         */
        private Script script;
        private String[] keys;
        private String[] args;
        /** Told of an answer that arrives after this call timed out; null for nobody. */
        private Late late;
        /** Whether the answer is a batch's, kept as the script gave it instead of widened to the common shape. */
        private boolean batch;
        /** Whether this is the EVAL after a NOSCRIPT: its own NOSCRIPT (impossible) is not retried again. */
        private boolean evaluated;
        /**
         * The script's answer held until its WAIT replies (replica acknowledgement only); null before, and once
         * handed on. Written and read on the connection's thread, which reads a connection's replies in order.
         */
        private long[] held;

        /** What receives this call's WAIT replies. */
        BiConsumer<Long, Throwable> ack() {
            return this::acknowledged;
        }

        Call(Script script, String[] keys, String[] args, Late late, boolean batch) {
            this.deferred = null;
            this.script = script;
            this.keys = keys;
            this.args = args;
            this.late = late;
            this.batch = batch;
        }

        Call(Deferred deferred) {
            this.deferred = deferred;
        }

        /** The EVALSHA's arguments: built now, or when the connection writes them for a deferred call. */
        CommandArgs<String, String> evalsha() {
            return deferred == null ? arguments(script.sha, keys, args) : new DeferredArgs(this);
        }

        /** Takes a deferred call's content, decided as the call is written. */
        void adopt(Content content) {
            script = content.script();
            keys = content.keys();
            args = content.args();
            late = content.late();
            batch = content.batch();
        }

        @Override
        public void accept(Object answer, Throwable failure) {
            if (failure == null) {
                lastAnswerNanos = System.nanoTime();
                try {
                    long[] decoded = batch ? flat(answer) : decode(answer);
                    if (ackReplicas != 0) {
                        held = decoded; // answered when the WAIT behind it replies
                        return;
                    }
                    // Only the timeout completes a call before its answer: this answer came too late.
                    if (!complete(decoded) && late != null) {
                        late.lateAnswer(decoded);
                    }
                } catch (RuntimeException malformed) {
                    completeExceptionally(malformed);
                }
                untrack();
            } else if (!evaluated && !isDone() && isNoScript(failure)) {
                // EVAL runs the text and caches it in one step: a SCRIPT LOAD then EVALSHA could lose the script
                // again to a flush in between.
                evaluated = true;
                health.scriptLost(script.name);
                try {
                    RedisClusterAsyncCommands<String, String> commands = link.commands();
                    send(commands, CommandType.EVAL, script.text, keys, args).whenComplete(this);
                    if (ackReplicas != 0) {
                        sendWait(commands, this); // the WAIT sent behind the EVALSHA came before this write
                    }
                } catch (RuntimeException refused) {
                    completeExceptionally(refused);
                    untrack();
                }
            } else {
                completeExceptionally(Acquisition.unwrap(failure));
                untrack();
            }
        }

        /**
         * A WAIT's reply: answers the call with the held answer if enough replicas acknowledged, else fails it. A WAIT
         * that finds nothing held is ignored: its script failed (the call is answered), or met NOSCRIPT and its EVAL
         * went out with a WAIT of its own, which answers instead. An answer whose writes were not acknowledged is not
         * handed to the late recipient either: the caller heard the policy (or a timeout), and the grant stays
         * counted on the master, which can only under-admit.
         */
        private void acknowledged(Long replicas, Throwable failure) {
            long[] answer = held;
            if (answer == null) {
                return;
            }
            held = null;
            if (failure != null) {
                completeExceptionally(Acquisition.unwrap(failure));
            } else {
                lastAnswerNanos = System.nanoTime();
                if (replicas == null || replicas < ackReplicas) {
                    completeExceptionally(new UnacknowledgedWriteException(replicas == null ? 0L : replicas,
                            ackReplicas, ackTimeoutMillis));
                } else if (!complete(answer) && late != null) {
                    late.lateAnswer(answer); // acknowledged, but after the call timed out: given back
                }
            }
            untrack();
        }
    }

    /**
     * Sends EVALSHA (by the script's SHA-1) or EVAL (by its text) as the scripting API would, except that ARGV goes
     * out as plain strings written straight into the connection's buffer: the API passes values through the codec,
     * which costs a pooled scratch buffer and a copy per value on the connection's event loop.
     */
    private static CompletionStage<?> send(RedisClusterAsyncCommands<String, String> commands, CommandType type,
            String script, String[] keys, String[] args) {
        return commands.dispatch(type, new LongsOutput(), arguments(script, keys, args));
    }

    /** The arguments of EVALSHA or EVAL: the script's SHA-1 or text, the keys, then ARGV. */
    private static CommandArgs<String, String> arguments(String script, String[] keys, String[] args) {
        return append(new CommandArgs<>(StringCodec.UTF8), script, keys, args);
    }

    private static CommandArgs<String, String> append(CommandArgs<String, String> command, String script,
            String[] keys, String[] args) {
        command.add(script).add(keys.length)
                .addKeys(keys); // keys through the codec, as the API does: a Cluster routes by the first one
        return appendPlain(command, args);
    }

    /** Appends values as plain strings, written straight into the connection's buffer. */
    private static CommandArgs<String, String> appendPlain(CommandArgs<String, String> command, String[] values) {
        for (String value : values) {
            command.add(value);
        }
        return command;
    }

    /**
     * The arguments of a deferred call: empty until Lettuce first asks for them, which it does on the connection's
     * thread as it encodes the command for the wire (its size, then its bytes); then the call's content is decided
     * and appended. Standalone and Sentinel connections only: a Cluster connection reads the first key earlier, on
     * the caller's thread, to route the command.
     */
    private static final class DeferredArgs extends CommandArgs<String, String> {
        private final Call call;
        private boolean decided;

        DeferredArgs(Call call) {
            super(StringCodec.UTF8);
            this.call = call;
        }

        @Override
        public int count() {
            decide();
            return super.count();
        }

        @Override
        public void encode(ByteBuf buffer) {
            decide();
            super.encode(buffer);
        }

        /** Decides the content once, even if Lettuce encodes the command again after a reconnect. */
        private synchronized void decide() {
            if (!decided) {
                Content content = call.deferred.content();
                call.adopt(content);
                // Nothing routes a deferred call by its keys (it goes out on the one connection it was sent on), so
                // they go out as plain strings too: through the codec each key costs a pooled scratch buffer and a
                // copy on this thread, and a many-keys call carries up to 256 of them.
                add(content.script().sha).add(content.keys().length);
                appendPlain(this, content.keys());
                appendPlain(this, content.args());
                decided = true;
            }
        }
    }

    /**
     * The answer read by {@link LongsOutput} (null if malformed), in the common shape {@code {granted, wait or retry,
     * remaining, reading, ...}}. The bucket script's short answers are widened to it: one integer is an immediate
     * grant with that many remaining, three are a refusal {@code {0, retry, remaining}}; their reading is 0, which the
     * bucket never needs. A reserved slot comes whole, its slot's time in the reading's place: the settlement of a
     * give-back recognises the slot by it.
     */
    private static long[] decode(Object answer) {
        if (!(answer instanceof long[] values)) {
            throw new IllegalStateException("unexpected script answer " + answer);
        }
        if (values.length >= 4) {
            return values;
        }
        if (values.length == 1) {
            return new long[] {1L, 0L, values[0], 0L};
        }
        if (values.length == 3) {
            return new long[] {values[0], values[1], values[2], 0L};
        }
        throw new IllegalStateException("unexpected script answer " + Arrays.toString(values));
    }

    /** A batch's answer read by {@link LongsOutput}: a flat array of integers. */
    private static long[] flat(Object answer) {
        if (!(answer instanceof long[] values)) {
            throw new IllegalStateException("unexpected batch answer " + answer);
        }
        return values;
    }

    private static boolean isNoScript(Throwable failure) {
        Throwable cause = Acquisition.unwrap(failure);
        return cause instanceof RedisNoScriptException
                || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
    }
}
