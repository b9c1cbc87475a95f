package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::decorators[]
import dev.throttle.Ticker;
import dev.throttle.local.resilience.CircuitBreaker;
import dev.throttle.local.resilience.Decorators;
import dev.throttle.local.resilience.Retry;
import dev.throttle.local.resilience.RetryBudget;
import java.time.Duration;
// end::decorators[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: resilience around a call. */
class DecoratorsSnippetTest {

    private final dev.throttle.local.LocalEngine engine = dev.throttle.local.LocalEngine.create();
    private final dev.throttle.RateLimiter api =
            engine.rateLimiter("api", dev.throttle.TokenBucket.of(10, dev.throttle.Rate.perSecond(100)));
    private final dev.throttle.Limiter database = engine.limiter("database", dev.throttle.Concurrency.of(20));
    private final Billing billing = new Billing();

    Invoice fetch(String id) throws Exception {
        // tag::decorators[]
        CircuitBreaker breaker = CircuitBreaker.builder().name("billing")
                .config(CircuitBreaker.Config.builder().countWindow(50).failureRateThreshold(0.5).build()).build();
        Retry retry = Retry.builder()
                .config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(50)).build())
                .budget(RetryBudget.defaults(Ticker.system())).build();
        Invoice invoice = Decorators.ofCallable(() -> billing.fetch(id))
                .withFallback(failure -> Invoice.unavailable(id))
                .withRetry(retry).withCircuitBreaker(breaker).withRateLimiter(api).withBulkhead(database)
                .withTimeout(Duration.ofSeconds(2))
                .call();
        // end::decorators[]
        return invoice;
    }

    record Invoice(String id, boolean available) {
        static Invoice unavailable(String id) {
            return new Invoice(id, false);
        }
    }

    static final class Billing {
        int failuresLeft;
        int calls;

        Invoice fetch(String id) throws java.io.IOException {
            calls++;
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new java.io.IOException("billing is unwell");
            }
            return new Invoice(id, true);
        }
    }

    @Test
    void aRetryHidesAPassingFailure() throws Exception {
        billing.failuresLeft = 1;
        assertThat(fetch("inv-1")).isEqualTo(new Invoice("inv-1", true));
        assertThat(billing.calls).isEqualTo(2);
        assertThat(database.availablePermits()).as("every attempt gave its slot back").isEqualTo(20);
    }

    @Test
    void theFallbackAnswersWhenEveryAttemptFails() throws Exception {
        billing.failuresLeft = 10;
        assertThat(fetch("inv-2")).isEqualTo(Invoice.unavailable("inv-2"));
        assertThat(billing.calls).as("three attempts").isEqualTo(3);
    }
}
