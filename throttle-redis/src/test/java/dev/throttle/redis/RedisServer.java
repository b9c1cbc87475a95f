package dev.throttle.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * The Redis server the tests run against, shared by every test class of the JVM: the one at {@code REDIS_URL} when
 * set; otherwise a {@code redis-server} from the PATH started on a free loopback port without persistence; otherwise
 * the binary shipped by embedded-redis. A started server is stopped when the JVM exits. Tests isolate themselves by
 * unique key prefixes ({@link #uniquePrefix(String)}), never by flushing a server they may share.
 */
final class RedisServer {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    /**
     * The decision timeout of the tests' engines, except the fault tests': generous, so a loaded CI machine slowing a
     * round trip past the 50 ms default can never turn a test's decision into the failure policy's refusal.
     */
    static final Duration DECISION_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The length of a fixed window that no run of a test crosses: in server time the scripts align windows to
     * 2026-01-01, so the first boundary of a ten-year window is in 2035. A test on the server's clock that counts a
     * window's grants uses it: a window of a minute, ten minutes, an hour or a day rolls over on the wall clock's
     * minute, ten minutes, hour or midnight UTC, and a run that crossed one saw the limit granted again.
     */
    static final Duration DECADE = Duration.ofDays(3650);
    private static RedisServer instance;

    private final RedisURI uri;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private RedisServer(RedisURI uri) {
        this.uri = uri;
        this.client = RedisClient.create();
        this.connection = client.connect(StringCodec.UTF8, uri);
        Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown));
    }

    /** The shared server, started on first use. */
    static synchronized RedisServer get() {
        if (instance == null) {
            instance = new RedisServer(start());
        }
        return instance;
    }

    RedisURI uri() {
        return uri;
    }

    RedisClient client() {
        return client;
    }

    /** A connection shared by the tests' engines (thread-safe). */
    StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    /** Opens a separate connection, for administration (INFO, SCRIPT FLUSH) beside an engine's. */
    StatefulRedisConnection<String, String> newConnection() {
        return client.connect(StringCodec.UTF8, uri);
    }

    /** A key prefix no other test (or earlier run against a shared server) uses. */
    static String uniquePrefix(String what) {
        return "test:" + what + ":" + UUID.randomUUID() + ":";
    }

    private static RedisURI start() {
        String url = System.getenv("REDIS_URL");
        if (url != null && !url.isBlank()) {
            RedisURI uri = RedisURI.create(url);
            System.out.println("Redis for the tests: Redis " + version(uri) + " at REDIS_URL (" + uri + ")");
            return uri;
        }
        int port = RedisBinary.freePort();
        startProcess(RedisBinary.find(), port);
        awaitPing(port);
        return RedisURI.create("redis://127.0.0.1:" + port);
    }

    /** The version a server reports in INFO server. */
    private static String version(RedisURI uri) {
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, uri)) {
            for (String line : connection.sync().info("server").split("\\r?\\n")) {
                if (line.startsWith("redis_version:")) {
                    return line.substring("redis_version:".length()).trim();
                }
            }
            return "of unknown version";
        } finally {
            client.shutdown();
        }
    }

    private static void startProcess(File binary, int port) {
        try {
            Process process = new ProcessBuilder(binary.getPath(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
    }

    /** Waits, bounded, until the server answers PING. */
    private static void awaitPing(int port) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                socket.setSoTimeout(500);
                OutputStream out = socket.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String line = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                if ("+PONG".equals(line)) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(20); // polling a starting process, not timing a limiter
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for redis-server", e);
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                + START_TIMEOUT, last);
    }
}
