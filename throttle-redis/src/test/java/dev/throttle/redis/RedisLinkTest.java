package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.testing.RecordingLogger;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.StatefulConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * How the engine keeps trying to connect when Redis cannot be reached at start, on a manual clock: attempts back off
 * from 100 ms to at most 1 s, one warning is logged however many fail, commands fail at once as not connected, and
 * closing the engine stops the attempts. (Connecting at last is shown against a real server in
 * {@link RedisBootOutageTest}.)
 */
class RedisLinkTest {

    private final ManualClock clock = new ManualClock();
    private final RecordingLogger logger = new RecordingLogger("dev.throttle.redis");
    private final RedisHealth health = new RedisHealth("Redis at redis://127.0.0.1:1", FailurePolicy.FAIL_CLOSED,
            50_000_000L, 1_000_000_000L, logger, clock);
    /** When each attempt was made, on the manual clock. */
    private final List<Long> attempts = new ArrayList<>();

    private CompletableFuture<StatefulConnection<String, String>> refused() {
        attempts.add(clock.read());
        return CompletableFuture.failedFuture(new RedisConnectionException("Connection refused"));
    }

    @Test
    void failedAttemptsBackOffFromATenthOfASecondToASecondAndWarnOnce() {
        RedisLink link = RedisLink.opened(this::refused, clock, health, 0L);
        clock.advance(Duration.ofSeconds(5));

        long ms = 1_000_000L;
        // 0, then +100, +200, +400, +800 ms, then every second.
        assertThat(attempts).containsExactly(0L, 100 * ms, 300 * ms, 700 * ms, 1500 * ms, 2500 * ms, 3500 * ms,
                4500 * ms);
        assertThat(logger.lines()).singleElement().asString().startsWith("WARNING Redis at redis://127.0.0.1:1 could"
                + " not be reached when the engine was built (RedisConnectionException: Connection refused)");
        assertThat(link.isOpen()).isFalse();
        assertThat(link.commandsOrNull()).isNull();
        assertThatThrownBy(link::commands).isInstanceOf(RedisConnectionException.class)
                .hasMessageContaining("not connected yet");
    }

    @Test
    void closingStopsTheAttempts() {
        RedisLink link = RedisLink.opened(this::refused, clock, health, 0L);
        clock.advance(Duration.ofMillis(350));
        assertThat(attempts).hasSize(3);
        link.close();
        clock.advance(Duration.ofMinutes(1));
        assertThat(attempts).hasSize(3);
    }

    @Test
    void anOpenerThatThrowsCountsAsAFailedAttempt() {
        RedisLink link = RedisLink.opened(() -> {
            attempts.add(clock.read());
            throw new IllegalStateException("client shut down");
        }, clock, health, 0L);
        clock.advance(Duration.ofMillis(100));
        assertThat(attempts).hasSize(2);
        link.close();
    }
}
