/**
 * The throttle API: what a limit is, who enforces it, and what a decision answers. Start here.
 *
 * <ul>
 *   <li><b>Specs</b> describe a limit as an immutable value: {@link dev.throttle.TokenBucket},
 *   {@link dev.throttle.LeakyBucket}, {@link dev.throttle.FixedWindow}, {@link dev.throttle.SlidingWindow},
 *   {@link dev.throttle.SlidingLog}, {@link dev.throttle.Concurrency}, {@link dev.throttle.AllOf} (several at once),
 *   {@link dev.throttle.ClientSideThrottling}; all are {@link dev.throttle.LimitSpec}s.</li>
 *   <li><b>Engines</b> enforce specs ({@link dev.throttle.Engine}): the local engine (module throttle-local, this
 *   JVM's memory) or the Redis engine (module throttle-redis, a fleet). Code written against {@code Engine} runs
 *   unchanged on either.</li>
 *   <li><b>Limiters</b> decide: {@link dev.throttle.Limiter} ({@code tryAcquire}, {@code acquire} with a maximum wait,
 *   {@code acquireAsync}), {@link dev.throttle.RateLimiter} (adds the allocation-free {@code allow()}),
 *   {@link dev.throttle.KeyedLimiter} (one limit per client, API key or route). Every decision is a
 *   {@link dev.throttle.Permit}: granted or refused, when to retry, what remains; close it to end its use.</li>
 *   <li><b>Around limiters</b>: {@link dev.throttle.Limiters} composes limiters already made and runs dry runs
 *   ({@link dev.throttle.ShadowLimiter}); {@link dev.throttle.ThrottledException} is what {@code Limiter.call}
 *   throws; {@link dev.throttle.Ticker} and {@link dev.throttle.Scheduler} are the clock and the timer every engine
 *   uses, and {@link dev.throttle.ManualClock} is both for tests that must not sleep.</li>
 * </ul>
 * The integrations live in sibling packages whose dependencies are optional: {@code dev.throttle.http} (one HTTP
 * policy), {@code dev.throttle.servlet}, {@code dev.throttle.netty}, {@code dev.throttle.micrometer}.
 */
package dev.throttle;
