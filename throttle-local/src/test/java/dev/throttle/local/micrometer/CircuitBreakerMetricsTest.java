package dev.throttle.local.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.local.resilience.CallNotPermittedException;
import dev.throttle.local.resilience.CircuitBreaker;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

class CircuitBreakerMetricsTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CircuitBreaker breaker = CircuitBreaker.builder()
            .name("payments")
            .ticker(clock)
            .config(CircuitBreaker.Config.builder()
                    .countWindow(4)
                    .minimumNumberOfCalls(4)
                    .failureRateThreshold(0.5)
                    .slowCallDuration(Duration.ofSeconds(1))
                    .waitDurationInOpenState(Duration.ofSeconds(10))
                    .permittedCallsInHalfOpenState(2)
                    .recordFailure(failure -> !(failure instanceof IllegalStateException))
                    .ignoreFailure(failure -> failure instanceof CancellationException)
                    .build())
            .build();

    @Test
    void countsEachTransitionOnceAndTheCallsByOutcome() throws Exception {
        new CircuitBreakerMetrics(breaker).bindTo(registry);
        assertState("closed");

        breaker.run(() -> { });
        breaker.run(() -> clock.advance(Duration.ofSeconds(2))); // slow
        assertThatThrownBy(() -> breaker.run(() -> {
            throw new IllegalStateException("not the service's fault"); // not recorded: a success
        })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> breaker.run(() -> {
            throw new CancellationException("the caller gave up"); // ignored: neither
        })).isInstanceOf(CancellationException.class);
        fail();
        assertState("closed");
        fail();
        assertState("open");
        assertThatThrownBy(() -> breaker.run(() -> { })).isInstanceOf(CallNotPermittedException.class);
        assertThatThrownBy(() -> breaker.run(() -> { })).isInstanceOf(CallNotPermittedException.class);

        clock.advance(Duration.ofSeconds(10));
        breaker.run(() -> { });
        assertState("half_open");
        breaker.run(() -> { });
        assertState("closed");

        assertThat(transitions("closed", "open")).isEqualTo(1.0);
        assertThat(transitions("open", "half_open")).isEqualTo(1.0);
        assertThat(transitions("half_open", "closed")).isEqualTo(1.0);
        assertThat(transitions("half_open", "open")).isZero();
        assertThat(calls("success", false)).isEqualTo(4.0);
        assertThat(calls("success", true)).isEqualTo(1.0);
        assertThat(calls("ignored", false)).isEqualTo(1.0);
        assertThat(calls("failure", false)).isEqualTo(2.0);
        assertThat(calls("failure", true)).isZero();
        assertThat(calls("not_permitted", false)).isEqualTo(2.0);
    }

    @Test
    void aFailedProbeOpensAgainAndTheManualApiIsCountedToo() {
        new CircuitBreakerMetrics(breaker, Tags.of("region", "eu")).bindTo(registry);
        for (int i = 0; i < 4; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
            breaker.onError(0L, new RuntimeException("down"));
        }
        assertState("open");
        clock.advance(Duration.ofSeconds(10));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onError(5_000_000_000L, new RuntimeException("still down"));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onError(0L, new RuntimeException("still down"));
        assertState("open");
        assertThat(breaker.tryAcquirePermission()).isFalse();
        assertThat(transitions("closed", "open")).isEqualTo(1.0);
        assertThat(transitions("half_open", "open")).isEqualTo(1.0);
        assertThat(calls("failure", false)).isEqualTo(5.0);
        assertThat(calls("failure", true)).isEqualTo(1.0);
        assertThat(calls("not_permitted", false)).isEqualTo(1.0);
        assertThat(registry.get("throttle.breaker.calls").tag("region", "eu").counters()).hasSize(7);
    }

    @Test
    void bindingTwiceCountsOnceAndRefusesNulls() {
        new CircuitBreakerMetrics(breaker).bindTo(registry);
        int meters = registry.getMeters().size();
        new CircuitBreakerMetrics(breaker).bindTo(registry);
        assertThat(registry.getMeters()).hasSize(meters);
        breaker.run(() -> { });
        assertThat(calls("success", false)).isEqualTo(1.0);
        assertThat(registry.get("throttle.breaker.state").gauges()).hasSize(3);
        assertThatThrownBy(() -> new CircuitBreakerMetrics(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("breaker");
        assertThatThrownBy(() -> new CircuitBreakerMetrics(breaker, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tags");
    }

    private void fail() {
        assertThatThrownBy(() -> breaker.run(() -> {
            throw new RuntimeException("service down");
        })).isInstanceOf(RuntimeException.class);
    }

    private void assertState(String current) {
        for (String state : new String[] {"closed", "open", "half_open"}) {
            assertThat(registry.get("throttle.breaker.state").tags("breaker", "payments", "state", state).gauge()
                    .value()).as(state).isEqualTo(state.equals(current) ? 1.0 : 0.0);
        }
    }

    private double transitions(String from, String to) {
        return registry.get("throttle.breaker.transitions").tags("breaker", "payments", "from", from, "to", to)
                .counter().count();
    }

    private double calls(String outcome, boolean slow) {
        return registry.get("throttle.breaker.calls")
                .tags("breaker", "payments", "outcome", outcome, "slow", Boolean.toString(slow)).counter().count();
    }
}
