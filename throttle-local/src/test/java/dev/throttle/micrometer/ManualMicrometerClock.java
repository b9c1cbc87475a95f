package dev.throttle.micrometer;

import dev.throttle.ManualClock;
import io.micrometer.core.instrument.Clock;

/** Micrometer's clock reading a {@link ManualClock}, so that timers measure manual time. */
final class ManualMicrometerClock implements Clock {

    private final ManualClock clock;

    ManualMicrometerClock(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public long wallTime() {
        return clock.read() / 1_000_000L;
    }

    @Override
    public long monotonicTime() {
        return clock.read();
    }
}
