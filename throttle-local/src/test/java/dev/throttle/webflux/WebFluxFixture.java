package dev.throttle.webflux;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import dev.throttle.testing.LoopbackClient;
import java.util.concurrent.CompletableFuture;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A real Spring WebFlux application on Reactor Netty, on a free loopback port and one event loop thread: an
 * application context with {@code @EnableWebFlux}, the routes of a test and its filters as beans (WebFlux picks the
 * filters up and orders them as in a Spring Boot application), and a real HTTP/1.1 client.
 */
final class WebFluxFixture implements AutoCloseable {

    /** WebFlux's own configuration: the dispatcher, the router function mapping, the exception handlers. */
    @Configuration(proxyBeanMethods = false)
    @EnableWebFlux
    static class WebFluxApplication {
    }

    private final AnnotationConfigApplicationContext context;
    private final LoopResources loops;
    private final DisposableServer server;
    private final LoopbackClient client;

    private WebFluxFixture(AnnotationConfigApplicationContext context, LoopResources loops, DisposableServer server) {
        this.context = context;
        this.loops = loops;
        this.server = server;
        this.client = new LoopbackClient(server.port());
    }

    /**
     * Starts an application.
     *
     * @param routes the application's endpoints
     * @param filters its filters, the throttle among them, ordered by their {@code @Order} if any
     * @return the running application
     */
    static WebFluxFixture start(RouterFunction<ServerResponse> routes, WebFilter... filters) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.register(WebFluxApplication.class);
        context.registerBean("routes", RoutesBean.class, () -> new RoutesBean(routes));
        for (int i = 0; i < filters.length; i++) {
            WebFilter filter = filters[i];
            registerFilter(context, "filter" + i, filter);
        }
        context.refresh();
        HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
        LoopResources loops = LoopResources.create("webflux-test", 1, 1, true);
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0).runOn(loops)
                .handle(new ReactorHttpHandlerAdapter(handler)).bindNow(Duration.ofSeconds(10));
        return new WebFluxFixture(context, loops, server);
    }

    @SuppressWarnings("unchecked")
    private static <F extends WebFilter> void registerFilter(AnnotationConfigApplicationContext context, String name,
            F filter) {
        context.registerBean(name, (Class<F>) filter.getClass(), () -> filter);
    }

    /** The routes as a bean: a {@code RouterFunction} WebFlux's mapping finds by type. */
    static final class RoutesBean implements RouterFunction<ServerResponse> {
        private final RouterFunction<ServerResponse> routes;

        RoutesBean(RouterFunction<ServerResponse> routes) {
            this.routes = routes;
        }

        @Override
        public Mono<HandlerFunction<ServerResponse>> route(ServerRequest request) {
            return routes.route(request);
        }
    }

    /** The port the server listens on, for raw-socket clients. */
    int port() {
        return server.port();
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

    CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return client.sendAsync(request);
    }

    <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        return client.sendAsync(request, body);
    }

    CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return client.getAsync(path);
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(5));
        context.close();
    }
}
