package dev.throttle.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.micrometer.CircuitBreakerMetrics;
import dev.throttle.local.resilience.CircuitBreaker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every meter of the library as the Prometheus registry renders it in its scrape output, where most dashboards read
 * them: the names are the documented ones, and no unit appears twice in a name ({@code throttle_permits_permits_total}).
 */
class PrometheusNamesTest {

    private static final Pattern SAMPLE = Pattern.compile("^([a-z_:][a-z0-9_:]*)(\\{|\\s)", Pattern.MULTILINE);

    @Test
    void everyMeterRendersWithItsDocumentedNameAndNoDoubledUnit() throws Exception {
        ManualClock clock = new ManualClock();
        LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

        RateLimiter rate = ThrottleMetrics.meter(engine.rateLimiter("api", TokenBucket.of(1, Rate.perSecond(1))),
                registry);
        ThrottleMetrics.gauges(rate).bindTo(registry);
        rate.allow();
        rate.allow();
        Limiter slots = ThrottleMetrics.meter(engine.limiter("db", Concurrency.of(2)), registry);
        ThrottleMetrics.gauges(slots).bindTo(registry);
        try (Permit held = slots.tryAcquire(1)) {
            held.dropped();
        }
        KeyedLimiter<String> perIp = ThrottleMetrics.meter(engine.keyed("per-ip",
                TokenBucket.of(2, Rate.perSecond(1))), registry);
        ThrottleMetrics.gauges(perIp).bindTo(registry);
        perIp.tryAcquire("10.0.0.1", 1).giveBack();
        CircuitBreaker breaker = CircuitBreaker.builder().name("billing").ticker(clock).build();
        new CircuitBreakerMetrics(breaker).bindTo(registry);
        breaker.call(() -> "ok");

        String scrape = registry.scrape();
        TreeSet<String> names = new TreeSet<>();
        Matcher sample = SAMPLE.matcher(scrape);
        while (sample.find()) {
            names.add(sample.group(1));
        }
        assertThat(names).as(scrape).contains(
                "throttle_permits_total",
                "throttle_returned_permits_total",
                "throttle_dropped_permits_total",
                "throttle_available_permits",
                "throttle_limit_permits",
                "throttle_in_flight_permits",
                "throttle_queue_length_requests",
                "throttle_keys",
                "throttle_wait_seconds_count",
                "throttle_breaker_state",
                "throttle_breaker_calls_total",
                "throttle_breaker_transitions_total");
        for (String name : names) {
            List<String> words = List.of(name.replaceAll("_(total|count|sum|max|bucket)$", "").split("_"));
            for (String unit : List.of("permits", "seconds", "requests", "keys", "calls")) {
                assertThat(words.stream().filter(unit::equals).count()).as("%s in %s", unit, name)
                        .isLessThanOrEqualTo(1);
            }
        }
    }
}
