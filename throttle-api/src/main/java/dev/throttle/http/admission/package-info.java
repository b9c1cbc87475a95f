/**
 * Internal; not exported by the module descriptor. The HTTP core that every server adapter shares: the admission
 * step ({@link dev.throttle.http.admission.HttpThrottle}), which checks a request against a policy all or nothing and
 * answers with an {@link dev.throttle.http.admission.Admission} (the permits to hold until the response completes,
 * or the rejection to write), the RateLimit header writer, and the path and peer address of a raw request
 * ({@link dev.throttle.http.admission.RequestPath}). It lives apart from {@link dev.throttle.http} so that
 * the servlet filter, the Netty handler and a later adapter can share it without it becoming API: its classes are
 * public only for those adapters.
 *
 * <p>Use {@link dev.throttle.http.HttpThrottlePolicy} with {@link dev.throttle.servlet.ThrottleFilter} or
 * {@link dev.throttle.netty.NettyHttpThrottle} instead. A new server adapter starts at
 * {@link dev.throttle.http.admission.HttpThrottle#admit}, seeing its request as a
 * {@link dev.throttle.http.HttpRequestView}.
 */
package dev.throttle.http.admission;
