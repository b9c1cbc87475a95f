package dev.throttle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP/1.1 request on its own socket, written at once and read when asked: a client a test can make go away
 * mid-request by closing its connection, which a pooled client does not allow.
 */
public final class RawHttpClient implements AutoCloseable {

    private final Socket socket;

    private RawHttpClient(Socket socket) {
        this.socket = socket;
    }

    /**
     * Connects to a loopback server and sends {@code GET path}, asking the server to close the connection after its
     * response.
     *
     * @param port the server's port
     * @param path the path and query
     * @return the client
     */
    public static RawHttpClient get(int port, String path) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new RawHttpClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the whole response, up to the server's closing the connection.
     *
     * @param timeout how long to wait for each read
     * @return the response's bytes as text, head and body
     */
    public String response(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Goes away: closes the connection, whatever the server is doing with the request. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
