package dev.throttle.redis;

import dev.throttle.local.ManualClock;

/** Adapts the conformance kit's {@link ManualClock} to a {@link Delayer}, so waits follow the manual clock. */
final class ManualClockDelayer implements Delayer {

    private final ManualClock clock;

    ManualClockDelayer(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        return clock.schedule(task, delayNanos)::cancel;
    }
}
