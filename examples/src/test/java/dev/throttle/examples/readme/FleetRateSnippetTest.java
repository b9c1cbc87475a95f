package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::fleet-rate[]
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.adaptive.HealthSignal;
import dev.throttle.local.adaptive.StepRateLimiter;
import dev.throttle.redis.RedisSharedRate;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
// end::fleet-rate[]
import org.junit.jupiter.api.Test;

/**
 * README, local or Redis: a rate the whole fleet follows. Two Redis engines stand for two nodes; the controller's
 * publishing task is run by the test at each second of a manual clock (its executor is shut down before it runs).
 */
class FleetRateSnippetTest extends ManualClockFixture {

    private Duration backendLatency = Duration.ofMillis(20);
    private HealthSignal.LatencyPercentile p95;
    private StepRateLimiter steps;
    private Runnable publish;

    /** What every node runs: the shared limit. */
    static RateLimiter everyNode(dev.throttle.redis.RedisEngine redis) {
        // tag::fleet-rate[]
        // Every node: 1000/s in bursts of 100, scaled by the factor published in Redis (read by the same script call)
        RateLimiter backend = redis.sharedRateLimiter("backend", TokenBucket.of(100, Rate.perSecond(1000)));
        // end::fleet-rate[]
        return backend;
    }

    /** What one node, the controller, runs besides: the steps, published as factors of the shared rate. */
    ScheduledExecutorService controller(dev.throttle.redis.RedisEngine redis) {
        // tag::fleet-rate[]
        // One node, the controller: its calls' p95 latency moves the steps (hysteresis, cooldowns, one step at a time)
        HealthSignal.LatencyPercentile p95 = HealthSignal.latencyPercentile(engine.ticker(), Duration.ofSeconds(10), 10,
                95.0, 50);
        StepRateLimiter steps = StepRateLimiter.builder("backend-steps", engine).signal(p95)
                .thresholds(Duration.ofMillis(250).toNanos(), Duration.ofMillis(100).toNanos())
                .step(Rate.perSecond(1000)).step(Rate.perSecond(500)).step(Rate.perSecond(100))
                .cooldowns(Duration.ofSeconds(1), Duration.ofSeconds(10)).build();
        double[] factors = {1.0, 0.5, 0.1};                     // each step as a fraction of the shared spec's rate
        RedisSharedRate fleet = redis.sharedRate("backend", Duration.ofMinutes(1));  // lapses to 1.0 unless renewed
        Runnable publish = () -> {
            steps.allow();                                      // asking evaluates the signal (once a second at most)
            try {
                fleet.setFactor(factors[steps.currentStep()]);  // renewed every second, well within the TTL
            } catch (RuntimeException redisUnavailable) {
                // not renewed: the factor lapses to the full rate at its TTL; the next run publishes again
            }
        };
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        publisher.scheduleWithFixedDelay(publish, 1, 1, TimeUnit.SECONDS);
        // end::fleet-rate[]
        this.p95 = p95;
        this.steps = steps;
        this.publish = publish;
        return publisher;
    }

    /** A call of the controller to the backend. */
    void measuredCall() {
        // tag::fleet-rate[]
        // ... and every call of the controller to the backend feeds the signal, on the local engine's clock:
        long start = engine.ticker().read();
        callBackend();
        p95.record(engine.ticker().read() - start);
        // end::fleet-rate[]
    }

    private void callBackend() {
        clock.advance(backendLatency);
    }

    /** A second of the controller: 59 calls of other threads, one through the snippet, then its publishing task. */
    private void aSecond() {
        long start = clock.read();
        for (int i = 0; i < 59; i++) {
            p95.record(backendLatency);
        }
        measuredCall();
        clock.advance(Math.max(0L, 1_000_000_000L - (clock.read() - start)));
        publish.run();
    }

    /** What both nodes are granted in 100 ms after draining the shared bucket. */
    private int grantedIn100Ms(RateLimiter first, RateLimiter second) {
        while (first.allow() || second.allow()) {
            // drain
        }
        clock.advance(Duration.ofMillis(100));
        int granted = 0;
        boolean any = true;
        while (any) {
            any = false;
            if (first.allow()) {
                granted++;
                any = true;
            }
            if (second.allow()) {
                granted++;
                any = true;
            }
        }
        return granted;
    }

    @Test
    void aSlowBackendSlowsEveryNodeAtOnce() {
        try (SnippetRedis redis = new SnippetRedis()) {
            dev.throttle.redis.RedisEngine controllerNode = redis.engine(clock);
            RateLimiter first = everyNode(controllerNode);
            RateLimiter second = everyNode(redis.engine(clock));
            ScheduledExecutorService publisher = controller(controllerNode);
            publisher.shutdownNow();

            aSecond();
            assertThat(steps.currentStep()).isZero();
            assertThat(grantedIn100Ms(first, second)).as("the full rate: 1000/s, a burst of 100").isEqualTo(100);

            backendLatency = Duration.ofMillis(300);
            for (int i = 0; i < 5 && steps.currentStep() < 2; i++) {
                aSecond();
            }
            assertThat(steps.currentStep()).as("p95 at or above 250 ms: down to the slowest step").isEqualTo(2);
            assertThat(grantedIn100Ms(first, second)).as("both nodes at a tenth: 100/s, a burst of 10")
                    .isEqualTo(10);
        }
    }
}
