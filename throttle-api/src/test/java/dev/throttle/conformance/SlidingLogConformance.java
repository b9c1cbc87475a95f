package dev.throttle.conformance;

import static dev.throttle.conformance.Timeline.GRANT;
import static dev.throttle.conformance.Timeline.REFUSE;
import static dev.throttle.conformance.Timeline.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.LimitSpec;
import dev.throttle.SlidingLog;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link SlidingLog}: a permit granted at {@code t} counts during {@code [t, t + W)}, and no interval
 * of length {@code W} ever holds more than {@code limit} permits. A refusal's retry time is the time until the
 * oldest permit that must leave for the request to fit has left.
 */
public abstract class SlidingLogConformance extends RateConformance {

    private static final long WINDOW = Duration.ofMillis(100).toNanos();

    @Override
    protected List<LimitSpec> sampleSpecs() {
        return List.of(
                SlidingLog.of(5, Duration.ofMillis(100)),
                SlidingLog.of(3, Duration.ofNanos(1000)),
                SlidingLog.of(8, Duration.ofMillis(50)));
    }

    @Override
    protected ReferenceModel model(LimitSpec spec) {
        SlidingLog log = (SlidingLog) spec;
        return new SlidingLogModel(log.limit(), log.window().toNanos());
    }

    /** Single and weighted requests; each refusal waits for exactly the permits it needs to leave. */
    @Test
    public void retryAfterWaitsForTheOldestNeededPermitToLeave() {
        Timeline.Result result = Timeline.of(SlidingLog.of(3, Duration.ofMillis(100))).steps(
                at(0).ask(1).expect(GRANT).remaining(2),
                at(40).ask(2).expect(GRANT).remaining(0),
                // Log {0, 40, 40}: one permit must leave (the one of 0, at 100), two must leave (at 140).
                at(50).ask(1).expect(REFUSE, 50),
                at(50).ask(2).expect(REFUSE, 90),
                at(50).ask(3).expect(REFUSE, 90),
                // At 100 the permit of 0 has left: log {40, 40}.
                at(100).ask(2).expect(REFUSE, 40),
                at(100).ask(1).expect(GRANT).remaining(0),
                at(139).ask(1).expect(REFUSE, 1),
                at(140).ask(2).expect(GRANT).remaining(0),
                // Log {100, 140, 140}; at 200 the permit of 100 has left.
                at(200).ask(3).expect(REFUSE, 40),
                at(200).ask(1).expect(GRANT).remaining(0),
                at(240).ask(3).expect(REFUSE, 60),
                at(300).ask(3).expect(GRANT).remaining(0))
            .verify(target());
        assertThat(result.maxPermitsInAnyWindow(WINDOW)).isLessThanOrEqualTo(3);
    }

    /** The burst a fixed window lets through across a boundary is refused: the log slides. */
    @Test
    public void fixedWindowBoundaryBurstIsRefused() {
        Timeline.Result result = Timeline.of(SlidingLog.of(3, Duration.ofMillis(100))).steps(
                at(99).ask(3).expect(GRANT).remaining(0),
                at(100).ask(1).expect(REFUSE, 99),
                at(100).ask(3).expect(REFUSE, 99),
                at(198).ask(1).expect(REFUSE, 1),
                at(199).ask(3).expect(GRANT).remaining(0))
            .verify(target());
        assertThat(result.maxPermitsInAnyWindow(WINDOW)).isEqualTo(3);
    }

    /** Permits spread one by one: a permit leaves exactly one window after it came. */
    @Test
    public void permitsLeaveOneWindowAfterTheyCame() {
        Timeline.Result result = Timeline.of(SlidingLog.of(3, Duration.ofMillis(100))).steps(
                at(0).ask(1).expect(GRANT).remaining(2),
                at(30).ask(1).expect(GRANT).remaining(1),
                at(60).ask(1).expect(GRANT).remaining(0),
                at(90).ask(1).expect(REFUSE, 10),
                at(100).ask(1).expect(GRANT).remaining(0),
                at(129).ask(1).expect(REFUSE, 1),
                at(130).ask(1).expect(GRANT).remaining(0),
                // Log {100, 130}: a second permit fits when the one of 100 leaves, at 200.
                at(160).ask(2).expect(REFUSE, 40),
                at(160).ask(1).expect(GRANT).remaining(0))
            .verify(target());
        assertThat(result.maxPermitsInAnyWindow(WINDOW)).isEqualTo(3);
    }

    /** On random traffic, no interval of one window's length ever holds more than the limit. */
    @Test
    public void neverAboveTheLimitInAnyWindowOnRandomTraffic() {
        for (LimitSpec spec : sampleSpecs()) {
            SlidingLog log = (SlidingLog) spec;
            List<long[]> grants = runRandomTraffic(spec, 3L);
            long window = log.window().toNanos();
            for (long[] first : grants) {
                long inWindow = 0;
                for (long[] grant : grants) {
                    if (grant[0] >= first[0] && grant[0] < first[0] + window) {
                        inWindow += grant[1];
                    }
                }
                assertThat(inWindow).as("permits in [%d, %d + W) for %s", first[0], first[0], spec)
                        .isLessThanOrEqualTo(log.limit());
            }
        }
    }

    /** A sliding log by its definition: the time of each permit still in the window, oldest first. */
    private static final class SlidingLogModel implements ReferenceModel {
        private final long limit;
        private final long window;
        private final ArrayDeque<Long> log = new ArrayDeque<>();

        SlidingLogModel(long limit, long window) {
            this.limit = limit;
            this.window = window;
        }

        @Override
        public Decision decide(long now, long permits) {
            while (!log.isEmpty() && log.peekFirst() + window <= now) {
                log.pollFirst();
            }
            long mustLeave = log.size() + permits - limit;
            if (mustLeave <= 0) {
                for (long i = 0; i < permits; i++) {
                    log.addLast(now);
                }
                return Decision.grant(limit - log.size());
            }
            Iterator<Long> oldestFirst = log.iterator();
            long leaving = 0;
            for (long i = 0; i < mustLeave; i++) {
                leaving = oldestFirst.next();
            }
            return Decision.refuse(leaving + window - now);
        }
    }
}
