package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::engine[]
import dev.throttle.local.LocalEngine;
// end::engine[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: an engine. */
class EngineSnippetTest {

    static LocalEngine makeAnEngine() {
        // tag::engine[]
        LocalEngine engine = LocalEngine.create();
        // end::engine[]
        return engine;
    }

    @Test
    void theEngineReadsTheSystemClockAndWaitsOnTheSharedScheduler() {
        LocalEngine engine = makeAnEngine();
        assertThat(engine.ticker()).isSameAs(dev.throttle.Ticker.system());
        assertThat(engine.scheduler()).isSameAs(dev.throttle.Scheduler.shared());
    }
}
