package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

// tag::step-rate[]
import dev.throttle.Rate;
import dev.throttle.local.adaptive.HealthSignal;
import dev.throttle.local.adaptive.StepRateLimiter;
import java.time.Duration;
// end::step-rate[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: rates that follow the backend's health; and never() on a slower step. */
class StepRateSnippetTest extends ManualClockFixture {

    private HealthSignal.LatencyPercentile p95;
    private Duration backendLatency = Duration.ofMillis(20);

    StepRateLimiter makeTheLimiter() {
        // tag::step-rate[]
        // the p95 latency of the last 10 s (10 buckets of 1 s), read once the window holds 50 calls
        HealthSignal.LatencyPercentile p95 = HealthSignal.latencyPercentile(engine.ticker(), Duration.ofSeconds(10), 10,
                95.0, 50);
        StepRateLimiter toBackend = StepRateLimiter.builder("backend", engine).signal(p95)
                .thresholds(Duration.ofMillis(250).toNanos(), Duration.ofMillis(100).toNanos()) // degrade, recover
                .step(Rate.perSecond(1000)).step(Rate.perSecond(300)).step(Rate.perSecond(50))
                .cooldowns(Duration.ofSeconds(1), Duration.ofSeconds(10)).build();
        // end::step-rate[]
        this.p95 = p95;
        return toBackend;
    }

    void callThrough(StepRateLimiter toBackend) {
        // tag::step-rate[]
        if (toBackend.allow()) {
            long start = engine.ticker().read();
            callBackend();
            p95.record(engine.ticker().read() - start);                 // every call's latency feeds the signal
        }
        // end::step-rate[]
    }

    private void callBackend() {
        clock.advance(backendLatency);
    }

    /** A second of traffic: 59 calls of other threads, whose latencies are recorded, then one through the snippet. */
    private void aSecondOfTraffic(StepRateLimiter toBackend) {
        long start = clock.read();
        for (int i = 0; i < 59; i++) {
            p95.record(backendLatency);
        }
        callThrough(toBackend);
        clock.advance(Math.max(0L, 1_000_000_000L - (clock.read() - start)));
    }

    @Test
    void aSlowBackendWalksTheRateDownOneStepPerCooldownAndBackUpSlowly() {
        StepRateLimiter toBackend = makeTheLimiter();
        aSecondOfTraffic(toBackend);
        assertThat(toBackend.currentRate()).as("fast calls: the fastest step").isEqualTo(Rate.perSecond(1000));

        backendLatency = Duration.ofMillis(300);
        for (int second = 0; second < 4 && toBackend.currentStep() < 2; second++) {
            aSecondOfTraffic(toBackend);
        }
        assertThat(toBackend.currentStep()).as("p95 at or above 250 ms: down to the slowest step").isEqualTo(2);
        assertThat(toBackend.currentRate()).isEqualTo(Rate.perSecond(50));

        // The slowest step's burst is 50: a request for 100 cannot fit now, though it fits the fastest step (1000).
        dev.throttle.Permit tooBigForNow = toBackend.tryAcquire(100);
        assertThat(tooBigForNow.never()).isTrue();
        assertThatThrownBy(() -> toBackend.tryAcquire(1001)).as("above every step: a bug, not a refusal")
                .isInstanceOf(IllegalArgumentException.class);

        backendLatency = Duration.ofMillis(20);
        for (int second = 0; second < 30 && toBackend.currentStep() > 0; second++) {
            aSecondOfTraffic(toBackend);
        }
        assertThat(toBackend.currentStep()).as("healthy again: back to the fastest step").isZero();
        assertThat(toBackend.switches()).as("two steps down, two up, no flapping").isEqualTo(4);
    }
}
