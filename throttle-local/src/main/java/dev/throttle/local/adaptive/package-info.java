/**
 * Limits that move with the backend's health.
 * <ul>
 *   <li>Concurrency limits that learn from latency and drops: {@link dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter}
 *   with a {@link dev.throttle.local.adaptive.LimitAlgorithm} ({@link dev.throttle.local.adaptive.AimdAlgorithm},
 *   {@link dev.throttle.local.adaptive.VegasAlgorithm}, {@link dev.throttle.local.adaptive.GradientAlgorithm}).</li>
 *   <li>Rates that follow health signals ({@link dev.throttle.local.adaptive.HealthSignal}: error ratio, latency
 *   percentile, a backend's Retry-After, any gauge): {@link dev.throttle.local.adaptive.StepRateLimiter} (between
 *   configured rates, with hysteresis and cooldowns) and {@link dev.throttle.local.adaptive.AimdRateLimiter}, both
 *   able to share their level across a fleet ({@link dev.throttle.local.adaptive.RateLevelStore}) and to report each
 *   switch ({@link dev.throttle.local.adaptive.RateSwitch}).</li>
 *   <li>Client-side throttling from Google's SRE book: {@link dev.throttle.local.adaptive.ClientSideThrottle}, the
 *   local engine's limiter of {@link dev.throttle.ClientSideThrottling}.</li>
 * </ul>
 */
package dev.throttle.local.adaptive;
