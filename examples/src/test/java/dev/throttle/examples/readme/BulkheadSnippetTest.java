package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::bulkhead[]
import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.Permit;
// end::bulkhead[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: a concurrency limiter (bulkhead). */
class BulkheadSnippetTest {

    private final dev.throttle.local.LocalEngine engine = dev.throttle.local.LocalEngine.create();
    private Limiter current;
    private long availableDuringQuery = -1;

    Limiter makeTheBulkhead() {
        // tag::bulkhead[]
        Limiter database = engine.limiter("database", Concurrency.of(20)); // Concurrency.of(20, 100): 100 may queue
        // end::bulkhead[]
        return database;
    }

    void query(Limiter database) {
        // tag::bulkhead[]
        try (Permit permit = database.tryAcquire()) {
            if (permit.granted()) {
                runQuery();
            }
        }                                                                    // close() gives the permit back
        // end::bulkhead[]
    }

    private void runQuery() {
        availableDuringQuery = current.availablePermits();
    }

    @Test
    void aPermitIsHeldDuringTheQueryAndGivenBackByClose() {
        current = makeTheBulkhead();
        query(current);
        assertThat(availableDuringQuery).isEqualTo(19);
        assertThat(current.availablePermits()).isEqualTo(20);
    }

    @Test
    void twentyAtOnceAndNoMore() {
        Limiter database = makeTheBulkhead();
        java.util.List<Permit> held = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            held.add(database.tryAcquire());
        }
        assertThat(held).allMatch(Permit::granted);
        assertThat(database.tryAcquire().granted()).isFalse();
        held.forEach(Permit::close);
        assertThat(database.availablePermits()).isEqualTo(20);
    }
}
