package dev.throttle.conformance;

import static dev.throttle.conformance.Timeline.GRANT;
import static dev.throttle.conformance.Timeline.REFUSE;
import static dev.throttle.conformance.Timeline.at;
import static dev.throttle.conformance.Timeline.atNanos;
import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link FixedWindow}: windows are {@code [k·W, (k+1)·W)} of the engine's clock, so the window of a
 * reading {@code now} is {@code floor(now / W)} whatever the clock's first reading; each admits at most
 * {@code limit} permits, and a refusal's retry time is the time to the window's end.
 */
public abstract class FixedWindowConformance extends RateConformance {

    private static final long MS = 1_000_000L;

    @Override
    protected List<LimitSpec> sampleSpecs() {
        return List.of(
                FixedWindow.of(5, Duration.ofMillis(100)),
                FixedWindow.of(1, Duration.ofNanos(777)),
                FixedWindow.of(10, Duration.ofMillis(3)));
    }

    @Override
    protected ReferenceModel model(LimitSpec spec) {
        FixedWindow fixed = (FixedWindow) spec;
        return new FixedWindowModel(fixed.limit(), fixed.window().toNanos());
    }

    /**
     * The known weakness, kept: the limit at the very end of one window and the limit again at the start of the
     * next are all granted, {@code 2·limit} within 1 ms.
     */
    @Test
    public void boundaryBurstAdmitsTwiceTheLimitAcrossABoundary() {
        Timeline.Result result = Timeline.of(FixedWindow.of(5, Duration.ofSeconds(1))).steps(
                at(999).ask(5).expect(GRANT).remaining(0),
                at(999).ask(1).expect(REFUSE, 1),
                at(1000).ask(5).expect(GRANT).remaining(0),
                at(1000).ask(1).expect(REFUSE, 1000))
            .verify(target());
        assertThat(result.maxPermitsInAnyWindow(Duration.ofSeconds(1).toNanos())).isEqualTo(10);
    }

    /**
     * With a first clock reading of 1_234_567_891 ns and a window of 100 ms, the first window is
     * {@code [1.2 s, 1.3 s)}: it ends 65_432_109 ns after the start, not 100 ms after it. A refusal waits exactly for
     * the end of its window.
     */
    @Test
    public void windowsFollowTheClockNotTheFirstRequest() {
        long toEnd = 1_300_000_000L - 1_234_567_891L;
        assertThat(toEnd).isEqualTo(65_432_109L);
        Timeline.of(FixedWindow.of(3, Duration.ofMillis(100))).startingAt(1_234_567_891L).steps(
                atNanos(0).ask(1).expect(GRANT).remaining(2),
                atNanos(0).ask(3).expectNanos(REFUSE, toEnd),
                atNanos(0).ask(2).expect(GRANT).remaining(0),
                atNanos(1_000).ask(1).expectNanos(REFUSE, toEnd - 1_000),
                atNanos(toEnd - 1).ask(1).expectNanos(REFUSE, 1),
                atNanos(toEnd).ask(3).expect(GRANT).remaining(0),
                atNanos(toEnd).ask(1).expectNanos(REFUSE, 100 * MS),
                atNanos(toEnd + 100 * MS - 1).ask(1).expectNanos(REFUSE, 1),
                atNanos(toEnd + 100 * MS).ask(2).expect(GRANT).remaining(1),
                // Two windows later, nothing of the past counts.
                atNanos(toEnd + 350 * MS).ask(3).expect(GRANT).remaining(0))
            .verify(target());
    }

    /** Requests for several permits fit in what is left of the window, or wait for the next one. */
    @Test
    public void weightedPermits() {
        Timeline.of(FixedWindow.of(5, Duration.ofMillis(100))).steps(
                at(0).ask(2).expect(GRANT).remaining(3),
                at(10).ask(4).expect(REFUSE, 90),
                at(10).ask(3).expect(GRANT).remaining(0),
                at(50).ask(1).expect(REFUSE, 50),
                at(100).ask(5).expect(GRANT).remaining(0),
                at(150).ask(5).expect(REFUSE, 50),
                at(250).ask(4).expect(GRANT).remaining(1),
                at(299).ask(2).expect(REFUSE, 1),
                at(299).ask(1).expect(GRANT).remaining(0))
            .verify(target());
    }

    /** A fixed window by its definition: a counter per window {@code floor(now / W)}. */
    private static final class FixedWindowModel implements ReferenceModel {
        private final long limit;
        private final long window;
        private long index = Long.MIN_VALUE;
        private long used;

        FixedWindowModel(long limit, long window) {
            this.limit = limit;
            this.window = window;
        }

        @Override
        public Decision decide(long now, long permits) {
            long current = Math.floorDiv(now, window);
            if (current != index) {
                index = current;
                used = 0;
            }
            if (used + permits <= limit) {
                used += permits;
                return Decision.grant(limit - used);
            }
            return Decision.refuse((current + 1) * window - now);
        }
    }
}
