package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.TokenBucket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Behaviours of Resilience4j's and Bucket4j's properties tests (binding of durations and units, invalid values failing
 * the startup with the property's name, the configured limits enforced with exact counts), in throttle's terms.
 */
class ThrottlePropertiesPeerTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ThrottleAutoConfiguration.class))
            .withUserConfiguration(BootApps.ManualTime.class);

    /** Resilience4j RateLimiterConfigurationTest-like: durations in every notation Spring Boot reads. */
    @Test
    void durationsBindInEveryNotation() {
        runner.withPropertyValues("throttle.limiters.a.type=fixed-window", "throttle.limiters.a.limit=3",
                "throttle.limiters.a.window=1m", "throttle.limiters.b.type=fixed-window",
                "throttle.limiters.b.limit=3", "throttle.limiters.b.window=PT90S",
                "throttle.limiters.c.type=token-bucket", "throttle.limiters.c.capacity=5",
                "throttle.limiters.c.rate=2", "throttle.limiters.c.period=500ms",
                "throttle.limiters.d.type=token-bucket", "throttle.limiters.d.capacity=5",
                "throttle.limiters.d.rate=2").run(context -> {
                    assertThat(context).hasNotFailed();
                    ThrottleLimiters limiters = context.getBean(ThrottleLimiters.class);
                    assertThat(limiters.limiter("a").spec()).isEqualTo(FixedWindow.of(3, Duration.ofMinutes(1)));
                    assertThat(limiters.limiter("b").spec()).isEqualTo(FixedWindow.of(3, Duration.ofSeconds(90)));
                    assertThat(limiters.limiter("c").spec()).isEqualTo(
                            TokenBucket.of(5, dev.throttle.Rate.of(2, Duration.ofMillis(500))));
                    assertThat(limiters.limiter("d").spec()).as("period defaults to 1s").isEqualTo(
                            TokenBucket.of(5, dev.throttle.Rate.of(2, Duration.ofSeconds(1))));
                });
    }

    /** Bucket4j/Resilience4j: a limit declared in properties is enforced with exact counts, and renews on time. */
    @Test
    void aConfiguredLimitIsEnforcedWithExactCounts() {
        runner.withPropertyValues("throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=5",
                "throttle.limiters.api.window=10s", "throttle.keyed.per-client.type=sliding-log",
                "throttle.keyed.per-client.limit=2", "throttle.keyed.per-client.window=1m").run(context -> {
                    ManualClock clock = context.getBean(ManualClock.class);
                    Limiter api = context.getBean(ThrottleLimiters.class).limiter("api");
                    for (int i = 0; i < 5; i++) {
                        assertThat(api.tryAcquire(1).granted()).as("call %d", i + 1).isTrue();
                    }
                    assertThat(api.tryAcquire(1).granted()).isFalse();
                    clock.advance(Duration.ofSeconds(10));
                    assertThat(api.tryAcquire(5).granted()).isTrue();
                    var perClient = context.getBean(ThrottleLimiters.class).keyed("per-client");
                    assertThat(perClient.tryAcquire("a", 1).granted()).isTrue();
                    assertThat(perClient.tryAcquire("a", 1).granted()).isTrue();
                    assertThat(perClient.tryAcquire("a", 1).granted()).isFalse();
                    assertThat(perClient.tryAcquire("b", 1).granted()).isTrue();
                });
    }

    /** Concurrency: limit, max-queue and queue-order bound. */
    @Test
    void aConcurrencyLimitBindsItsQueue() {
        runner.withPropertyValues("throttle.limiters.bulk.type=concurrency", "throttle.limiters.bulk.limit=2",
                "throttle.limiters.bulk.max-queue=4", "throttle.limiters.bulk.queue-order=lifo").run(context ->
                assertThat(context.getBean(ThrottleLimiters.class).limiter("bulk").spec())
                        .isEqualTo(new Concurrency(2, 4, Concurrency.QueueOrder.LIFO)));
    }

    /** Resilience4j: an invalid value fails the startup; the message names the property. */
    @Test
    void invalidValuesFailTheStartupNamingTheProperty() {
        fails("throttle.limiters.api.capacity", "throttle.limiters.api.type=token-bucket",
                "throttle.limiters.api.capacity=0", "throttle.limiters.api.rate=1");
        fails("throttle.limiters.api.window", "throttle.limiters.api.type=fixed-window",
                "throttle.limiters.api.limit=1", "throttle.limiters.api.window=-1s");
        fails("throttle.limiters.api.window", "throttle.limiters.api.type=fixed-window",
                "throttle.limiters.api.limit=1", "throttle.limiters.api.window=0s");
        fails("throttle.limiters.api.period", "throttle.limiters.api.type=token-bucket",
                "throttle.limiters.api.capacity=1", "throttle.limiters.api.rate=1", "throttle.limiters.api.period=0s");
        fails("throttle.limiters.api.max-queue", "throttle.limiters.api.type=concurrency",
                "throttle.limiters.api.limit=1", "throttle.limiters.api.max-queue=-1");
        fails("throttle.limiters.api.window", "throttle.limiters.api.type=fixed-window",
                "throttle.limiters.api.limit=1");
        fails("throttle.http.refusal-status", "throttle.limiters.api.type=fixed-window",
                "throttle.limiters.api.limit=1", "throttle.limiters.api.window=1s",
                "throttle.http.global[0].limiter=api", "throttle.http.refusal-status=200");
    }

    /** A value Spring cannot convert (a misspelt type, a duration that is not one) fails naming the property. */
    @Test
    void anUnconvertibleValueFailsTheStartupNamingTheProperty() {
        runner.withPropertyValues("throttle.limiters.api.type=token-bukket").run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("throttle.limiters.api.type");
        });
        runner.withPropertyValues("throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=1",
                "throttle.limiters.api.window=soon").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(messages(context.getStartupFailure())).contains("throttle.limiters.api.window");
                });
    }

    /**
     * ThrottleProperties.LimiterProperties says "any other parameter set is refused at startup, so that a misspelt or
     * misplaced one does not pass unnoticed": a misspelt optional parameter.
     */
    @Test
    void aMisspeltParameterDoesNotPassUnnoticed() {
        runner.withPropertyValues("throttle.limiters.api.type=token-bucket", "throttle.limiters.api.capacity=10",
                "throttle.limiters.api.rate=1", "throttle.limiters.api.perod=1h").run(context -> {
                    assertThat(context.getStartupFailure()).as("perod (for period) is refused; instead the bucket"
                            + " runs at " + (context.getStartupFailure() == null
                                    ? context.getBean(ThrottleLimiters.class).limiter("api").spec() : "?"))
                            .isNotNull();
                });
    }

    /** The same, for a concurrency limit's queue. */
    @Test
    void aMisspeltQueueParameterDoesNotPassUnnoticed() {
        runner.withPropertyValues("throttle.limiters.bulk.type=concurrency", "throttle.limiters.bulk.limit=2",
                "throttle.limiters.bulk.max-queu=10").run(context ->
                assertThat(context.getStartupFailure()).as("max-queu (for max-queue) is refused; instead "
                        + (context.getStartupFailure() == null
                                ? context.getBean(ThrottleLimiters.class).limiter("bulk").spec() : "?"))
                        .isNotNull());
    }

    /** And for the HTTP policy's settings: a misspelt refusal-status. */
    @Test
    void aMisspeltHttpSettingDoesNotPassUnnoticed() {
        runner.withPropertyValues("throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=1",
                "throttle.limiters.api.window=1s", "throttle.http.global[0].limiter=api",
                "throttle.http.refusal-staus=503").run(context ->
                assertThat(context.getStartupFailure()).as("refusal-staus (for refusal-status) is refused").isNotNull());
    }

    /** A misplaced (known) parameter is refused, as documented. */
    @Test
    void aMisplacedParameterIsRefused() {
        fails("throttle.limiters.api.window", "throttle.limiters.api.type=token-bucket",
                "throttle.limiters.api.capacity=1", "throttle.limiters.api.rate=1", "throttle.limiters.api.window=1s");
    }

    private void fails(String property, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            ThrottlePropertyException refused = null;
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                if (cause instanceof ThrottlePropertyException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("a ThrottlePropertyException in %s", failure).isNotNull();
            assertThat(refused.property()).isEqualTo(property);
        });
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            all.append(cause.getMessage()).append('\n');
        }
        return all.toString();
    }
}
