package dev.throttle.conformance;

import static dev.throttle.conformance.Timeline.GRANT;
import static dev.throttle.conformance.Timeline.REFUSE;
import static dev.throttle.conformance.Timeline.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.LimitSpec;
import dev.throttle.SlidingWindow;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link SlidingWindow} (the counter approximation). With fixed windows {@code floor(now / W)},
 * {@code used} permits in the current window, {@code previous} in the window just before it (0 if that window saw
 * none or is further back) and {@code elapsed} the time since the current window began, the previous window
 * weighs
 * <pre>    weighted = ceil(previous · (W − elapsed) / W)</pre>
 * (rounded up, so the estimate never admits a fraction of a permit too many), and a request for {@code n} is
 * granted when {@code weighted + used + n <= limit}. {@code remaining} is {@code limit − weighted − used}.
 *
 * <p>The retry time of a refusal is not given by a formula here: it must be positive and exact, i.e. a retry at it
 * succeeds with no other traffic and a retry 1 ns earlier fails (checked by replay on every refusal).
 */
public abstract class SlidingWindowConformance extends RateConformance {

    @Override
    protected List<LimitSpec> sampleSpecs() {
        return List.of(
                SlidingWindow.of(10, Duration.ofMillis(100)),
                SlidingWindow.of(3, Duration.ofNanos(1000)),
                SlidingWindow.of(7, Duration.ofMillis(30)));
    }

    @Override
    protected ReferenceModel model(LimitSpec spec) {
        SlidingWindow sliding = (SlidingWindow) spec;
        return new SlidingWindowModel(sliding.limit(), sliding.window().toNanos());
    }

    /** Limit 10 per 100 ms, computed by hand step by step. */
    @Test
    public void weightedEstimateRoundsThePreviousWindowUp() {
        Timeline.of(SlidingWindow.of(10, Duration.ofMillis(100))).steps(
                // Window 0: previous 0.
                at(0).ask(4).expect(GRANT).remaining(6),
                at(50).ask(6).expect(GRANT).remaining(0),
                at(60).ask(1).expect(REFUSE),
                // Window 1: previous 10. At 100: weighted 10.
                at(100).ask(1).expect(REFUSE),
                // At 130: weighted ceil(10·70/100) = 7.
                at(130).ask(4).expect(REFUSE),
                at(130).ask(3).expect(GRANT).remaining(0),
                // At 150: weighted ceil(10·50/100) = 5, used 3.
                at(150).ask(2).expect(GRANT).remaining(0),
                at(150).ask(1).expect(REFUSE),
                // At 175: weighted ceil(10·25/100) = ceil(2.5) = 3, used 5: 2 fit, not 3 (rounding down would admit 3).
                at(175).ask(2).expect(GRANT).remaining(0),
                at(175).ask(1).expect(REFUSE),
                // At 199: weighted ceil(10·1/100) = ceil(0.1) = 1, used 7.
                at(199).ask(3).expect(REFUSE),
                at(199).ask(2).expect(GRANT).remaining(0),
                // Window 2: previous 9. At 200: weighted 9.
                at(200).ask(1).expect(GRANT).remaining(0),
                at(200).ask(1).expect(REFUSE),
                // At 260: weighted ceil(9·40/100) = ceil(3.6) = 4, used 1.
                at(260).ask(5).expect(GRANT).remaining(0),
                at(260).ask(1).expect(REFUSE),
                // Window 4: window 3 saw nothing, so nothing weighs.
                at(400).ask(10).expect(GRANT).remaining(0))
            .verify(target());
    }

    /** A window that saw nothing leaves the next one unweighted, however busy the one before was. */
    @Test
    public void aQuietWindowResetsTheWeight() {
        Timeline.of(SlidingWindow.of(4, Duration.ofSeconds(1))).steps(
                at(999).ask(4).expect(GRANT).remaining(0),
                // Window 1 (1000..2000): previous 4; at 1500 weighted ceil(4·500/1000) = 2.
                at(1500).ask(3).expect(REFUSE),
                at(1500).ask(2).expect(GRANT).remaining(0),
                // Window 2: previous 2; at 2000 weighted 2.
                at(2000).ask(2).expect(GRANT).remaining(0),
                // Window 4 follows the empty window 3.
                at(4000).ask(4).expect(GRANT).remaining(0))
            .verify(target());
    }

    /** On random traffic each fixed window still admits at most the limit. */
    @Test
    public void eachFixedWindowAdmitsAtMostTheLimitOnRandomTraffic() {
        for (LimitSpec spec : sampleSpecs()) {
            SlidingWindow sliding = (SlidingWindow) spec;
            long window = sliding.window().toNanos();
            Map<Long, Long> perWindow = new HashMap<>();
            for (long[] grant : runRandomTraffic(spec, 5L)) {
                perWindow.merge(Math.floorDiv(grant[0], window), grant[1], Long::sum);
            }
            assertThat(perWindow.values()).as("permits per fixed window of %s", spec)
                    .allSatisfy(count -> assertThat(count).isLessThanOrEqualTo(sliding.limit()));
        }
    }

    /** The counter approximation by its definition; it predicts decisions and remaining, not retry times. */
    private static final class SlidingWindowModel implements ReferenceModel {
        private final long limit;
        private final long window;
        private long index = Long.MIN_VALUE;
        private long used;
        private long previous;

        SlidingWindowModel(long limit, long window) {
            this.limit = limit;
            this.window = window;
        }

        @Override
        public Decision decide(long now, long permits) {
            long current = Math.floorDiv(now, window);
            if (current != index) {
                previous = current == index + 1 ? used : 0L;
                used = 0L;
                index = current;
            }
            long elapsed = now - current * window;
            long share = Math.multiplyExact(previous, window - elapsed);
            long weighted = (share + window - 1) / window;
            if (weighted + used + permits <= limit) {
                used += permits;
                return Decision.grant(limit - weighted - used);
            }
            return Decision.refuse(UNKNOWN);
        }
    }
}
