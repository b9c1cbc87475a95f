/**
 * A Spring WebFlux filter that enforces an {@link dev.throttle.http.HttpThrottlePolicy}: start at
 * {@link dev.throttle.webflux.ThrottleWebFilter}, the package's one public type, a {@code WebFilter} for plain Spring
 * WebFlux ({@code WebHttpHandlerBuilder}) or a Spring Boot application (a bean). It is a thin adapter over the HTTP
 * core shared with the servlet filter and the Netty handler, so refusals, headers and permit release read the same on
 * every server. Needs {@code spring-web} (Spring Framework 6.2 or later) and {@code reactor-core} on the class path,
 * optional dependencies a WebFlux application already has.
 */
package dev.throttle.webflux;
