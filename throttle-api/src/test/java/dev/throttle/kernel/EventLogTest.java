package dev.throttle.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.throttle.ManualClock;
import dev.throttle.testing.RecordingLogger;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The rate-limited event log: one line per kind per window, the rest counted and reported; time from a manual clock.
 */
class EventLogTest {

    private final ManualClock clock = new ManualClock();
    private final RecordingLogger logger = new RecordingLogger("dev.throttle.test");
    private final EventLog log = EventLog.of(logger, clock);

    /** What an owner does for each event: asks, and writes what is admitted. */
    private static boolean event(EventLog log, String kind, Level level, Supplier<String> message) {
        String line = log.admit(kind, level, message);
        if (line != null) {
            log.logger().log(level, line);
        }
        return line != null;
    }

    @Test
    void aFlappingSourceWritesOneLinePerWindowAndCountsTheRest() {
        // An event every second for 25 seconds: lines at 0 s, 10 s and 20 s, each later one reporting the 9 between.
        for (int second = 0; second < 25; second++) {
            int at = second;
            event(log, "down", Level.WARNING, () -> "backend down at " + at + " s");
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(logger.lines()).containsExactly(
                "WARNING backend down at 0 s",
                "WARNING backend down at 10 s (9 similar events suppressed in the last 10 s)",
                "WARNING backend down at 20 s (9 similar events suppressed in the last 10 s)");
    }

    @Test
    void theSuppressedCountSpansTheTimeSinceTheLastLineOfItsKind() {
        event(log, "down", Level.WARNING, () -> "down");
        clock.advance(Duration.ofSeconds(2));
        event(log, "down", Level.WARNING, () -> "down");
        clock.advance(Duration.ofMinutes(3));
        event(log, "down", Level.WARNING, () -> "down again");
        assertThat(logger.lines()).containsExactly("WARNING down",
                "WARNING down again (1 similar event suppressed in the last 3.033 min)");
    }

    @Test
    void kindsAreLimitedApart() {
        for (int i = 0; i < 3; i++) {
            event(log, "down", Level.WARNING, () -> "down");
            event(log, "up", Level.INFO, () -> "up");
        }
        assertThat(logger.lines()).containsExactly("WARNING down", "INFO up");
    }

    @Test
    void aSuppressedMessageIsNeverBuilt() {
        AtomicInteger built = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            event(log, "down", Level.WARNING, () -> "down " + built.incrementAndGet());
        }
        assertThat(built).hasValue(1);
        assertThat(logger.lines()).containsExactly("WARNING down 1");
    }

    @Test
    void aLevelTheLoggerDoesNotWriteIsNeitherWrittenNorCounted() {
        RecordingLogger warningsOnly = new RecordingLogger("dev.throttle.test", Level.WARNING);
        EventLog quiet = EventLog.of(warningsOnly, clock);
        assertThat(event(quiet, "up", Level.INFO, () -> "up")).isFalse();
        assertThat(event(quiet, "down", Level.WARNING, () -> "down")).isTrue();
        assertThat(warningsOnly.lines()).containsExactly("WARNING down");
    }

    @Test
    void aZeroWindowWritesEveryLine() {
        EventLog everything = EventLog.of(logger, clock, 0L);
        event(everything, "down", Level.WARNING, () -> "one");
        event(everything, "down", Level.WARNING, () -> "two");
        assertThat(logger.lines()).containsExactly("WARNING one", "WARNING two");
    }

    @Test
    void aLoggerThatCannotTellItsLevelAdmitsNothing() {
        Logger broken = new Logger() {
            @Override
            public String getName() {
                return "broken";
            }

            @Override
            public boolean isLoggable(Level level) {
                throw new IllegalStateException("misconfigured");
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
                throw new AssertionError("nothing is admitted, so nothing is written");
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String format, Object... params) {
                throw new AssertionError("nothing is admitted, so nothing is written");
            }
        };
        assertThat(EventLog.of(broken, clock).admit("down", Level.WARNING, () -> "down")).isNull();
    }

    @Test
    void refusesMissingCollaborators() {
        assertThatIllegalArgumentException().isThrownBy(() -> EventLog.of(null, clock))
                .withMessage("logger must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> EventLog.of(logger, null))
                .withMessage("ticker must not be null");
        assertThatIllegalArgumentException().isThrownBy(() -> EventLog.of(logger, clock, -1L))
                .withMessageStartingWith("windowNanos = -1");
    }
}
