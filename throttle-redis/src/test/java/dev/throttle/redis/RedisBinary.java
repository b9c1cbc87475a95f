package dev.throttle.redis;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

/**
 * Where the tests' redis-server comes from, and free loopback ports for it: one rule for every fixture (the shared
 * server, the fault tests' processes, the cluster and the Sentinel fixtures).
 */
final class RedisBinary {

    private RedisBinary() {
    }

    /**
     * The binary named by {@code -Dredis.server.binary} (to run the tests on another version), else redis-server from
     * the PATH (unless {@code -Dthrottle.redis.embedded=true}), else the one embedded-redis ships (6.2).
     *
     * @return an executable redis-server
     */
    static File find() {
        String chosen = System.getProperty("redis.server.binary");
        if (chosen != null && !chosen.isBlank()) {
            return new File(chosen);
        }
        if (!Boolean.getBoolean("throttle.redis.embedded")) {
            String path = System.getenv("PATH");
            if (path != null) {
                for (String dir : path.split(File.pathSeparator)) {
                    File candidate = new File(dir, "redis-server");
                    if (candidate.isFile() && candidate.canExecute()) {
                        return candidate;
                    }
                }
            }
        }
        try {
            List<String> args = redis.embedded.RedisServer.newRedisServer().port(freePort()).buildCommandArgs();
            return new File(args.get(0));
        } catch (IOException e) {
            throw new UncheckedIOException("no redis-server on the PATH, and embedded-redis's cannot be extracted", e);
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
