package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.resilience.Retry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the quick start on a manual clock: every line is known in advance. */
class QuickStartTest {

    private final ManualClock ticker = new ManualClock();
    private final Retry.Sleeper advancing = ticker::advance;
    private final LocalEngine engine = LocalEngine.builder().ticker(ticker).build();

    @Test
    void aBucketOfFiveGrantsFiveThenSaysWhenToComeBackThenRefills() {
        List<String> lines = QuickStart.bucketOnly(engine, advancing);

        assertThat(lines).hasSize(12);
        assertThat(lines.subList(0, 5)).allMatch(line -> line.endsWith("book costs 12.50"));
        // 5 per second: the next token is 200 ms away, for each of the three refused calls at the same instant.
        assertThat(lines.subList(5, 8)).containsExactly(
                "call 6: throttled, retry after 200 ms",
                "call 7: throttled, retry after 200 ms",
                "call 8: throttled, retry after 200 ms");
        assertThat(lines.get(8)).isEqualTo("... one second later ...");
        assertThat(lines.subList(9, 12)).allMatch(line -> line.endsWith("book costs 12.50"));
    }

    @Test
    void theChainHidesIntermittentFailuresThenFallsBackWithoutCallingADeadService() {
        List<String> lines = QuickStart.fullChain(engine, advancing);

        assertThat(lines).hasSize(13);
        // Every third service call fails: calls 3, 5, 7 and 9 of the chain needed a retry, and none failed.
        assertThat(lines.subList(0, 9)).allMatch(line -> line.contains("book costs 12.50"));
        assertThat(lines.get(2)).contains("service called 2x");
        assertThat(lines.get(3)).contains("service called 1x");
        assertThat(lines.get(9)).isEqualTo("... the service goes down ...");
        // The breaker opens during the first call to the dead service; from then on the service is not called.
        assertThat(lines.get(10)).startsWith("call 10: cached price 9.99").endsWith("breaker OPEN]");
        assertThat(lines.subList(11, 13)).allMatch(line -> line.contains("cached price 9.99 (CallNotPermittedException)")
                && line.contains("service called 0x"));
    }
}
