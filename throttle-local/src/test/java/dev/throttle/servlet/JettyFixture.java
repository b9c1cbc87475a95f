package dev.throttle.servlet;

import dev.throttle.testing.Eventually;
import dev.throttle.testing.LoopbackClient;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** A real Jetty 12 server on a free loopback port with one filter in front of one servlet, and a real client. */
final class JettyFixture implements AutoCloseable {

    private final Server server;
    private final int port;
    private final LoopbackClient client;

    private JettyFixture(Server server, int port) {
        this.server = server;
        this.port = port;
        this.client = new LoopbackClient(port);
    }

    static JettyFixture start(Filter filter, HttpServlet servlet) {
        return start(filter, servlet, new QueuedThreadPool());
    }

    /**
     * A server whose request threads come from the given pool, so that a test can bound them and count them.
     *
     * @param threads the pool
     */
    static JettyFixture start(Filter filter, HttpServlet servlet, QueuedThreadPool threads) {
        return start(filter, servlet, threads, true);
    }

    /**
     * A server whose filter and servlet support async processing, or not.
     *
     * @param threads the request threads
     * @param async whether the filter and the servlet support async processing
     */
    static JettyFixture start(Filter filter, HttpServlet servlet, QueuedThreadPool threads, boolean async) {
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder servletHolder = new ServletHolder(servlet);
        servletHolder.setAsyncSupported(async);
        context.addServlet(servletHolder, "/*");
        FilterHolder filterHolder = new FilterHolder(filter);
        filterHolder.setAsyncSupported(async);
        context.addFilter(filterHolder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC,
                DispatcherType.ERROR));
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not start", e);
        }
        return new JettyFixture(server, connector.getLocalPort());
    }

    /** The port the server listens on, for raw-socket clients. */
    int port() {
        return port;
    }

    /** The client of this server. */
    LoopbackClient client() {
        return client;
    }

    HttpRequest.Builder request(String path) {
        return client.request(path);
    }

    HttpResponse<String> send(HttpRequest request) {
        return client.send(request);
    }

    HttpResponse<String> get(String path) {
        return client.get(path);
    }

    java.util.concurrent.CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return client.sendAsync(request);
    }

    /**
     * Waits, at most five seconds, for something the server does after the client has its response (ending permits
     * runs when the servlet's dispatch returns, which may be just after the last byte is sent).
     */
    static boolean eventually(BooleanSupplier condition) {
        return Eventually.eventually(condition);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        }
    }
}
