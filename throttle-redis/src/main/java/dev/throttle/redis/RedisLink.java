package dev.throttle.redis;

import dev.throttle.Scheduler;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The engine's connection to Redis, and what to do before there is one.
 *
 * <p>A connection the caller gives is used as it is. A connection the engine makes is opened when the engine is built,
 * which waits for that first attempt to succeed or fail (Lettuce bounds it by its connect timeout, 10 s by default; a
 * refused connection fails at once). If Redis cannot be reached then (an outage while the application starts), the
 * engine is built all the same and keeps trying in the background, every {@link #RETRY_MIN_NANOS} at first, backing
 * off to every {@link #RETRY_MAX_NANOS}. Until a connection exists every command fails at once with a
 * {@link RedisConnectionException}, which the failure policy answers like any outage; once it exists, decisions go to
 * Redis by themselves. After that, Lettuce reconnects the connection itself.
 *
 * <p>The decision path reads one volatile field ({@link #commands()}).
 */
final class RedisLink implements AutoCloseable {

    /**
     * The longest the build waits for the first attempt, should Lettuce's own timeouts not end it: the attempt goes
     * on in the background after that.
     */
    static final long FIRST_ATTEMPT_MAX_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** The first retry's delay after a failed attempt. */
    static final long RETRY_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The longest delay between attempts: a server back from an outage is found within it. */
    static final long RETRY_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Opens a connection without blocking; null when the caller gave the connection. */
    private final Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> opener;
    /** Runs the retries, in real time whatever clock decisions use: the JVM-wide timer (no thread of its own). */
    private final Scheduler timer;
    private final RedisHealth health;
    /** Told of the connection's commands once it exists (to load the scripts on it). */
    private volatile Consumer<RedisClusterAsyncCommands<String, String>> onConnected = commands -> { };
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile boolean closed;
    /** When the first attempt failed (System.nanoTime), for the line that says how long the engine waited. */
    private long firstFailure;
    private long retryDelayNanos = RETRY_MIN_NANOS;

    private RedisLink(Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> opener,
            Scheduler timer, StatefulConnection<String, String> given, RedisHealth health) {
        this.opener = opener;
        this.timer = timer;
        this.health = health;
        if (given != null) {
            adopt(given);
        }
    }

    /** A connection the caller gave (and closes). */
    static RedisLink given(StatefulConnection<String, String> connection, RedisHealth health) {
        return new RedisLink(null, null, connection, health);
    }

    /**
     * A connection the engine opens with {@code opener}, waiting for it at most {@code waitNanos}; retried on
     * {@code timer} until it exists if Redis cannot be reached.
     */
    static RedisLink opened(Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> opener,
            Scheduler timer, RedisHealth health, long waitNanos) {
        RedisLink link = new RedisLink(opener, timer, null, health);
        CompletableFuture<? extends StatefulConnection<String, String>> first = link.attempt();
        try {
            first.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException notYet) {
            // Not connected yet: the attempt's own completion adopts the connection or schedules the next attempt.
        }
        return link;
    }

    /** Tells {@code listener} of the connection's commands now if it exists, else once it does. */
    void onConnected(Consumer<RedisClusterAsyncCommands<String, String>> listener) {
        this.onConnected = listener;
        RedisClusterAsyncCommands<String, String> now = commands;
        if (now != null) {
            listener.accept(now);
        }
    }

    /**
     * The commands of the connection.
     *
     * @throws RedisConnectionException if the engine has not connected to Redis yet
     */
    RedisClusterAsyncCommands<String, String> commands() {
        RedisClusterAsyncCommands<String, String> now = commands;
        if (now == null) {
            throw notConnected();
        }
        return now;
    }

    /** The commands, or null while there is no connection yet: for the decision path, which fails its own way. */
    RedisClusterAsyncCommands<String, String> commandsOrNull() {
        return commands;
    }

    /** The failure of a command sent before the engine could connect. */
    RedisConnectionException notConnected() {
        return new RedisConnectionException("not connected yet: Redis could not be reached since the engine was"
                + " built, and the engine keeps trying");
    }

    /** Whether the connection exists and is up now. */
    boolean isOpen() {
        StatefulConnection<String, String> now = connection;
        return now != null && now.isOpen();
    }

    /** Closes the connection if the engine opened it, and stops any retry. Never throws. */
    @Override
    public void close() {
        closed = true;
        StatefulConnection<String, String> now = connection;
        if (opener != null && now != null) {
            try {
                now.close();
            } catch (RuntimeException failure) {
                // Closing is best effort: the connection is unusable either way.
            }
        }
    }

    private CompletableFuture<? extends StatefulConnection<String, String>> attempt() {
        CompletableFuture<? extends StatefulConnection<String, String>> pending;
        try {
            pending = opener.get();
        } catch (RuntimeException refused) {
            pending = CompletableFuture.failedFuture(refused);
        }
        // The stage after the handling, so a caller waiting on it finds the connection adopted.
        return pending.whenComplete((opened, failure) -> {
            if (failure == null) {
                connected(opened);
            } else {
                failed(failure);
            }
        });
    }

    private void connected(StatefulConnection<String, String> opened) {
        if (closed) {
            opened.closeAsync(); // the engine closed while this attempt was under way
            return;
        }
        long waited;
        synchronized (this) {
            waited = firstFailure == 0L ? -1L : System.nanoTime() - firstFailure;
        }
        adopt(opened);
        if (waited >= 0L) {
            health.connectedLate(waited);
        }
    }

    private void adopt(StatefulConnection<String, String> opened) {
        this.connection = opened;
        this.commands = asyncCommands(opened);
        onConnected.accept(commands);
    }

    private void failed(Throwable failure) {
        if (closed) {
            return;
        }
        long delay;
        synchronized (this) {
            if (firstFailure == 0L) {
                firstFailure = System.nanoTime() | 1L; // never 0, which means "none yet"
                health.unreachableAtStart(failure);
            }
            delay = retryDelayNanos;
            retryDelayNanos = Math.min(RETRY_MAX_NANOS, retryDelayNanos * 2);
        }
        try {
            timer.schedule(() -> {
                if (!closed) {
                    attempt();
                }
            }, delay);
        } catch (RuntimeException shutDown) {
            // The timer refused the task: no more attempts; commands keep failing as not connected.
        }
    }

    @SuppressWarnings("unchecked")
    private static RedisClusterAsyncCommands<String, String> asyncCommands(StatefulConnection<String, String> opened) {
        return opened instanceof StatefulRedisClusterConnection<?, ?>
                ? ((StatefulRedisClusterConnection<String, String>) opened).async()
                : ((StatefulRedisConnection<String, String>) opened).async();
    }
}
