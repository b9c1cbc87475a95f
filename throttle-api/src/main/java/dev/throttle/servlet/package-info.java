/**
 * A Jakarta Servlet 6 filter over the HTTP core ({@link dev.throttle.http}): {@link dev.throttle.servlet.ThrottleFilter}.
 * Needs {@code jakarta.servlet-api} on the class path (an optional dependency: the container provides it).
 */
package dev.throttle.servlet;
