/**
 * Micrometer metrics for limiters: {@link dev.throttle.micrometer.ThrottleMetrics#meter} decorates a limiter to count
 * and time its decisions; {@link dev.throttle.micrometer.LimiterMetrics} and
 * {@link dev.throttle.micrometer.KeyedLimiterMetrics} bind its gauges. Needs micrometer-core on the class path (an
 * optional dependency of this module). Tags are of bounded cardinality: the limiter's name, an outcome, a reason;
 * never a key.
 */
package dev.throttle.micrometer;
