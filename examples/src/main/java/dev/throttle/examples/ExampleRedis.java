package dev.throttle.examples;

import io.lettuce.core.RedisURI;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * The Redis an example talks to: the one {@code REDIS_URL} names, else a {@code redis-server} from the PATH started on a
 * free loopback port, else the binary that embedded-redis ships. Closing stops only what this class started.
 */
final class ExampleRedis implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final RedisURI uri;
    private final String origin;
    private final AutoCloseable stopper;

    private ExampleRedis(RedisURI uri, String origin, AutoCloseable stopper) {
        this.uri = uri;
        this.origin = origin;
        this.stopper = stopper;
    }

    /**
     * Finds or starts a Redis.
     *
     * @return a running Redis
     */
    static ExampleRedis start() {
        String url = System.getenv("REDIS_URL");
        if (url != null && !url.isBlank()) {
            return new ExampleRedis(RedisURI.create(url), "REDIS_URL", () -> { });
        }
        int port = freePort();
        File binary = onPath("redis-server");
        if (binary != null) {
            return startProcess(binary, port);
        }
        redis.embedded.RedisServer server;
        try {
            server = redis.embedded.RedisServer.newRedisServer().port(port).bind("127.0.0.1").build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded-redis's redis-server", e);
        }
        return new ExampleRedis(RedisURI.create("127.0.0.1", port), "embedded-redis's redis-server", server::stop);
    }

    /** Where to connect. */
    RedisURI uri() {
        return uri;
    }

    /** Where this Redis comes from, for the example's output. */
    String origin() {
        return origin;
    }

    /** Stops the Redis this class started, if any; an interrupted wait for it to stop keeps the interrupt. */
    @Override
    public void close() {
        try {
            stopper.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop " + origin, e);
        }
    }

    private static ExampleRedis startProcess(File binary, int port) {
        Process process;
        try {
            process = new ProcessBuilder(binary.getPath(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + binary, e);
        }
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        while (!accepts(port)) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(binary + " did not start on port " + port);
            }
            sleepBriefly();
        }
        return new ExampleRedis(RedisURI.create("127.0.0.1", port), binary.getPath(), () -> {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        });
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting redis-server", e);
        }
    }

    private static File onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File candidate = new File(dir, name);
            if (candidate.isFile() && candidate.canExecute()) {
                return candidate;
            }
        }
        return null;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
