/**
 * Micrometer metrics for limiters of any engine. Start at {@link dev.throttle.micrometer.ThrottleMetrics}, the
 * package's one public type: {@code meter} decorates a limiter to count and time its decisions and registers its
 * gauges; {@code gauges} gives the gauges alone; its constants name the meters and tags. Everything else here is
 * package-private: the decorators ({@code Metered*}), the counters and timers of one limiter name
 * ({@code DecisionMeters}), the gauge binder ({@code LimiterGauges}) and the reason tag values ({@code Reason}).
 * Tags are of bounded cardinality: the limiter's name, an outcome, a reason; never a key. Needs micrometer-core on the
 * class path (an optional dependency of this module).
 */
package dev.throttle.micrometer;
