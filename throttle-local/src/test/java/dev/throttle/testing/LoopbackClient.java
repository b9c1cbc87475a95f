package dev.throttle.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A real HTTP/1.1 client of one server on a loopback port, as the server adapters' tests use it. */
public final class LoopbackClient implements QueueScenarios.Server {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    /**
     * A client of {@code http://127.0.0.1:port}.
     *
     * @param port the server's port
     */
    public LoopbackClient(int port) {
        this.port = port;
    }

    @Override
    public int port() {
        return port;
    }

    /**
     * A request to a path of the server, with a 10 s timeout.
     *
     * @param path the path and query
     * @return the builder
     */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    }

    /**
     * Sends a request and waits for its response.
     *
     * @param request the request
     * @return the response, its body as text
     */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends {@code GET path} and waits for its response.
     *
     * @param path the path and query
     * @return the response
     */
    public HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    /**
     * Sends a request without waiting.
     *
     * @param request the request
     * @param body how to read the body
     * @param <T> the body's type
     * @return the response to come
     */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        return client.sendAsync(request, body);
    }

    /**
     * Sends a request without waiting.
     *
     * @param request the request
     * @return the response to come, its body as text
     */
    public CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery) {
        return sendAsync(request(pathAndQuery).GET().build());
    }
}
