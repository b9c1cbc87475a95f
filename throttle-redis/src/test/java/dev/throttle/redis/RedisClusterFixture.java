package dev.throttle.redis;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away Redis Cluster of three masters on free loopback ports, for tests: each node a {@code redis-server}
 * process in cluster mode without persistence, its files in a temporary directory; the 16384 slots split evenly;
 * started, joined (CLUSTER MEET) and awaited (bounded) until every node reports {@code cluster_state:ok}.
 * {@link #close()} stops every process and deletes the directory (a shutdown hook does the same if the JVM exits
 * first).
 *
 * <p>The binary is {@link RedisBinary#find()}'s. The cluster is set up through plain Lettuce connections to each node,
 * so no {@code redis-cli} is needed. A node that does not start fails the calling test with the server's own words
 * (never a skip).
 */
final class RedisClusterFixture implements AutoCloseable {

    static final int SLOTS = 16384;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final int ADDSLOTS_BATCH = 1000;

    private final Path dir;
    private final ClientResources resources;
    private final RedisClient nodeClient;
    private final List<Node> nodes = new ArrayList<>();
    private final Thread cleanup = new Thread(this::stopProcesses);
    private final List<RedisClusterClient> clusterClients = new ArrayList<>();
    private RedisClusterClient clusterClient;
    /** The cluster-node-timeout of the nodes started from now on, in ms; null for the server's default (15 s). */
    private Integer nodeTimeoutMillis;
    /** The replica of the first master, when {@link #startWithReplica} started one. */
    private Node replica;

    /** One master: its port, its process, its id and a plain connection to it (no redirects followed). */
    static final class Node {
        final int port;
        final Process process;
        final Path log;
        StatefulRedisConnection<String, String> connection;
        String id;

        Node(int port, Process process, Path log) {
            this.port = port;
            this.process = process;
            this.log = log;
        }

        /** Commands to this node only: a key of a slot it does not own answers MOVED. */
        RedisCommands<String, String> sync() {
            return connection.sync();
        }

        @Override
        public String toString() {
            return "node:" + port;
        }
    }

    private RedisClusterFixture() {
        try {
            this.dir = Files.createTempDirectory("throttle-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the cluster", e);
        }
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.nodeClient = RedisClient.create(resources);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Starts a cluster of {@code masters} masters, or skips the calling test if the binary cannot run in cluster mode.
     */
    static RedisClusterFixture start(int masters) {
        RedisClusterFixture fixture = new RedisClusterFixture();
        try {
            File binary = RedisBinary.find();
            for (int i = 0; i < masters; i++) {
                fixture.startNode(binary);
            }
            fixture.join();
            return fixture;
        } catch (RuntimeException | Error failure) {
            fixture.close();
            throw failure;
        }
    }

    /**
     * Starts a cluster of {@code masters} masters and one replica of the first, every node with a cluster-node-timeout
     * of one second, so that a killed master is replaced by its replica within seconds (with three masters, the two
     * others are the majority that authorises the failover).
     */
    static RedisClusterFixture startWithReplica(int masters) {
        RedisClusterFixture fixture = new RedisClusterFixture();
        try {
            fixture.nodeTimeoutMillis = 1_000;
            File binary = RedisBinary.find();
            for (int i = 0; i < masters; i++) {
                fixture.startNode(binary);
            }
            fixture.join();
            fixture.startNode(binary);
            Node replica = fixture.nodes.remove(fixture.nodes.size() - 1);
            fixture.replica = replica;
            Node first = fixture.nodes.get(0);
            replica.sync().clusterMeet("127.0.0.1", first.port);
            fixture.await("the replica known to the cluster",
                    () -> replica.sync().clusterNodes().contains(first.id));
            replica.sync().clusterReplicate(first.id);
            fixture.await("the replica in sync with the first master",
                    () -> replica.sync().info("replication").contains("master_link_status:up"));
            return fixture;
        } catch (RuntimeException | Error failure) {
            fixture.close();
            throw failure;
        }
    }

    /** The replica {@link #startWithReplica} started. */
    Node replica() {
        return replica;
    }

    /** Kills a node at once (SIGKILL), as a crash would, and waits (bounded) for it to be gone. */
    void kill(Node node) {
        node.process.destroyForcibly();
        try {
            if (!node.process.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(node + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + node, e);
        }
    }

    /** Waits (bounded) for a condition of the cluster; a failed check counts as not yet. */
    void await(String what, java.util.function.BooleanSupplier condition) {
        Polling.await(what, condition, START_TIMEOUT, "; logs in " + dir);
    }

    List<Node> nodes() {
        return nodes;
    }

    /**
     * A cluster client seeded with every node, with Lettuce's default options (it follows MOVED and ASK, and refreshes
     * its view of the topology when it meets them), shared by the tests.
     */
    synchronized RedisClusterClient clusterClient() {
        if (clusterClient == null) {
            clusterClient = newClusterClient(ClusterClientOptions.create());
        }
        return clusterClient;
    }

    /**
     * A new cluster client that never refreshes its view of the topology after connecting: it reaches a moved slot
     * only by following MOVED (or ASK) redirects, every time. Closed with the fixture.
     */
    RedisClusterClient redirectOnlyClusterClient() {
        ClusterTopologyRefreshOptions noRefresh = ClusterTopologyRefreshOptions.builder()
                .disableAllAdaptiveRefreshTriggers().enablePeriodicRefresh(false).build();
        return newClusterClient(ClusterClientOptions.builder().topologyRefreshOptions(noRefresh).build());
    }

    private synchronized RedisClusterClient newClusterClient(ClusterClientOptions options) {
        List<RedisURI> seeds = new ArrayList<>();
        for (Node node : nodes) {
            seeds.add(RedisURI.create("127.0.0.1", node.port));
        }
        RedisClusterClient client = RedisClusterClient.create(resources, seeds);
        client.setOptions(options);
        clusterClients.add(client);
        return client;
    }

    /** The node holding a key: the only one whose slot has it (each node is asked about its own keys only). */
    Node holderOf(String key) {
        int slot = slotOf(key);
        List<Node> holders = new ArrayList<>();
        for (Node node : nodes) {
            if (node.sync().clusterGetKeysInSlot(slot, 10_000).contains(key)) {
                holders.add(node);
            }
        }
        if (holders.size() != 1) {
            throw new IllegalStateException("key " + key + " is held by " + holders);
        }
        return holders.get(0);
    }

    /** How many replies of a kind ({@code "MOVED"}, {@code "ASK"}) a node has given, from INFO errorstats (6.2+). */
    static long errorCount(Node node, String kind) {
        String prefix = "errorstat_" + kind + ":count=";
        for (String line : node.sync().info("errorstats").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                int end = line.indexOf(',', prefix.length());
                return Long.parseLong(line.substring(prefix.length(), end < 0 ? line.length() : end).strip());
            }
        }
        return 0L;
    }

    /** The key's slot, as the server computes it (CLUSTER KEYSLOT). */
    int slotOf(String key) {
        return nodes.get(0).sync().clusterKeyslot(key).intValue();
    }

    /**
     * Moves a slot and its keys to another master the way a resharding tool does: target IMPORTING, source MIGRATING,
     * MIGRATE of the slot's keys, then {@code midway} (clients now get ASK for those keys), then SETSLOT NODE on every
     * master (clients of the source now get MOVED).
     */
    void migrateSlot(int slot, Node source, Node target, Runnable midway) {
        target.sync().clusterSetSlotImporting(slot, source.id);
        source.sync().clusterSetSlotMigrating(slot, target.id);
        List<String> keys = source.sync().clusterGetKeysInSlot(slot, 10_000);
        if (!keys.isEmpty()) {
            source.sync().migrate("127.0.0.1", target.port, 0, 5_000L, MigrateArgs.Builder.keys(keys));
        }
        midway.run();
        target.sync().clusterSetSlotNode(slot, target.id);
        source.sync().clusterSetSlotNode(slot, target.id);
        for (Node node : nodes) {
            if (node != source && node != target) {
                node.sync().clusterSetSlotNode(slot, target.id);
            }
        }
    }

    /** Stops every process, closes every client and deletes the cluster's files. */
    @Override
    public void close() {
        try {
            for (RedisClusterClient client : clusterClients) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
            for (Node node : nodes) {
                if (node.connection != null) {
                    node.connection.close();
                }
            }
            if (replica != null && replica.connection != null) {
                replica.connection.close();
            }
            nodeClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        } finally {
            stopProcesses();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException exiting) {
                // The JVM is already shutting down: the hook runs anyway.
            }
        }
    }

    private void stopProcesses() {
        if (replica != null) {
            replica.process.destroyForcibly();
        }
        for (Node node : nodes) {
            node.process.destroy();
        }
        for (Node node : nodes) {
            try {
                if (!node.process.waitFor(5, TimeUnit.SECONDS)) {
                    node.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                node.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        deleteDirectory();
    }

    private void deleteDirectory() {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // Best effort: a temporary directory.
        }
    }

    /** Starts one node on a free port pair (P for clients, P + 10000 for the cluster bus), retrying on a clash. */
    private void startNode(File binary) {
        Set<Integer> tried = new HashSet<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePortPair(tried);
            Path log = dir.resolve("redis-" + port + ".log");
            Process process;
            try {
                process = new ProcessBuilder(binary.getPath(),
                        "--port", Integer.toString(port), "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes",
                        "--cluster-node-timeout",
                        Integer.toString(nodeTimeoutMillis == null ? 15_000 : nodeTimeoutMillis),
                        "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
                        "--dir", dir.toString(),
                        "--save", "", "--appendonly", "no", "--daemonize", "no")
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + binary, e);
            }
            Node node = new Node(port, process, log);
            nodes.add(node);
            if (awaitConnection(node)) {
                node.id = node.sync().clusterMyId();
                return;
            }
            nodes.remove(node);
            String output = Polling.log(log);
            if (!output.contains("Address already in use")) {
                throw new IllegalStateException(binary + " on port " + port + " did not start: " + output.strip());
            }
        }
        throw new IllegalStateException("no free port pair for a cluster node after 5 attempts");
    }

    /** Connects to a starting node (bounded); false if its process died first (a port clash, a refused option). */
    private boolean awaitConnection(Node node) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            if (!node.process.isAlive()) {
                return false;
            }
            try {
                RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(node.port)
                        .withTimeout(Duration.ofSeconds(2)).build();
                node.connection = nodeClient.connect(StringCodec.UTF8, uri);
                node.sync().ping();
                return true;
            } catch (RuntimeException e) {
                last = e;
                if (node.connection != null) {
                    node.connection.close();
                    node.connection = null;
                }
            }
            Polling.step("the cluster");
        }
        throw new IllegalStateException("cluster node on port " + node.port + " did not answer within "
                + START_TIMEOUT, last);
    }

    /** Splits the slots evenly, introduces the nodes to each other, and waits until every node says it is ok. */
    private void join() {
        int count = nodes.size();
        for (int i = 0; i < count; i++) {
            int from = (int) ((long) SLOTS * i / count);
            int to = (int) ((long) SLOTS * (i + 1) / count);
            // ADDSLOTS in batches: ADDSLOTSRANGE is 7.0 only, and the embedded server is 6.2.
            for (int start = from; start < to; start += ADDSLOTS_BATCH) {
                int end = Math.min(to, start + ADDSLOTS_BATCH);
                int[] slots = new int[end - start];
                for (int s = 0; s < slots.length; s++) {
                    slots[s] = start + s;
                }
                nodes.get(i).sync().clusterAddSlots(slots);
            }
        }
        for (int i = 1; i < count; i++) {
            nodes.get(0).sync().clusterMeet("127.0.0.1", nodes.get(i).port);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String info = "";
        while (System.nanoTime() < deadline) {
            boolean ready = true;
            for (Node node : nodes) {
                info = node.sync().clusterInfo();
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + count)
                        || !info.contains("cluster_slots_ok:" + SLOTS)) {
                    ready = false;
                    break;
                }
            }
            if (ready) {
                return;
            }
            Polling.step("the cluster");
        }
        throw new IllegalStateException("the cluster did not become ready within " + START_TIMEOUT + ": " + info);
    }

    private static int freePortPair(Set<Integer> tried) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 55_000);
            if (tried.add(port) && free(port) && free(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port pair P, P + 10000");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
