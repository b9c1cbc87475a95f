package dev.throttle.local;

import dev.throttle.Permit;

/** Told of every request a {@link ShadowLimiter} let through although its limit would have refused it. */
@FunctionalInterface
public interface ShadowListener {

    /**
     * A request the limit would have refused; it was granted anyway. Called on the thread that learnt of the
     * refusal; it must be quick and must not throw (what it throws is ignored, so a dry run never fails a request).
     *
     * @param refused the limit's refusal: who refused, and when a retry could have succeeded
     */
    void wouldRefuse(Permit refused);
}
