package dev.throttle.webflux;

import dev.throttle.http.HttpRequestView;
import dev.throttle.http.admission.RequestPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A WebFlux request seen as the HTTP core's {@link HttpRequestView}. The path is the path within the application
 * (without the context path), percent-decoded and normalized as the Netty handler reads a raw target, so that
 * {@code /public/../api} cannot dodge a rule for {@code /api/**}. The principal is resolved before the view is made,
 * since WebFlux hands it over as a {@code Mono}.
 *
 * <p>Only methods whose binary signatures are the same in Spring Framework 6.2 and 7.0 are called: 7.0's
 * {@link HttpHeaders} is no longer a {@code Map}, so its {@code get} and {@code getOrEmpty} take a {@code String}
 * where 6.2's took an {@code Object}.
 */
final class WebFluxRequestView implements HttpRequestView {

    private final ServerHttpRequest request;
    private final Optional<String> principal;
    private String path;

    WebFluxRequestView(ServerHttpRequest request, Optional<String> principal) {
        this.request = request;
        this.principal = principal;
    }

    @Override
    public String method() {
        return request.getMethod().name();
    }

    @Override
    public String path() {
        if (path == null) {
            path = RequestPath.of(request.getPath().pathWithinApplication().value());
        }
        return path;
    }

    @Override
    public List<String> headers(String name) {
        HttpHeaders headers = request.getHeaders();
        if (headers.getFirst(name) == null) {
            return List.of(); // the usual case, without walking the headers
        }
        List<List<String>> found = new ArrayList<>(1);
        headers.forEach((header, values) -> {
            if (found.isEmpty() && header.equalsIgnoreCase(name)) {
                found.add(values);
            }
        });
        return found.isEmpty() ? List.of() : List.copyOf(found.get(0));
    }

    @Override
    public String remoteAddress() {
        return RequestPath.peerAddress(request.getRemoteAddress());
    }

    @Override
    public Optional<String> principal() {
        return principal;
    }
}
