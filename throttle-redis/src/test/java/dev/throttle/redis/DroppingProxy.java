package dev.throttle.redis;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of a test's redis-server that can drop every connection at once: what was forwarded stays
 * with the server (which runs it), and its replies are lost, as in a network reset. For tests of what a lost reply
 * leaves behind. Each connection is two pump threads; {@link #close()} stops everything.
 */
final class DroppingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    /** How many times each command name was forwarded to the server (counted in the bytes, for waiting on). */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> sent =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** How many times each command name was read from the client, counted before it is forwarded. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> seen =
            new java.util.concurrent.ConcurrentHashMap<>();

    private DroppingProxy(int target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "proxy-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy to {@code 127.0.0.1:port}. */
    static DroppingProxy to(int port) {
        try {
            return new DroppingProxy(port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RedisURI uri() {
        return RedisURI.create("redis://127.0.0.1:" + listener.getLocalPort());
    }

    /**
     * How many {@code command}s (an upper-case name, such as {@code "EVALSHA"}) were forwarded to the server so far.
     */
    int forwarded(String command) {
        java.util.concurrent.atomic.AtomicInteger count = sent.get(command);
        return count == null ? 0 : count.get();
    }

    /**
     * How many {@code command}s the proxy has read from the client so far, forwarded or about to be: counted before
     * forwarding, so a command whose answer the client has is always counted here (not always yet in
     * {@link #forwarded}, which counts once the bytes are written). The baseline to wait for more forwarded commands
     * from.
     */
    int seen(String command) {
        java.util.concurrent.atomic.AtomicInteger count = seen.get(command);
        return count == null ? 0 : count.get();
    }

    /** Closes every connection, both sides: bytes already forwarded stay forwarded; replies not yet back are lost. */
    void dropAll() {
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        sockets.clear();
    }

    @Override
    public void close() {
        closeQuietly(listener);
        dropAll();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(server);
                pump(client, server, true);
                pump(server, client, false);
            } catch (IOException closed) {
                // The listener closed, or the server refused: the client sees its connection closed.
            }
        }
    }

    private void pump(Socket from, Socket to, boolean toServer) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    String text = toServer
                            ? new String(buffer, 0, read, java.nio.charset.StandardCharsets.ISO_8859_1) : null;
                    if (text != null) {
                        count(text, seen);
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                    if (text != null) {
                        count(text, sent);
                    }
                }
            } catch (IOException dropped) {
                // One side closed: the other follows.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    /** Counts the command names in forwarded bytes: each is a bulk string, {@code $<length>\r\n<NAME>\r\n}. */
    private static void count(String bytes,
            java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> into) {
        for (String name : new String[] {"EVALSHA", "EVAL"}) {
            String token = "$" + name.length() + "\r\n" + name + "\r\n";
            for (int at = bytes.indexOf(token); at >= 0; at = bytes.indexOf(token, at + 1)) {
                into.computeIfAbsent(name, n -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Already closed.
        }
    }
}
