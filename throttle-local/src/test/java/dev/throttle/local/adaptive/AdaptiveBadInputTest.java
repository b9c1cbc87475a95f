package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Every bad argument is refused with an IllegalArgumentException naming it, and leaves everything unchanged. */
class AdaptiveBadInputTest {

    private static void refused(ThrowingCallable call, String name) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
    }

    @Test
    void aimdSettings() {
        refused(() -> AimdAlgorithm.builder().initialLimit(0), "initialLimit");
        refused(() -> AimdAlgorithm.builder().minLimit(0), "minLimit");
        refused(() -> AimdAlgorithm.builder().maxLimit(-1), "maxLimit");
        refused(() -> AimdAlgorithm.builder().minLimit(10).initialLimit(5).build(), "initialLimit");
        refused(() -> AimdAlgorithm.builder().minLimit(10).maxLimit(5).initialLimit(10).build(), "maxLimit");
        refused(() -> AimdAlgorithm.builder().backoffRatio(1.0), "backoffRatio");
        refused(() -> AimdAlgorithm.builder().backoffRatio(0.49), "backoffRatio");
        refused(() -> AimdAlgorithm.builder().backoffRatio(Double.NaN), "backoffRatio");
        refused(() -> AimdAlgorithm.builder().increase(0), "increase");
        refused(() -> AimdAlgorithm.builder().increase(Double.POSITIVE_INFINITY), "increase");
        refused(() -> AimdAlgorithm.builder().timeout(Duration.ZERO), "timeout");
        refused(() -> AimdAlgorithm.builder().timeout(null), "timeout");
        refused(() -> AimdAlgorithm.builder().timeout(Duration.ofDays(365 * 20)), "timeout");
        refused(() -> AimdAlgorithm.builder().smoothing(0), "smoothing");
        refused(() -> AimdAlgorithm.builder().smoothing(1.01), "smoothing");
    }

    @Test
    void vegasSettings() {
        refused(() -> VegasAlgorithm.builder().thresholds(0, 3, 6), "threshold");
        refused(() -> VegasAlgorithm.builder().thresholds(4, 3, 6), "alpha");
        refused(() -> VegasAlgorithm.builder().thresholds(1, 7, 6), "beta");
        refused(() -> VegasAlgorithm.builder().backoffRatio(1.5), "backoffRatio");
        refused(() -> VegasAlgorithm.builder().smoothing(-0.1), "smoothing");
        refused(() -> VegasAlgorithm.builder().minWindowSamples(0), "minWindowSamples");
        refused(() -> VegasAlgorithm.builder().random(null), "random");
        refused(() -> VegasAlgorithm.builder().noLoadProbe(Duration.ZERO, 0.1, 3, 20), "probeInterval");
        refused(() -> VegasAlgorithm.builder().noLoadProbe(Duration.ofSeconds(1), 1.5, 3, 20), "probeJitter");
        refused(() -> VegasAlgorithm.builder().noLoadProbe(Duration.ofSeconds(1), 0.1, 0, 20), "probeLimit");
        refused(() -> VegasAlgorithm.builder().noLoadProbe(Duration.ofSeconds(1), 0.1, 3, 0), "probeSamples");
        refused(() -> VegasAlgorithm.builder().maxLimit(10).noLoadProbe(Duration.ofSeconds(1), 0.1, 11, 5)
                .initialLimit(5).build(), "probeLimit");
        refused(() -> VegasAlgorithm.builder().initialLimit(2000).build(), "initialLimit");
    }

    @Test
    void gradientSettings() {
        refused(() -> GradientAlgorithm.builder().queueSize(-1), "queueSize");
        refused(() -> GradientAlgorithm.builder().queueSize(null), "queueSize");
        refused(() -> GradientAlgorithm.builder().longWindow(Duration.ofNanos(-1)), "longWindow");
        refused(() -> GradientAlgorithm.builder().smoothing(Double.NaN), "smoothing");
        refused(() -> GradientAlgorithm.builder().minWindowSamples(-3), "minWindowSamples");
        refused(() -> GradientAlgorithm.builder().noLoadProbe(null, 0.1, 3, 20), "probeInterval");
        refused(() -> GradientAlgorithm.builder().noLoadProbe(Duration.ofSeconds(1), -0.1, 3, 20), "probeJitter");
        refused(() -> GradientAlgorithm.builder().minLimit(5).initialLimit(4).build(), "initialLimit");
    }

    @Test
    void limiterBuilderAndCalls() {
        ManualClock clock = new ManualClock();
        LimitAlgorithm algorithm = AimdAlgorithm.builder().minLimit(2).initialLimit(10).build();
        refused(() -> AdaptiveConcurrencyLimiter.builder(null, algorithm), "name");
        refused(() -> AdaptiveConcurrencyLimiter.builder("", algorithm), "name");
        refused(() -> AdaptiveConcurrencyLimiter.builder("a", null), "algorithm");
        refused(() -> AdaptiveConcurrencyLimiter.builder("a", algorithm).ticker(null), "ticker");
        refused(() -> AdaptiveConcurrencyLimiter.builder("a", algorithm).scheduler(null), "scheduler");
        refused(() -> AdaptiveConcurrencyLimiter.builder("a", algorithm).queue(-1, Concurrency.QueueOrder.FIFO),
                "maxQueue");
        refused(() -> AdaptiveConcurrencyLimiter.builder("a", algorithm).queue(1, null), "order");

        AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder("a", algorithm).ticker(clock)
                .scheduler(clock).queue(4, Concurrency.QueueOrder.FIFO).build();
        refused(() -> limiter.tryAcquire(0), "permits");
        refused(() -> limiter.tryAcquire(3), "permits"); // above minLimit 2, though below the limit 10
        refused(() -> limiter.acquireAsync(1, null, 0), "maxWait");
        refused(() -> limiter.acquireAsync(1, Duration.ofMillis(-1), 0), "maxWait");
        refused(() -> limiter.acquire(1, Duration.ofDays(365 * 20)), "maxWait");
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queueLength()).isZero();
        assertThat(limiter.tryAcquire(2).granted()).isTrue();
    }
}
