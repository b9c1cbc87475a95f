package dev.throttle.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throw-away Sentinel deployment on free loopback ports, for tests: a master, one replica of it
 * ({@code --replicaof}), and three sentinels (each {@code redis-server <conf> --sentinel} with its own config file)
 * monitoring the master as {@value #MASTER_NAME} with a quorum of two and a one-second down-after time, so a killed
 * master is replaced within seconds. Nothing persists; every file lives in one temporary directory. {@link #close()}
 * kills every process and deletes the directory (a shutdown hook does the same if the JVM exits first).
 *
 * <p>The binary is {@link RedisBinary#find()}'s. If it cannot run as a sentinel, the calling test fails with the
 * server's own words (it is never skipped). Administration goes
 * through short-lived Lettuce connections, so none is left reconnecting to a killed process.
 */
final class RedisSentinelFixture implements AutoCloseable {

    static final String MASTER_NAME = "mymaster";
    static final int SENTINELS = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(2);

    private final Path dir;
    private final ClientResources resources;
    private final RedisClient admin;
    private final Thread cleanup = new Thread(this::stopProcesses);
    private final List<Process> processes = new ArrayList<>();
    private final Set<Integer> usedPorts = new HashSet<>();
    private Process master;
    private int masterPort;
    private int replicaPort;
    private final List<Integer> sentinelPorts = new ArrayList<>();

    private RedisSentinelFixture() {
        try {
            this.dir = Files.createTempDirectory("throttle-sentinel-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the sentinels", e);
        }
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.admin = RedisClient.create(resources);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Starts the master and its replica, waits (bounded) until the replica is in sync, then starts the sentinels and
     * waits until each knows the replica and the two other sentinels (without which no failover can be authorised).
     */
    static RedisSentinelFixture start() {
        RedisSentinelFixture fixture = new RedisSentinelFixture();
        try {
            File binary = RedisBinary.find();
            fixture.masterPort = fixture.freePort();
            fixture.master = fixture.launchServer(binary, fixture.masterPort, "master");
            fixture.replicaPort = fixture.freePort();
            fixture.launchServer(binary, fixture.replicaPort, "replica",
                    "--replicaof", "127.0.0.1", Integer.toString(fixture.masterPort));
            fixture.await("the replica in sync", () -> fixture.info(fixture.replicaPort, "replication")
                    .contains("master_link_status:up"));
            boolean resolveHostnames = supportsResolveHostnames(fixture.info(fixture.masterPort, "server"));
            for (int i = 0; i < SENTINELS; i++) {
                fixture.startSentinel(binary, i, resolveHostnames);
            }
            fixture.await("every sentinel knowing the replica and the other sentinels", fixture::sentinelsReady);
            return fixture;
        } catch (RuntimeException | Error failure) {
            fixture.close();
            throw failure;
        }
    }

    /** The address an engine is given: every sentinel, and the monitored master's name. */
    RedisURI sentinelUri() {
        RedisURI.Builder builder = RedisURI.Builder.sentinel("127.0.0.1", sentinelPorts.get(0), MASTER_NAME);
        for (int i = 1; i < sentinelPorts.size(); i++) {
            builder.withSentinel("127.0.0.1", sentinelPorts.get(i));
        }
        return builder.withTimeout(ADMIN_TIMEOUT).build();
    }

    int masterPort() {
        return masterPort;
    }

    int replicaPort() {
        return replicaPort;
    }

    /** The master's port as the first sentinel that answers reports it ({@code SENTINEL get-master-addr-by-name}). */
    int reportedMasterPort() {
        RuntimeException last = null;
        for (int port : sentinelPorts) {
            try (StatefulRedisSentinelConnection<String, String> sentinel =
                    admin.connectSentinel(StringCodec.UTF8, plain(port))) {
                SocketAddress address = sentinel.sync().getMasterAddrByName(MASTER_NAME);
                return ((InetSocketAddress) address).getPort();
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no sentinel answered", last);
    }

    /** Kills the original master at once (SIGKILL), as a crash would, and waits (bounded) for it to be gone. */
    void killMaster() {
        master.destroyForcibly();
        try {
            if (!master.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the master on port " + masterPort + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing the master", e);
        }
    }

    /**
     * Starts the killed master again on its port, empty (nothing persists), as a crashed host coming back would: the
     * sentinels, which have promoted its replica meanwhile, make it a replica of the new master. Call it only once the
     * sentinels report the new master, or they may see the old one back before the failover and keep it (empty).
     */
    void restartKilledMaster() {
        if (master.isAlive()) {
            throw new IllegalStateException("the master on port " + masterPort + " is still running");
        }
        master = launchServer(RedisBinary.find(), masterPort, "old-master");
    }

    /**
     * Waits until {@code replicas} replicas acknowledged every write the master took (WAIT), bounded by one second.
     *
     * @return how many replicas acknowledged
     */
    long awaitReplication(int replicas) {
        try (StatefulRedisConnection<String, String> connection = admin.connect(StringCodec.UTF8, plain(masterPort))) {
            return connection.sync().waitForReplication(replicas, 1_000L);
        }
    }

    /** A hash field of every key on the server at {@code port} whose name starts with {@code prefix}: key to value. */
    Map<String, String> hashField(int port, String prefix, String field) {
        try (StatefulRedisConnection<String, String> connection = admin.connect(StringCodec.UTF8, plain(port))) {
            Map<String, String> values = new TreeMap<>();
            for (String key : connection.sync().keys(prefix + "*")) {
                values.put(key, connection.sync().hget(key, field));
            }
            return values;
        }
    }

    /** INFO {@code section} of the server at {@code port}. */
    String info(int port, String section) {
        try (StatefulRedisConnection<String, String> connection = admin.connect(StringCodec.UTF8, plain(port))) {
            return connection.sync().info(section);
        }
    }

    /** Polls a real process's condition until it holds, or fails naming {@code what} once the bound passes. */
    void await(String what, BooleanSupplier condition) {
        await(what, condition, START_TIMEOUT);
    }

    /** Polls a real process's condition until it holds, or fails naming {@code what} once {@code bound} passes. */
    void await(String what, BooleanSupplier condition, Duration bound) {
        Polling.await(what, condition, bound, "; logs in " + dir);
    }

    @Override
    public void close() {
        try {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        } finally {
            stopProcesses();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException exiting) {
                // The JVM is already shutting down; the hook runs the same cleanup.
            }
        }
    }

    private void startSentinel(File binary, int index, boolean resolveHostnames) {
        int port = freePort();
        Path conf = dir.resolve("sentinel-" + index + ".conf");
        StringBuilder text = new StringBuilder()
                .append("port ").append(port).append('\n')
                .append("bind 127.0.0.1\n")
                .append("dir ").append(dir).append('\n')
                .append("sentinel monitor ").append(MASTER_NAME).append(" 127.0.0.1 ").append(masterPort)
                .append(" 2\n")
                .append("sentinel down-after-milliseconds ").append(MASTER_NAME).append(" 1000\n")
                .append("sentinel failover-timeout ").append(MASTER_NAME).append(" 5000\n");
        if (resolveHostnames) {
            text.append("sentinel resolve-hostnames no\n");
        }
        try {
            // Sentinel rewrites its config file, so each has its own, writable one.
            Files.writeString(conf, text.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + conf, e);
        }
        Path log = dir.resolve("sentinel-" + index + ".log");
        Process process = launch(List.of(binary.getPath(), conf.toString(), "--sentinel"), log);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                // Every binary the tests may use (7.0 from the PATH, embedded 6.2) runs as a sentinel: a failure here
                // is a real problem, so it fails the test rather than skipping it.
                throw new IllegalStateException(binary + " cannot run as a sentinel: " + Polling.log(log));
            }
            try (StatefulRedisSentinelConnection<String, String> sentinel =
                    admin.connectSentinel(StringCodec.UTF8, plain(port))) {
                if ("PONG".equals(sentinel.sync().ping())) {
                    break;
                }
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("sentinel on port " + port + " did not answer: " + Polling.log(log),
                            notYet);
                }
            }
            Polling.step("a redis process");
        }
        sentinelPorts.add(port);
    }

    private boolean sentinelsReady() {
        for (int port : sentinelPorts) {
            try (StatefulRedisSentinelConnection<String, String> sentinel =
                    admin.connectSentinel(StringCodec.UTF8, plain(port))) {
                Map<String, String> state = sentinel.sync().master(MASTER_NAME);
                if (Integer.parseInt(state.get("num-slaves")) < 1
                        || Integer.parseInt(state.get("num-other-sentinels")) < SENTINELS - 1) {
                    return false;
                }
            }
        }
        return true;
    }

    private Process launchServer(File binary, int port, String role, String... extra) {
        List<String> command = new ArrayList<>(List.of(binary.getPath(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        command.addAll(List.of(extra));
        Path log = dir.resolve(role + ".log");
        Process process = launch(command, log);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try (StatefulRedisConnection<String, String> connection = admin.connect(StringCodec.UTF8, plain(port))) {
                if ("PONG".equals(connection.sync().ping())) {
                    return process;
                }
            } catch (RuntimeException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(role + " on port " + port + " did not start: " + Polling.log(log),
                            notYet);
                }
            }
            Polling.step("a redis process");
        }
    }

    private Process launch(List<String> command, Path log) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            synchronized (processes) {
                processes.add(process);
            }
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    private void stopProcesses() {
        List<Process> all;
        synchronized (processes) {
            all = new ArrayList<>(processes);
            processes.clear();
        }
        for (Process process : all) {
            process.destroyForcibly();
        }
        for (Process process : all) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // A temporary directory left behind is harmless.
            }
        }
    }

    /** {@code sentinel resolve-hostnames} exists from Redis 6.2 on. */
    private static boolean supportsResolveHostnames(String serverInfo) {
        Matcher matcher = Pattern.compile("redis_version:(\\d+)\\.(\\d+)").matcher(serverInfo);
        if (!matcher.find()) {
            return false;
        }
        int major = Integer.parseInt(matcher.group(1));
        int minor = Integer.parseInt(matcher.group(2));
        return major > 6 || (major == 6 && minor >= 2);
    }
    private static RedisURI plain(int port) {
        return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(ADMIN_TIMEOUT).build();
    }

    private int freePort() {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (usedPorts.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free port", e);
            }
        }
        throw new IllegalStateException("no fresh free port");
    }
}
