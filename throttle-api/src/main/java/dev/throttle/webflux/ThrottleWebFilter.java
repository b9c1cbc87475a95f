package dev.throttle.webflux;

import dev.throttle.http.HttpRejection;
import dev.throttle.http.HttpRequestView;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.admission.Admission;
import dev.throttle.http.admission.HttpThrottle;
import dev.throttle.kernel.Arguments;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * A Spring WebFlux filter that throttles requests with an {@link HttpThrottlePolicy}, as the servlet filter and the
 * Netty handler do: a refused request gets the rejection handler's response (429, {@code Retry-After},
 * {@code Cache-Control: no-store}, RateLimit fields by default) and never reaches the rest of the chain; an admitted
 * one gets the RateLimit fields of its limits (unless the application set a field of the same name) and holds its
 * permits until its response is complete.
 *
 * <h2>When permits are released</h2>
 * When the rest of the chain completes (a WebFlux handler's {@code Mono} completes once its response body is
 * written), the permits end as a success, or as overload ({@link dev.throttle.Permit#dropped() dropped}) for a 5xx
 * status; when it fails (an exception from a handler), or is cancelled (the client went away before the response
 * began), they end as overload. They end exactly once, whatever happens. A client that goes away once the body has
 * begun is not seen as such: on Reactor Netty the chain then completes normally, so the permits end then, as a
 * success (the Netty handler reports that case as dropped).
 *
 * <h2>Waiting at the door</h2>
 * A request that a {@link dev.throttle.http.HttpLimit#queueing queueing} limit makes wait holds no thread: its
 * {@code Mono} completes when its permits come, and the chain goes on from there, on the thread that granted them
 * (the limiter's scheduler, or the thread of the response that freed a concurrency permit): WebFlux handlers do not
 * block. A request cancelled while it waits (its client went away) leaves the queue and gives back the permits it
 * held.
 *
 * <h2>Placing it</h2>
 * WebFlux orders {@link WebFilter} beans by {@link org.springframework.core.annotation.Order @Order}: put the throttle
 * first, or after the authentication filter when a limit is keyed by
 * {@link dev.throttle.http.KeyResolver#principal()} (the principal is read from
 * {@link ServerWebExchange#getPrincipal()}). The client's address is {@code ServerHttpRequest.getRemoteAddress()}; if
 * the server already rewrites it from forwarding headers (Spring's {@code ForwardedHeaderTransformer}), key by
 * {@link dev.throttle.http.KeyResolver#remoteAddress()} rather than by the forwarding header again. Route patterns
 * match the path within the application, percent-decoded and without dot segments.
 *
 * <pre>{@code
 * @Bean
 * @Order(Ordered.HIGHEST_PRECEDENCE)
 * ThrottleWebFilter throttle(HttpThrottlePolicy policy) {
 *     return new ThrottleWebFilter(policy);
 * }
 * }</pre>
 *
 * Thread-safe: one instance serves every request.
 */
public final class ThrottleWebFilter implements WebFilter, Ordered {

    private final HttpThrottle throttle;
    private final int order;

    /**
     * A filter enforcing a policy, ordered as its bean says ({@code @Order}; without one, last). To throttle a WebFlux
     * application together with a servlet container or a Netty server, give them the same policy: its limiters hold
     * the state, so they count against the same limits.
     *
     * @param policy the policy
     * @throws IllegalArgumentException if {@code policy} is null
     */
    public ThrottleWebFilter(HttpThrottlePolicy policy) {
        this(policy, Ordered.LOWEST_PRECEDENCE);
    }

    /**
     * A filter enforcing a policy at a given order among the application's filters, for an order that is computed
     * rather than annotated (an {@code @Order} on its bean method still takes precedence).
     *
     * @param policy the policy
     * @param order its order: lower runs first
     * @throws IllegalArgumentException if {@code policy} is null
     */
    public ThrottleWebFilter(HttpThrottlePolicy policy, int order) {
        this.throttle = new HttpThrottle(Arguments.requireNonNull("policy", policy));
        this.order = order;
    }

    /**
     * The order given at construction.
     *
     * @return the order, {@link Ordered#LOWEST_PRECEDENCE} unless given
     */
    @Override
    public int getOrder() {
        return order;
    }

    /**
     * The policy this filter enforces.
     *
     * @return the policy given at construction
     */
    public HttpThrottlePolicy policy() {
        return throttle.policy();
    }

    /**
     * Admits or refuses the request; see the class description.
     *
     * @param exchange the request and its response
     * @param chain the rest of the chain
     * @return completes when the response is complete; fails with whatever a limiter, the rejection handler or the
     *     chain throws
     */
    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return exchange.getPrincipal()
                .map(principal -> Optional.ofNullable(principal.getName()))
                .defaultIfEmpty(Optional.empty())
                .flatMap(principal -> admission(new WebFluxRequestView(exchange.getRequest(), principal)))
                .flatMap(admission -> admission.admitted() ? proceed(exchange, chain, admission)
                        : refuse(exchange.getResponse(), admission.rejection().orElseThrow()));
    }

    /**
     * The request's admission: at once, or when a queueing limit grants its permits. A cancel before then withdraws
     * the request; once the admission is handed on, a cancel is the chain's to handle (a sink ignores a cancel after
     * its value, so the two never both end the permits).
     */
    private Mono<Admission> admission(HttpRequestView request) {
        CompletableFuture<Admission> decision = throttle.admitAsync(request);
        if (decision.isDone()) {
            return Mono.just(HttpThrottle.resolved(decision));
        }
        return Mono.create(sink -> {
            sink.onCancel(() -> HttpThrottle.withdraw(decision));
            decision.whenComplete((admission, failure) -> {
                if (failure != null) {
                    sink.error(failure);
                } else {
                    sink.success(admission);
                }
            });
        });
    }

    /** Runs the rest of the chain, holding the permits until it ends; the RateLimit fields go out with the response. */
    private static Mono<Void> proceed(ServerWebExchange exchange, WebFilterChain chain, Admission admission) {
        ServerHttpResponse response = exchange.getResponse();
        if (!admission.headers().isEmpty()) {
            response.beforeCommit(() -> {
                HttpHeaders headers = response.getHeaders();
                for (HttpRejection.Header header : admission.headers()) {
                    if (headers.getFirst(header.name()) == null) {
                        headers.add(header.name(), header.value());
                    }
                }
                return Mono.empty();
            });
        }
        return Mono.defer(() -> chain.filter(exchange)).doFinally(signal -> {
            if (signal == SignalType.ON_COMPLETE) {
                HttpStatusCode status = response.getStatusCode();
                admission.complete(status == null ? 200 : status.value());
            } else {
                admission.dropped(); // an error, or a cancel: the response was aborted
            }
        });
    }

    /** Writes a refusal instead of calling the chain. */
    private static Mono<Void> refuse(ServerHttpResponse response, HttpRejection rejection) {
        response.setStatusCode(HttpStatusCode.valueOf(rejection.status()));
        HttpHeaders headers = response.getHeaders();
        for (HttpRejection.Header header : rejection.headers()) {
            headers.add(header.name(), header.value());
        }
        if (!rejection.contentType().isEmpty()) {
            headers.set(HttpHeaders.CONTENT_TYPE, rejection.contentType());
        }
        byte[] body = rejection.body().getBytes(StandardCharsets.UTF_8);
        headers.setContentLength(body.length);
        if (body.length == 0) {
            return response.setComplete();
        }
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
    }
}
