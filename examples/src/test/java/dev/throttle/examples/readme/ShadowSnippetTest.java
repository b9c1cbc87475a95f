package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::shadow[]
import dev.throttle.Limiters;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.ShadowLimiter;
import dev.throttle.TokenBucket;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
// end::shadow[]
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** README, five-minute tour: a dry run. */
class ShadowSnippetTest extends ManualClockFixture {

    private final java.util.List<String> handled = new java.util.ArrayList<>();
    private final java.util.List<java.util.logging.LogRecord> logged = new java.util.ArrayList<>();
    private final java.util.logging.Logger julLogger = java.util.logging.Logger.getLogger("throttle.dry-run");
    private final java.util.logging.Handler capture = new java.util.logging.Handler() {
        @Override
        public void publish(java.util.logging.LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    ShadowLimiter.OfRateLimiter makeTheDryRun() {
        // tag::shadow[]
        Logger log = System.getLogger("throttle.dry-run");
        RateLimiter next = engine.rateLimiter("api-v2", TokenBucket.of(5, Rate.perSecond(50)));
        ShadowLimiter.OfRateLimiter candidate = Limiters.shadow(next,
                refused -> log.log(Level.INFO, "api-v2 would refuse {0} permit(s)", refused.permits()));
        // end::shadow[]
        return candidate;
    }

    void serve(ShadowLimiter.OfRateLimiter candidate, String request) {
        // tag::shadow[]
        if (candidate.allow()) {       // always true: the real limiter decides, a refusal is only counted and logged
            handle(request);
        }
        // end::shadow[]
    }

    private void handle(String request) {
        handled.add(request);
    }

    @AfterEach
    void detach() {
        julLogger.removeHandler(capture);
        julLogger.setUseParentHandlers(true);
    }

    @Test
    void everythingIsServedWhileWouldBeRefusalsAreCountedAndLogged() {
        julLogger.addHandler(capture);
        julLogger.setUseParentHandlers(false);
        ShadowLimiter.OfRateLimiter candidate = makeTheDryRun();
        for (int i = 0; i < 7; i++) {
            serve(candidate, "request " + i);
        }
        assertThat(handled).hasSize(7);
        assertThat(candidate.evaluated()).isEqualTo(7);
        assertThat(candidate.wouldHaveRefused()).as("a burst of 5 would have been allowed").isEqualTo(2);
        assertThat(logged).hasSize(2).allSatisfy(record -> {
            assertThat(record.getMessage()).isEqualTo("api-v2 would refuse {0} permit(s)");
            assertThat(record.getParameters()).containsExactly(1L);
        });
        assertThat(candidate).isInstanceOf(dev.throttle.RateLimiter.class);
    }
}
