/**
 * A Jakarta Servlet 6 filter that enforces an {@link dev.throttle.http.HttpThrottlePolicy}: start at
 * {@link dev.throttle.servlet.ThrottleFilter}, the package's one public type. It is a thin adapter over the HTTP core
 * shared with the Netty handler, so refusals, headers and permit release read the same on either server. Needs
 * {@code jakarta.servlet-api} on the class path (an optional dependency: the container provides it).
 */
package dev.throttle.servlet;
