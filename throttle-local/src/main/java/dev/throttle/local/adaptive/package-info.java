/**
 * Limits that move with the backend's health: adaptive concurrency limits that learn from latency and drops
 * ({@link dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter} with AIMD, Vegas or Gradient), step-function and
 * AIMD rates driven by health signals ({@link dev.throttle.local.adaptive.StepRateLimiter},
 * {@link dev.throttle.local.adaptive.AimdRateLimiter}, {@link dev.throttle.local.adaptive.HealthSignal}), with a seam
 * for sharing the current level across a fleet ({@link dev.throttle.local.adaptive.RateLevelStore}).
 */
package dev.throttle.local.adaptive;
