package dev.throttle.local.adaptive;

/**
 * Told of each change of an adaptive limiter's rate, on the thread that made it (a thread asking for permits), so
 * it must be quick and must not block. A listener that throws is ignored: decisions go on (the limiter counts it).
 * Two changes racing each other (an AIMD drop during an evaluation) may be told out of order; the limiter's current
 * rate is always the latest.
 */
@FunctionalInterface
public interface RateSwitchListener {

    /**
     * A rate changed.
     *
     * @param change what changed, and why
     */
    void onSwitch(RateSwitch change);
}
