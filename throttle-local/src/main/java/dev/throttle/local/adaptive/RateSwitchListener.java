package dev.throttle.local.adaptive;

/**
 * Told of each change of an adaptive limiter's rate, on the thread that made it (a thread asking for permits), so
 * it must be quick and must not block. A listener that throws is ignored: decisions go on.
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
