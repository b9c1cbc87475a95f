package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::call[]
import dev.throttle.ThrottledException;
// end::call[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: guarding calls. */
class CallSnippetTest extends ManualClockFixture {

    private final dev.throttle.RateLimiter api =
            engine.rateLimiter("api", dev.throttle.TokenBucket.of(10, dev.throttle.Rate.perSecond(100)));
    private final dev.throttle.Limiter database = engine.limiter("database", dev.throttle.Concurrency.of(20));
    private final Billing billing = new Billing();
    private final Audit audit = new Audit();
    private final java.util.List<String> retries = new java.util.ArrayList<>();

    void fetchAndAudit(String id) throws Exception {
        // tag::call[]
        try {
            Invoice invoice = api.call(() -> billing.fetch(id));  // call(Callable) rethrows what the task throws
            database.run(() -> audit.record(invoice));
        } catch (ThrottledException e) {
            retryLater(e.limiterName(), e.retryAfter());          // the limiter that refused, and when to come back
        }
        // end::call[]
    }

    private void retryLater(String limiter, java.time.Duration after) {
        retries.add(limiter + " after " + after.toMillis() + " ms");
    }

    record Invoice(String id) {
    }

    static final class Billing {
        int calls;

        Invoice fetch(String id) {
            calls++;
            return new Invoice(id);
        }
    }

    static final class Audit {
        final java.util.List<Invoice> recorded = new java.util.ArrayList<>();

        void record(Invoice invoice) {
            recorded.add(invoice);
        }
    }

    @Test
    void callsRunUnderAPermitAndARefusalNamesItsLimiterAndWhenToComeBack() throws Exception {
        fetchAndAudit("inv-1");
        assertThat(audit.recorded).containsExactly(new Invoice("inv-1"));
        assertThat(api.allow(9)).isTrue();
        fetchAndAudit("inv-2");
        assertThat(billing.calls).as("not called without a permit").isEqualTo(1);
        assertThat(retries).containsExactly("api after 10 ms");
    }

    @Test
    void aFullBulkheadRefusesTheSecondCall() throws Exception {
        dev.throttle.Permit all = database.tryAcquire(20);
        fetchAndAudit("inv-3");
        assertThat(billing.calls).isEqualTo(1);
        assertThat(audit.recorded).isEmpty();
        assertThat(retries).singleElement().asString().startsWith("database after");
        all.close();
    }
}
