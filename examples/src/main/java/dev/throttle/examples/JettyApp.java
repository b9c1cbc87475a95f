package dev.throttle.examples;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.RouteRule;
import dev.throttle.http.TrustedProxies;
import dev.throttle.local.LocalEngine;
import dev.throttle.micrometer.ThrottleMetrics;
import dev.throttle.servlet.ThrottleFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Example 2: a Jetty 12 application behind the {@link ThrottleFilter}, with its limits metered by Micrometer.
 *
 * <ul>
 *   <li>{@code GET /api/hello}: a JSON greeting.</li>
 *   <li>{@code /api/orders}: needs an {@code X-Api-Key}; it does some work (half a second when run for real).</li>
 *   <li>{@code GET /api/export}: an export, of which the server makes {@value #EXPORT_RATE} per second; a request
 *   over that rate waits for its turn (up to {@value #EXPORT_MAX_WAIT_SECONDS} s, at most {@value #EXPORT_QUEUE}
 *   waiting) instead of being refused, holding no thread while it waits.</li>
 *   <li>{@code GET /metrics}: every meter of the registry as plain text (not throttled).</li>
 * </ul>
 * Every {@code /api/*} request is checked against a global token bucket of {@value #GLOBAL_RATE} per second and a
 * token bucket per client IP ({@value #PER_IP_BURST} at once, then 1 per second; the client is the
 * {@code X-Forwarded-For} address when the peer is a trusted local proxy, else the peer). {@code /api/orders}
 * also has a fixed window per API key ({@value #PER_KEY_LIMIT} per {@value #PER_KEY_WINDOW_SECONDS} s) and a
 * concurrency limit of {@value #ORDERS_IN_FLIGHT} orders at once. Refusals are 429 with {@code Retry-After} and
 * the IETF draft RateLimit headers.
 *
 * <p>Run it from the repository root with {@code ./mvnw -B -ntp -pl examples -am compile -Prun
 * -Dexec.mainClass=dev.throttle.examples.JettyApp}; add {@code -Dexec.args=9090} for another port (0: any free one).
 * The test starts it through {@link #start} on an engine with a manual clock, so its counts are exact.
 */
public final class JettyApp implements AutoCloseable {

    /** The header carrying a client's API key. */
    static final String API_KEY = "X-Api-Key";
    /** The whole server's rate, per second. */
    static final long GLOBAL_RATE = 100;
    /** Requests one client IP may make at once; after that, one per second. */
    static final long PER_IP_BURST = 5;
    /** Orders one API key may place per window. */
    static final long PER_KEY_LIMIT = 3;
    /** The API key window, in seconds. */
    static final long PER_KEY_WINDOW_SECONDS = 10;
    /** Orders in progress at once, whoever places them. */
    static final long ORDERS_IN_FLIGHT = 4;

    /** Exports made per second. */
    static final long EXPORT_RATE = 2;
    /** Export requests that may wait for their turn at once. */
    static final int EXPORT_QUEUE = 20;
    /** How long an export request may wait for its turn, in seconds. */
    static final long EXPORT_MAX_WAIT_SECONDS = 5;

    /** The proxies whose X-Forwarded-For is believed: only this machine, so curl can play several clients. */
    private static final TrustedProxies LOCAL_PROXIES = TrustedProxies.of("127.0.0.1", "::1");
    private static final long SIMULATED_ORDER_MILLIS = 500;

    private final Server server;
    private final URI uri;

    private JettyApp(Server server, URI uri) {
        this.server = server;
        this.uri = uri;
    }

    /**
     * Starts the application on the system clock, prints how to try it, and serves until the JVM is stopped
     * (Ctrl-C), when a shutdown hook stops Jetty.
     *
     * @param args nothing, or the port ({@value ServerPort#DEFAULT} by default; 0 for any free port)
     * @throws InterruptedException if interrupted while serving
     */
    public static void main(String[] args) throws InterruptedException {
        JettyApp app = start(ServerPort.fromArgs(args), LocalEngine.create(), new SimpleMeterRegistry(),
                JettyApp::simulateOrderWork);
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "jetty-app-shutdown"));
        PrintStream out = System.out;
        instructions(app.uri()).forEach(out::println);
        out.flush();
        app.join();
    }

    /**
     * Starts the application on loopback.
     *
     * @param port the port; 0 for any free one
     * @param engine the engine making the limiters (its ticker is the clock of every decision)
     * @param registry where the limiters' meters go, and what {@code /metrics} shows
     * @param orderWork what placing an order does, on the request's thread
     * @return the running application
     * @throws IllegalStateException if Jetty does not start (the port is taken)
     */
    static JettyApp start(int port, LocalEngine engine, MeterRegistry registry, Runnable orderWork) {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new HelloServlet()), "/api/hello");
        context.addServlet(new ServletHolder(new OrdersServlet(orderWork)), "/api/orders");
        ServletHolder export = new ServletHolder(new ExportServlet());
        export.setAsyncSupported(true); // a waiting export is suspended, not parked on a thread
        context.addServlet(export, "/api/export");
        context.addServlet(new ServletHolder(new MetricsServlet(registry)), "/metrics");
        // Only the API is throttled: the metrics page stays readable while a client is being refused. The filter
        // also sees ASYNC dispatches, which is how a request that waited for its turn comes back (it lets them pass).
        FilterHolder throttle = new FilterHolder(new ThrottleFilter(policy(engine, registry)));
        throttle.setAsyncSupported(true);
        context.addFilter(throttle, "/api/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw new IllegalStateException("Jetty did not start on port " + port, e);
        }
        return new JettyApp(server, URI.create("http://" + connector.getHost() + ":" + connector.getLocalPort()));
    }

    /**
     * The limits of the application, each metered into the registry.
     *
     * @param engine the engine making the limiters
     * @param registry where their meters go
     * @return the policy
     */
    static HttpThrottlePolicy policy(LocalEngine engine, MeterRegistry registry) {
        Limiter global = ThrottleMetrics.meter(
                engine.rateLimiter("global", TokenBucket.of(GLOBAL_RATE, Rate.perSecond(GLOBAL_RATE))), registry);
        KeyedLimiter<String> perIp = ThrottleMetrics.meter(
                engine.<String>keyed("per-ip", TokenBucket.of(PER_IP_BURST, Rate.perSecond(1))), registry);
        KeyedLimiter<String> perApiKey = ThrottleMetrics.meter(engine.<String>keyed("per-api-key",
                FixedWindow.of(PER_KEY_LIMIT, Duration.ofSeconds(PER_KEY_WINDOW_SECONDS))), registry);
        Limiter orders = ThrottleMetrics.meter(
                engine.limiter("orders-in-flight", Concurrency.of(ORDERS_IN_FLIGHT)), registry);
        Limiter exports = ThrottleMetrics.meter(
                engine.limiter("exports", TokenBucket.of(1, Rate.perSecond(EXPORT_RATE))), registry);
        return HttpThrottlePolicy.builder()
                .global(HttpLimit.shared(global))
                .global(HttpLimit.keyed(perIp, KeyResolver.forwardedFor(LOCAL_PROXIES)))
                // The key's window first: a key over its quota is refused without taking an order slot.
                .route(RouteRule.anyMethod("/api/orders",
                        HttpLimit.keyed(perApiKey, KeyResolver.header(API_KEY)), HttpLimit.shared(orders)))
                // Exports over the rate wait for their turn rather than being refused.
                .route(RouteRule.anyMethod("/api/export", HttpLimit.shared(exports)
                        .queueing(Duration.ofSeconds(EXPORT_MAX_WAIT_SECONDS), EXPORT_QUEUE)))
                .build();
    }

    /**
     * What to paste into a shell to see the limits work.
     *
     * @param uri the application's address
     * @return the lines to print
     */
    static List<String> instructions(URI uri) {
        return List.of(
                "Throttled Jetty application on " + uri + "  (Ctrl-C stops it)",
                "",
                "Seven requests from one client: five pass (the per-IP burst), then 429:",
                "  for i in 1 2 3 4 5 6 7; do curl -s -o /dev/null -w '%{http_code}\\n' " + uri + "/api/hello; done",
                "Five more at once, then one shown with its headers: the 429, Retry-After, RateLimit-Policy, RateLimit:",
                "  for i in 1 2 3 4 5; do curl -s -o /dev/null " + uri + "/api/hello; done; curl -i " + uri
                        + "/api/hello",
                "Another client, as told by a trusted local proxy, has its own bucket:",
                "  curl -i -H 'X-Forwarded-For: 203.0.113.7' " + uri + "/api/hello",
                "Four orders with one key: 3 per 10 s pass, the 4th is refused; another key is not affected:",
                "  for i in 1 2 3 4; do curl -s -o /dev/null -w '%{http_code}\\n' -H 'X-Forwarded-For: 198.51.100.1'"
                        + " -H 'X-Api-Key: alice' " + uri + "/api/orders; done",
                "  curl -i -H 'X-Forwarded-For: 198.51.100.2' -H 'X-Api-Key: bob' " + uri + "/api/orders",
                "Six slow orders at once, from six clients with six keys: four run, two are refused:",
                "  for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code}\\n' -H \"X-Forwarded-For: 192.0.2.$i\""
                        + " -H \"X-Api-Key: key$i\" " + uri + "/api/orders & done; wait",
                "Six exports at once, from six clients: none refused, they come out " + EXPORT_RATE
                        + " per second (see the times):",
                "  for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} %{time_total}s\\n'"
                        + " -H \"X-Forwarded-For: 192.0.2.1$i\" " + uri + "/api/export & done; wait",
                "The meters:",
                "  curl -s " + uri + "/metrics | grep throttle.permits");
    }

    /**
     * The application's address.
     *
     * @return for example {@code http://127.0.0.1:8080}
     */
    URI uri() {
        return uri;
    }

    /** Waits until the server is stopped. */
    void join() throws InterruptedException {
        server.join();
    }

    /** Stops the server; waits for requests in progress up to Jetty's stop timeout. */
    @Override
    public void close() {
        stopQuietly(server);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        }
    }

    /** An order takes a while, so that several are in progress at once and the concurrency limit shows. */
    private static void simulateOrderWork() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SIMULATED_ORDER_MILLIS));
    }

    private static void writeJson(HttpServletResponse response, int status, String json) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(json + "\n");
    }

    /** A greeting. */
    private static final class HelloServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            writeJson(response, HttpServletResponse.SC_OK, "{\"message\":\"hello\"}");
        }
    }

    /** An export, made when its turn comes. */
    private static final class ExportServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            writeJson(response, HttpServletResponse.SC_OK, "{\"export\":\"ready\"}");
        }
    }

    /** Places an order for an API key; refuses requests without one. */
    private static final class OrdersServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        private final transient Runnable work;

        OrdersServlet(Runnable work) {
            this.work = work;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String apiKey = request.getHeader(API_KEY);
            if (apiKey == null || apiKey.isBlank()) {
                writeJson(response, HttpServletResponse.SC_UNAUTHORIZED, "{\"error\":\"missing " + API_KEY + "\"}");
                return;
            }
            work.run();
            writeJson(response, HttpServletResponse.SC_OK, "{\"order\":\"accepted\"}");
        }
    }

    /** The registry's meters as plain text. */
    private static final class MetricsServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        private final transient MeterRegistry registry;

        MetricsServlet(MeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.getWriter().write(MetricsPage.render(registry));
        }
    }
}
