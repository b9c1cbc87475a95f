package dev.throttle.benchmarks;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * The Redis server a Redis benchmark runs against: the one named by the {@code REDIS_URL} environment variable if it
 * is set (left running, never flushed), otherwise a {@code redis-server} from the PATH, started on a free loopback
 * port without persistence ({@code --save "" --appendonly no}, so disk writes never show in a figure) and stopped by
 * {@link #close()}. The benchmark calls {@link #close()} from its {@code @TearDown(Level.Trial)}; a shutdown hook stops
 * the server too if the JVM dies first, so no server outlives its run.
 */
final class BenchRedis implements AutoCloseable {

    /** The environment variable naming an existing server, e.g. {@code redis://127.0.0.1:6379}. */
    static final String URL_VARIABLE = "REDIS_URL";

    private static final String LOOPBACK = "127.0.0.1";
    private static final long START_TIMEOUT_MILLIS = 10_000L;
    private static final int PING_TIMEOUT_MILLIS = 500;

    /** The server of the running trial: {@link #measured()}. */
    private static volatile BenchRedis measured;

    private final RedisURI uri;
    private final Process process;
    private final Path log;
    private final Thread killer;
    /** Whether {@link #close()} ran; then {@link #cpuSeconds()} answers what it read as it closed. */
    private boolean closed;
    private OptionalDouble cpuAtClose = OptionalDouble.empty();
    /** The connection {@link #cpuSeconds()} asks on, and its client; null until first asked. */
    private RedisClient adminClient;
    private StatefulRedisConnection<String, String> admin;

    private BenchRedis(RedisURI uri, Process process, Path log) {
        this.uri = uri;
        this.process = process;
        this.log = log;
        this.killer = process == null ? null : new Thread(process::destroyForcibly, "bench-redis-killer");
        if (killer != null) {
            Runtime.getRuntime().addShutdownHook(killer);
        }
    }

    /**
     * The server of {@code REDIS_URL}, or a new {@code redis-server} answering PING.
     *
     * @return the server
     * @throws IllegalStateException if there is no {@code REDIS_URL} and no {@code redis-server} on the PATH, or the
     *     server does not answer PING within 10 s
     */
    static BenchRedis start() {
        String url = System.getenv(URL_VARIABLE);
        BenchRedis redis = url != null && !url.isBlank()
                ? new BenchRedis(RedisURI.create(url.trim()), null, null) : launch();
        measured = redis;
        return redis;
    }

    /**
     * The server the running trial's decisions go to (a replicated trial's master), for {@link RedisCpuProfiler}.
     *
     * @return the server, until it is closed
     */
    static Optional<BenchRedis> measured() {
        return Optional.ofNullable(measured);
    }

    /**
     * A new {@code redis-server} from the PATH and a replica of it ({@code --replicaof}), in sync, whatever
     * {@code REDIS_URL} says: for benchmarks of replication.
     *
     * @return the master and the replica, in that order; close both
     * @throws IllegalStateException if there is no {@code redis-server} on the PATH, or the replica is not in sync
     *     within 10 s
     */
    static BenchRedis[] startWithReplica() {
        BenchRedis master = launch();
        BenchRedis replica;
        try {
            // A replica loads its initial sync through a file: in a directory of its own, not the working directory.
            String dir = Files.createTempDirectory("bench-replica-").toString();
            replica = launch("--replicaof", LOOPBACK, Integer.toString(master.uri.getPort()), "--dir", dir);
        } catch (IOException failure) {
            master.close();
            throw new IllegalStateException("cannot create a directory for the replica", failure);
        } catch (RuntimeException failure) {
            master.close();
            throw failure;
        }
        try {
            replica.awaitInSync();
        } catch (RuntimeException failure) {
            replica.close();
            master.close();
            throw failure;
        }
        measured = master;
        return new BenchRedis[] {master, replica};
    }

    private static BenchRedis launch(String... extra) {
        int port = freePort();
        Path log;
        Process process;
        try {
            log = Files.createTempFile("bench-redis-" + port + "-", ".log");
            List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                    "--bind", LOOPBACK, "--save", "", "--appendonly", "no"));
            command.addAll(List.of(extra));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException failure) {
            throw new IllegalStateException("The Redis benchmarks need a Redis server: set " + URL_VARIABLE
                    + " (e.g. redis://127.0.0.1:6379) or put redis-server on the PATH (" + failure.getMessage() + ")",
                    failure);
        }
        BenchRedis redis = new BenchRedis(RedisURI.create(LOOPBACK, port), process, log);
        try {
            redis.awaitPong(port);
        } catch (RuntimeException failure) {
            redis.close();
            throw failure;
        }
        return redis;
    }

    /**
     * Where the server listens.
     *
     * @return its address
     */
    RedisURI uri() {
        return uri;
    }

    /**
     * Whether this run started the server (and will stop it), rather than using {@code REDIS_URL}'s.
     *
     * @return true if the server is this run's own
     */
    boolean owned() {
        return process != null;
    }

    /** Stops the server if this run started it (bounded: a forced kill after 5 s); a server of REDIS_URL is kept. */
    @Override
    public void close() {
        synchronized (this) {
            cpuAtClose = cpuSeconds(); // before it stops: the last iteration's profile ends after the trial's teardown
            closed = true;
            if (adminClient != null) {
                adminClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
        if (measured == this) {
            measured = null;
        }
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting: the hook runs anyway and kills a dead process, which is harmless.
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // A leftover temporary log is harmless.
        }
    }

    /** Polls INFO replication until this replica's link to its master is up, or 10 s pass. */
    private void awaitInSync() {
        RedisClient admin = RedisClient.create();
        try (StatefulRedisConnection<String, String> connection = admin.connect(uri)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
            while (!connection.sync().info("replication").contains("master_link_status:up")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the replica on port " + uri.getPort() + " was not in sync within "
                            + START_TIMEOUT_MILLIS + " ms: " + logText());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the replica", interrupted);
                }
            }
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Polls with PING until the server answers, it dies, or 10 s pass. */
    private void awaitPong(int port) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue()
                        + " before answering PING: " + logText());
            }
            if (pong(port)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for redis-server", interrupted);
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                + START_TIMEOUT_MILLIS + " ms: " + logText());
    }

    /** One PING in the inline protocol; any failure means "not yet". */
    private static boolean pong(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), PING_TIMEOUT_MILLIS);
            socket.setSoTimeout(PING_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = new byte[7];
            int read = 0;
            while (read < answer.length) {
                int n = in.read(answer, read, answer.length - read);
                if (n < 0) {
                    return false;
                }
                read += n;
            }
            return "+PONG\r\n".equals(new String(answer, StandardCharsets.US_ASCII));
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * The server's CPU time so far, user and system, in seconds ({@code used_cpu_user + used_cpu_sys} of
     * {@code INFO cpu}, microsecond resolution), read on a connection of its own (opened on first use, closed with the
     * server); once closed, what it was then.
     *
     * @return the seconds, or empty if the server cannot be asked now
     */
    synchronized OptionalDouble cpuSeconds() {
        if (closed) {
            return cpuAtClose;
        }
        try {
            if (admin == null) {
                adminClient = RedisClient.create();
                admin = adminClient.connect(uri);
            }
            double seconds = 0.0;
            int found = 0;
            for (String field : admin.sync().info("cpu").split("\r\n")) {
                if (field.startsWith("used_cpu_user:") || field.startsWith("used_cpu_sys:")) {
                    seconds += Double.parseDouble(field.substring(field.indexOf(':') + 1).trim());
                    found++;
                }
            }
            return found == 2 ? OptionalDouble.of(seconds) : OptionalDouble.empty();
        } catch (RuntimeException unavailable) {
            return OptionalDouble.empty();
        }
    }

    /** A port free on the loopback interface now; the server binds it a moment later. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException failure) {
            throw new IllegalStateException("no free loopback port for redis-server", failure);
        }
    }

    private String logText() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "(no output)" : text;
        } catch (IOException failure) {
            return "(its log could not be read: " + failure.getMessage() + ")";
        }
    }
}
