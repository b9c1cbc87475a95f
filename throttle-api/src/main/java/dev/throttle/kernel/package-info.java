/**
 * The acquisition kernel shared by the engines: not an API. The module descriptor exports this package only to the
 * engine modules (dev.throttle.local, dev.throttle.redis); on the class path its public classes are visible, but
 * they may change in any release. Program against {@link dev.throttle.Limiter} and {@link dev.throttle.Permit}.
 *
 * <p>What it holds, written once for every limiter of every engine:
 * <ul>
 *   <li>{@link dev.throttle.kernel.Acquisition}: one request that may wait (deciding, waiting to a deadline,
 *   retrying, reserving a future slot, cancelling and giving back), and
 *   {@link dev.throttle.kernel.QueuedAcquisition} for requests queued in a bulkhead;</li>
 *   <li>the permit family, five kinds: {@link dev.throttle.kernel.RefusedPermit}, {@link dev.throttle.kernel.RatePermit},
 *   {@link dev.throttle.kernel.HeldPermit}, {@link dev.throttle.kernel.AllOfPermit} (all sealed under
 *   {@link dev.throttle.kernel.AbstractPermit}) and {@link dev.throttle.kernel.ObservedPermit};
 *   {@link dev.throttle.kernel.Permits} withdraws any of them;</li>
 *   <li>{@link dev.throttle.kernel.AllOfLimiter}, all or nothing over any limiters;</li>
 *   <li>argument checks ({@link dev.throttle.kernel.Arguments}), spec visitors for parameter parsing
 *   ({@link dev.throttle.kernel.SpecVisitor}), and the decorator base {@link dev.throttle.kernel.ForwardingLimiter};</li>
 *   <li>readable text for {@code toString()}s and log lines ({@link dev.throttle.kernel.Durations},
 *   {@link dev.throttle.kernel.SpecText}), and the rate limit of the engines' log lines
 *   ({@link dev.throttle.kernel.EventLog}).</li>
 * </ul>
 */
package dev.throttle.kernel;
