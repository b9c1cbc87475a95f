/**
 * The throttle API: limiters, permits, immutable limit specs, the engine contract, the clock; and the integrations
 * whose dependencies are optional (servlet filter, Netty handlers, Micrometer binders, Reactor operators, WebFlux
 * filter): an application adds the dependency of the integration it uses.
 */
module dev.throttle {
    exports dev.throttle;
    exports dev.throttle.http;
    exports dev.throttle.servlet;
    exports dev.throttle.netty;
    exports dev.throttle.micrometer;
    exports dev.throttle.reactor;
    exports dev.throttle.webflux;

    // The acquisition kernel and the permit family, shared by the engines: not an API.
    exports dev.throttle.kernel to dev.throttle.local, dev.throttle.redis;

    requires static jakarta.servlet;
    requires static io.netty.buffer;
    requires static io.netty.codec;
    requires static io.netty.codec.http;
    requires static io.netty.common;
    requires static io.netty.transport;
    requires static micrometer.core;
    requires static reactor.core;
    requires static org.reactivestreams;
    requires static spring.web;
    requires static spring.core;
}
