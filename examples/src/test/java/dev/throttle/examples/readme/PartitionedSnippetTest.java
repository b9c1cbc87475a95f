package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::partitioned[]
import dev.throttle.Limiter;
import dev.throttle.local.partition.PartitionedLimiter;
// end::partitioned[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: guaranteed shares. */
class PartitionedSnippetTest {

    PartitionedLimiter makeTheLimiter() {
        // tag::partitioned[]
        PartitionedLimiter workers = PartitionedLimiter.builder("workers", 100)
                .partition("premium", 0.7, 200).partition("standard", 0.3, 200).build();
        Limiter premium = workers.partition("premium");    // a Limiter like any other
        // end::partitioned[]
        assertThat(premium.name()).contains("premium");
        return workers;
    }

    @Test
    void aPartitionBorrowsIdleCapacityAndTheGlobalCapIsNeverExceeded() {
        PartitionedLimiter workers = makeTheLimiter();
        Limiter premium = workers.partition("premium");
        Limiter standard = workers.partition("standard");
        java.util.List<dev.throttle.Permit> held = new java.util.ArrayList<>();
        while (true) {
            dev.throttle.Permit permit = standard.tryAcquire();
            if (!permit.granted()) {
                break;
            }
            held.add(permit);
        }
        assertThat(held).as("standard borrowed idle premium capacity").hasSizeGreaterThan(30);
        while (true) {
            dev.throttle.Permit permit = premium.tryAcquire();
            if (!permit.granted()) {
                break;
            }
            held.add(permit);
        }
        assertThat(workers.inFlight()).isEqualTo(100);
        assertThat(held).hasSize(100);
        held.forEach(dev.throttle.Permit::close);
        assertThat(workers.inFlight()).isZero();
    }
}
