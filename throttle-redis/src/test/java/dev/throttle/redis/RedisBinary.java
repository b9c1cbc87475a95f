package dev.throttle.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the tests' redis-server comes from, and free loopback ports for it: one rule for every fixture (the shared
 * server, the fault tests' processes, the cluster and the Sentinel fixtures). The first fixture to ask prints which
 * binary the tests run, one line on the console.
 */
final class RedisBinary {

    private static final Pattern VERSION = Pattern.compile("v=(\\S+)");

    private static File found;

    private RedisBinary() {
    }

    /**
     * The binary named by {@code -Dredis.server.binary} (to run the tests on another version), else redis-server from
     * the PATH (unless {@code -Dthrottle.redis.embedded=true}), else the one embedded-redis ships (6.2). Chosen once
     * per JVM, and announced then.
     *
     * @return an executable redis-server
     */
    static synchronized File find() {
        if (found == null) {
            String source;
            String chosen = System.getProperty("redis.server.binary");
            if (chosen != null && !chosen.isBlank()) {
                found = new File(chosen);
                source = "-Dredis.server.binary";
            } else {
                found = Boolean.getBoolean("throttle.redis.embedded") ? null : onPath();
                source = "the PATH";
                if (found == null) {
                    found = embedded();
                    source = "embedded-redis";
                }
            }
            String url = System.getenv("REDIS_URL");
            System.out.println("Redis for the tests" + (url == null || url.isBlank() ? "" : " that start their own")
                    + ": redis-server " + version(found) + " from " + source + " (" + found + ")");
        }
        return found;
    }

    private static File onPath() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                File candidate = new File(dir, "redis-server");
                if (candidate.isFile() && candidate.canExecute()) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static File embedded() {
        try {
            List<String> args = redis.embedded.RedisServer.newRedisServer().port(freePort()).buildCommandArgs();
            return new File(args.get(0));
        } catch (IOException e) {
            throw new UncheckedIOException("no redis-server on the PATH, and embedded-redis's cannot be extracted", e);
        }
    }

    /** The binary's version, from {@code redis-server --version} ("Redis server v=7.0.15 sha=..."). */
    private static String version(File binary) {
        try {
            Process process = new ProcessBuilder(binary.getPath(), "--version").redirectErrorStream(true).start();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            process.waitFor(10, TimeUnit.SECONDS);
            Matcher version = VERSION.matcher(output);
            return version.find() ? version.group(1) : "of unknown version";
        } catch (IOException e) {
            return "of unknown version (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "of unknown version";
        }
    }

    /**
     * A loopback port nobody listens on now.
     *
     * @return the port
     */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
