package dev.throttle.redis;

import io.lettuce.core.RedisURI;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A redis-server process of one test's own, on a free loopback port, that the test can kill, pause and restart on the
 * same port: for fault tests, which must not disturb the server other tests share ({@link RedisServer}). The binary is
 * {@link RedisBinary#find()}'s. Administration goes through a fresh socket per command (RESP by hand), so it works
 * across kills. {@link #close()} kills the process; a JVM shutdown hook does too, should a test fail to close it.
 */
final class RedisProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final int SOCKET_TIMEOUT_MILLIS = 5_000;

    private final File binary;
    private final int port;
    private final Thread hook;
    /** Arguments added to the command line, such as {@code --replicaof}. */
    private final String[] extra;
    private volatile Process process;

    private RedisProcess(File binary, int port, String... extra) {
        this.binary = binary;
        this.port = port;
        this.extra = extra.clone();
        this.hook = new Thread(this::kill);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts a server on a free port and waits, bounded, until it answers PING. */
    static RedisProcess start() {
        RedisProcess redis = new RedisProcess(RedisBinary.find(), RedisBinary.freePort());
        redis.launch();
        return redis;
    }

    /**
     * Starts a replica of {@code master} on a free port and waits, bounded, until its link to the master is up (the
     * initial sync done).
     */
    static RedisProcess replicaOf(RedisProcess master) {
        String dir;
        try {
            // A replica loads its initial sync through a file: in a directory of its own, not the working directory.
            dir = Files.createTempDirectory("throttle-replica-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the replica", e);
        }
        RedisProcess redis = new RedisProcess(RedisBinary.find(), RedisBinary.freePort(), "--replicaof", "127.0.0.1",
                Integer.toString(master.port()), "--dir", dir);
        redis.launch();
        Polling.await("the replica on port " + redis.port + " in sync",
                () -> redis.command("INFO", "replication").contains("master_link_status:up"), START_TIMEOUT, "");
        return redis;
    }

    int port() {
        return port;
    }

    RedisURI uri() {
        return RedisURI.create("redis://127.0.0.1:" + port);
    }

    /** The server's version, e.g. {@code "7.0.15"}. */
    String version() {
        Matcher matcher = Pattern.compile("redis_version:([0-9.]+)").matcher(command("INFO", "server"));
        return matcher.find() ? matcher.group(1) : "unknown";
    }

    /** Kills the process at once (SIGKILL), as a crash would, and waits for it to be gone. */
    void kill() {
        Process current = process;
        if (current == null) {
            return;
        }
        current.destroyForcibly();
        try {
            if (!current.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("redis-server on port " + port + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing redis-server", e);
        }
        process = null;
    }

    /**
     * Freezes the process (SIGSTOP), as a stalled host or a long pause would: the socket stays open and commands queue
     * in it, to run when {@link #resume()} thaws it. Unlike CLIENT PAUSE, nothing is answered meanwhile, not even
     * administration.
     */
    void freeze() {
        signal("STOP");
    }

    /** Thaws a frozen process (SIGCONT): it runs the commands queued meanwhile, in order. */
    void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        Process current = process;
        if (current == null) {
            throw new IllegalStateException("redis-server on port " + port + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(current.pid())).inheritIO().start();
            if (!kill.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " failed for redis-server on port " + port);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling redis-server", e);
        }
    }

    /** Starts the server again on the same port (empty: there is no persistence). */
    void restart() {
        kill();
        launch();
    }

    /** Pauses every client's commands for {@code pause} (CLIENT PAUSE, in every version the tests use). */
    void pause(Duration pause) {
        command("CLIENT", "PAUSE", Long.toString(pause.toMillis()));
    }

    /** Makes the server forget every script, as a restart or failover does. */
    void scriptFlush() {
        command("SCRIPT", "FLUSH");
    }

    /** How many times the server has run {@code name} (INFO commandstats), e.g. {@code "evalsha"}. */
    long calls(String name) {
        Matcher matcher = Pattern.compile("cmdstat_" + name + ":calls=(\\d+)").matcher(command("INFO", "commandstats"));
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0L;
    }

    /**
     * Sends one command on a fresh connection and returns its reply as text (a status, a number or a bulk string).
     *
     * @throws IllegalStateException on an error reply
     */
    String command(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SOCKET_TIMEOUT_MILLIS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                request.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply(new BufferedInputStream(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server on port " + port + ": " + String.join(" ", args), e);
        }
    }

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // The JVM is already shutting down; the hook kills the process.
        }
    }

    private void launch() {
        try {
            List<String> command = new ArrayList<>(List.of(binary.getPath(), "--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
            command.addAll(List.of(extra));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        awaitPing();
    }

    private void awaitPing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited with "
                        + process.exitValue(), last);
            }
            try {
                Thread.sleep(10); // polling a starting process, not timing a limiter
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for redis-server", e);
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                + START_TIMEOUT, last);
    }

    private static String reply(InputStream in) throws IOException {
        String line = line(in);
        switch (line.charAt(0)) {
            case '+':
            case ':':
                return line.substring(1);
            case '-':
                throw new IllegalStateException("redis error: " + line.substring(1));
            case '$':
                int length = Integer.parseInt(line.substring(1));
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            default:
                throw new IllegalStateException("unexpected reply " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (previous == '\r' && b == '\n') {
                byte[] all = bytes.toByteArray();
                return new String(all, 0, all.length - 1, StandardCharsets.UTF_8);
            }
            bytes.write(b);
            previous = b;
        }
    }
}
