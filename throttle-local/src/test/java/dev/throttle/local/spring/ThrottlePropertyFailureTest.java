package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * Bad configuration fails the startup (the context refresh), never the first request, with a message that names the
 * property's path and, where the library gives one, the allowed range.
 */
class ThrottlePropertyFailureTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ThrottleAutoConfiguration.class));

    /** The startup's failure, with the property's path and the message expected of its root. */
    private void failsWith(String property, String message, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            assertThat(failure).hasRootCauseInstanceOf(IllegalArgumentException.class);
            ThrottlePropertyException refused = cause(failure);
            assertThat(refused.property()).isEqualTo(property);
            assertThat(refused).hasMessage(property + ": " + message);
            assertThat(failure.getMessage()).contains(property + ": " + message);
        });
    }

    private static ThrottlePropertyException cause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ThrottlePropertyException) {
                return (ThrottlePropertyException) cause;
            }
        }
        throw new AssertionError("no ThrottlePropertyException in " + failure, failure);
    }

    @Test
    void aValueOutOfRangeNamesItsPropertyAndTheRange() {
        failsWith("throttle.limiters.api.capacity",
                "capacity = 0 is out of range; allowed range is [1, 9223372036854775807]",
                "throttle.limiters.api.type=token-bucket", "throttle.limiters.api.capacity=0",
                "throttle.limiters.api.rate=10");
        failsWith("throttle.limiters.api.rate",
                "permits = -5 is out of range; allowed range is [1, 9223372036854775807]",
                "throttle.limiters.api.type=leaky-bucket", "throttle.limiters.api.capacity=10",
                "throttle.limiters.api.rate=-5");
        failsWith("throttle.limiters.api.period",
                "period = PT0S is out of range; allowed range is [PT0.000000001S, PT87600H]",
                "throttle.limiters.api.type=token-bucket", "throttle.limiters.api.capacity=10",
                "throttle.limiters.api.rate=10", "throttle.limiters.api.period=0s");
        failsWith("throttle.keyed.per-client.window",
                "window = PT-1S is out of range; allowed range is [PT0.000000001S, PT87600H]",
                "throttle.keyed.per-client.type=sliding-window", "throttle.keyed.per-client.limit=10",
                "throttle.keyed.per-client.window=-1s");
        failsWith("throttle.limiters.db.max-queue",
                "maxQueue = -1 is out of range; allowed range is [0, 2147483647]",
                "throttle.limiters.db.type=concurrency", "throttle.limiters.db.limit=10",
                "throttle.limiters.db.max-queue=-1");
        failsWith("throttle.limiters.db.limit",
                "limit = 3000000000 is out of range; allowed range is [1, 2147483647]",
                "throttle.limiters.db.type=concurrency", "throttle.limiters.db.limit=3000000000");
    }

    @Test
    void aMisspeltParameterIsNamedInsteadOfLeavingItsDefaultInPlace() {
        String takes = "is not a setting; a limiter takes type, capacity, rate, period, max-delay, limit, window,"
                + " max-queue, queue-order (those of its type)";
        // Unnoticed, "perod" would leave the period at 1 s: a limit 3,600 times looser than written.
        failsWith("throttle.limiters.api.perod", takes, "throttle.limiters.api.type=token-bucket",
                "throttle.limiters.api.capacity=10", "throttle.limiters.api.rate=1", "throttle.limiters.api.perod=1h");
        failsWith("throttle.limiters.db.max-queu", takes, "throttle.limiters.db.type=concurrency",
                "throttle.limiters.db.limit=2", "throttle.limiters.db.max-queu=10");
        failsWith("throttle.keyed.per-client.windw", takes, "throttle.keyed.per-client.type=fixed-window",
                "throttle.keyed.per-client.limit=10", "throttle.keyed.per-client.window=1m",
                "throttle.keyed.per-client.windw=1h");
        // The HTTP policy's settings, at every level, alike.
        failsWith("throttle.http.refusal-staus", "is not a setting; throttle.http takes enabled, global, routes,"
                + " trusted-proxies, refusal-status, header-style, problem-json",
                "throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=1",
                "throttle.limiters.api.window=1s", "throttle.http.global[0].limiter=api",
                "throttle.http.refusal-staus=503");
        failsWith("throttle.http.routes[0].limits[0].max-wiat", "is not a setting; an HTTP limit takes limiter, keyed,"
                + " key, header, max-wait, max-queued", "throttle.limiters.api.type=fixed-window",
                "throttle.limiters.api.limit=1", "throttle.limiters.api.window=1s", "throttle.http.routes[0].path=/a",
                "throttle.http.routes[0].limits[0].limiter=api", "throttle.http.routes[0].limits[0].max-wiat=1s");
        // Relaxed forms of real parameters still bind.
        runner.withPropertyValues("throttle.limiters.db.type=concurrency", "throttle.limiters.db.limit=2",
                "throttle.limiters.db.maxQueue=10", "throttle.limiters.db.queue_order=lifo")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aMissingOrMisplacedParameterIsNamed() {
        failsWith("throttle.limiters.api.type", "is required; one of token-bucket, leaky-bucket, fixed-window,"
                + " sliding-window, sliding-log, concurrency", "throttle.limiters.api.limit=10");
        failsWith("throttle.limiters.api.window", "is required",
                "throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=10");
        failsWith("throttle.limiters.api.limit", "is not a parameter of a token-bucket limiter; it takes type,"
                + " capacity, rate, period", "throttle.limiters.api.type=token-bucket",
                "throttle.limiters.api.capacity=10", "throttle.limiters.api.rate=10", "throttle.limiters.api.limit=5");
        failsWith("throttle.limiters.shaper.capacity", "is not a parameter of a leaky-bucket limiter; it takes type,"
                + " rate, period, max-delay", "throttle.limiters.shaper.type=leaky-bucket",
                "throttle.limiters.shaper.capacity=10", "throttle.limiters.shaper.rate=10",
                "throttle.limiters.shaper.max-delay=1s");
        failsWith("throttle.keyed.api", "throttle.limiters.api has the same name; a name may be a limiter or a keyed"
                + " limiter, not both", "throttle.limiters.api.type=concurrency", "throttle.limiters.api.limit=1",
                "throttle.keyed.api.type=concurrency", "throttle.keyed.api.limit=1");
    }

    @Test
    void theHttpPolicyNamesWhatItCannotUse() {
        String[] limiter = {"throttle.limiters.api.type=concurrency", "throttle.limiters.api.limit=1"};
        failsWith("throttle.http.global[0].limiter", "no limiter named apj in throttle.limiters; the limiters are [api]",
                with(limiter, "throttle.http.global[0].limiter=apj"));
        failsWith("throttle.http.routes[0].limits[0].keyed",
                "no keyed limiter named per-client in throttle.keyed; the keyed limiters are []",
                with(limiter, "throttle.http.routes[0].path=/**", "throttle.http.routes[0].limits[0].keyed=per-client"));
        failsWith("throttle.http.global[0]", "needs exactly one of limiter (a name of throttle.limiters) and keyed (a"
                + " name of throttle.keyed)", with(limiter, "throttle.http.global[0].max-wait=1s"));
        failsWith("throttle.http.routes[0].path", "pattern = api/** must start with /",
                with(limiter, "throttle.http.routes[0].path=api/**", "throttle.http.routes[0].limits[0].limiter=api"));
        failsWith("throttle.http.routes[0].limits", "is required: a route needs at least one limit",
                with(limiter, "throttle.http.routes[0].path=/api/**"));
        failsWith("throttle.http.trusted-proxies[1]", "prefix of 10.0.0.0/33 is out of range; allowed range is [0, 32]",
                with(limiter, "throttle.http.global[0].limiter=api",
                        "throttle.http.trusted-proxies=192.168.0.0/16,10.0.0.0/33"));
        failsWith("throttle.http.refusal-status", "status = 200 is out of range; allowed range is [400, 599]",
                with(limiter, "throttle.http.global[0].limiter=api", "throttle.http.refusal-status=200"));
        failsWith("throttle.http.global[0].max-queued", "maxQueued = 0 is out of range; allowed range is [1, 1048576]",
                with(limiter, "throttle.http.global[0].limiter=api", "throttle.http.global[0].max-wait=1s",
                        "throttle.http.global[0].max-queued=0"));
        failsWith("throttle.http.global[0].max-queued", "is required with max-wait: a queueing limit says how long a"
                + " request may wait and how many may wait",
                with(limiter, "throttle.http.global[0].limiter=api", "throttle.http.global[0].max-wait=1s"));
    }

    @Test
    void aKeyNamesWhatItNeeds() {
        String[] keyed = {"throttle.keyed.per-client.type=concurrency", "throttle.keyed.per-client.limit=1",
            "throttle.http.global[0].keyed=per-client"};
        failsWith("throttle.http.global[0].key", "forwarded-for needs throttle.http.trusted-proxies: forwarding headers"
                + " are believed only from trusted proxies, and without any the key would be the peer's address (key:"
                + " remote-address)", with(keyed, "throttle.http.global[0].key=forwarded-for"));
        failsWith("throttle.http.global[0].header", "is required with key: header, the header's name, such as"
                + " X-Api-Key", with(keyed, "throttle.http.global[0].key=header"));
        failsWith("throttle.http.global[0].header", "is for key: header only; the key is principal",
                with(keyed, "throttle.http.global[0].key=principal", "throttle.http.global[0].header=X-Api-Key"));
        failsWith("throttle.http.global[0].key", "is for keyed limits only; limiter api is shared by every request",
                "throttle.limiters.api.type=concurrency", "throttle.limiters.api.limit=1",
                "throttle.http.global[0].limiter=api", "throttle.http.global[0].key=principal");
    }

    @Test
    void aRedisEngineWithoutThrottleRedisFailsTheStartup() {
        failsWith("throttle.engine.type",
                "redis needs the Redis engine: add dev.throttle:throttle-redis, or declare an Engine bean",
                "throttle.engine.type=redis");
    }

    /**
     * A real startup that fails on a property gets Spring Boot's report from this module's failure analyzer, which
     * Boot finds among every jar's spring.factories: the property, the reason and what to change.
     */
    @Test
    void aFailedStartupIsReportedByTheFailureAnalyzerWithThePropertyAndTheReason() {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> new SpringApplicationBuilder(
                BadConfiguration.class).web(WebApplicationType.NONE).properties("spring.main.banner-mode=off",
                        "throttle.limiters.api.type=token-bucket", "throttle.limiters.api.capacity=0",
                        "throttle.limiters.api.rate=10").run().close());
        assertThat(failure).isNotNull();

        // As Spring Boot loads them (some analyzers take constructor arguments this test does not give: skipped).
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation().load(
                FailureAnalyzer.class, null, SpringFactoriesLoader.FailureHandler.handleMessage((message, e) -> { }));
        assertThat(analyzers).as("the failure analyzers Spring Boot finds")
                .hasAtLeastOneElementOfType(ThrottlePropertyFailureAnalyzer.class);
        FailureAnalysis analysis = analyzers.stream().filter(ThrottlePropertyFailureAnalyzer.class::isInstance)
                .findFirst().orElseThrow().analyze(failure);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).isEqualTo("The throttle configuration refused a property.\n\n"
                + "    Property: throttle.limiters.api.capacity\n"
                + "    Reason: capacity = 0 is out of range; allowed range is [1, 9223372036854775807]");
        assertThat(analysis.getAction()).startsWith("Change throttle.limiters.api.capacity in the application's");
        assertThat(analysis.getCause()).isInstanceOf(ThrottlePropertyException.class);
        assertThat(new ThrottlePropertyFailureAnalyzer().analyze(new IllegalStateException("another failure")))
                .as("other failures are left to other analyzers").isNull();
    }

    /** An application with only the auto-configuration. */
    @SpringBootConfiguration
    @ImportAutoConfiguration(ThrottleAutoConfiguration.class)
    static class BadConfiguration {
    }

    private static String[] with(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
