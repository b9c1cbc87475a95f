package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.Engine;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.RateLimitHeaderStyle;
import dev.throttle.http.RouteRule;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Every property group binds to the library value it names: each spec type, keyed limiters, the HTTP policy. */
class ThrottlePropertiesBindingTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ThrottleMetricsAutoConfiguration.class,
                    ThrottleAutoConfiguration.class));

    @Test
    void everySpecTypeBindsToItsSpec() {
        runner.withPropertyValues(
                "throttle.limiters.bucket.type=token-bucket", "throttle.limiters.bucket.capacity=10",
                "throttle.limiters.bucket.rate=100",
                "throttle.limiters.slow-bucket.type=token-bucket", "throttle.limiters.slow-bucket.capacity=5",
                "throttle.limiters.slow-bucket.rate=3", "throttle.limiters.slow-bucket.period=1m",
                "throttle.limiters.meter.type=leaky-bucket", "throttle.limiters.meter.capacity=20",
                "throttle.limiters.meter.rate=50",
                "throttle.limiters.shaper.type=leaky-bucket", "throttle.limiters.shaper.rate=10",
                "throttle.limiters.shaper.max-delay=250ms",
                "throttle.limiters.fixed.type=fixed-window", "throttle.limiters.fixed.limit=100",
                "throttle.limiters.fixed.window=1m",
                "throttle.limiters.sliding.type=sliding-window", "throttle.limiters.sliding.limit=50",
                "throttle.limiters.sliding.window=10s",
                "throttle.limiters.log.type=sliding-log", "throttle.limiters.log.limit=7",
                "throttle.limiters.log.window=PT2S",
                "throttle.limiters.db.type=concurrency", "throttle.limiters.db.limit=16",
                "throttle.limiters.db.max-queue=100", "throttle.limiters.db.queue-order=lifo",
                "throttle.limiters.plain-db.type=concurrency", "throttle.limiters.plain-db.limit=4")
                .run(context -> {
                    ThrottleLimiters limiters = context.getBean(ThrottleLimiters.class);
                    assertThat(limiters.limiters()).containsOnlyKeys("bucket", "slow-bucket", "meter", "shaper",
                            "fixed", "sliding", "log", "db", "plain-db");
                    assertThat(limiters.limiter("bucket").spec()).isEqualTo(TokenBucket.of(10, Rate.perSecond(100)));
                    assertThat(limiters.limiter("slow-bucket").spec()).isEqualTo(TokenBucket.of(5, Rate.perMinute(3)));
                    assertThat(limiters.limiter("meter").spec()).isEqualTo(LeakyBucket.meter(20, Rate.perSecond(50)));
                    assertThat(limiters.limiter("shaper").spec())
                            .isEqualTo(LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250)));
                    assertThat(limiters.limiter("fixed").spec()).isEqualTo(FixedWindow.of(100, Duration.ofMinutes(1)));
                    assertThat(limiters.limiter("sliding").spec())
                            .isEqualTo(SlidingWindow.of(50, Duration.ofSeconds(10)));
                    assertThat(limiters.limiter("log").spec()).isEqualTo(SlidingLog.of(7, Duration.ofSeconds(2)));
                    assertThat(limiters.limiter("db").spec())
                            .isEqualTo(new Concurrency(16, 100, Concurrency.QueueOrder.LIFO));
                    assertThat(limiters.limiter("plain-db").spec()).isEqualTo(Concurrency.of(4));
                    assertThat(limiters.limiter("bucket").name()).isEqualTo("bucket");
                    assertThat(limiters.rateLimiter("fixed")).isInstanceOf(RateLimiter.class);
                    assertThat(limiters.limiter("bucket").tryAcquire(10).granted()).isTrue();
                    assertThat(limiters.limiter("bucket").tryAcquire(1).granted()).isFalse();
                });
    }

    @Test
    void keyedLimitersBindToTheirSpecAndKeepAStatePerKey() {
        runner.withPropertyValues("throttle.keyed.per-client.type=sliding-log",
                "throttle.keyed.per-client.limit=2", "throttle.keyed.per-client.window=1m").run(context -> {
                    ThrottleLimiters limiters = context.getBean(ThrottleLimiters.class);
                    assertThat(limiters.keyedLimiters()).containsOnlyKeys("per-client");
                    assertThat(limiters.keyed("per-client").spec()).isEqualTo(SlidingLog.of(2, Duration.ofMinutes(1)));
                    assertThat(limiters.keyed("per-client").tryAcquire("a", 2).granted()).isTrue();
                    assertThat(limiters.keyed("per-client").tryAcquire("a", 1).granted()).isFalse();
                    assertThat(limiters.keyed("per-client").tryAcquire("b", 1).granted()).isTrue();
                    assertThat(limiters.findKeyed("missing")).isEmpty();
                    assertThat(limiters.find("per-client")).isEmpty();
                });
    }

    @Test
    void theLocalEngineIsTheDefaultAndNoPolicyIsMadeWithoutHttpLimits() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(LocalEngine.class);
            assertThat(context).hasSingleBean(ThrottleLimiters.class);
            assertThat(context).doesNotHaveBean(HttpThrottlePolicy.class);
            assertThat(context.getBean(ThrottleLimiters.class).limiters()).isEmpty();
        });
        runner.withPropertyValues("throttle.engine.type=LOCAL")
                .run(context -> assertThat(context).hasSingleBean(Engine.class));
    }

    @Test
    void theHttpPolicyBindsItsLimitsRoutesKeysAndResponses() {
        runner.withPropertyValues(
                "throttle.limiters.all.type=token-bucket", "throttle.limiters.all.capacity=500",
                "throttle.limiters.all.rate=500",
                "throttle.limiters.orders-db.type=concurrency", "throttle.limiters.orders-db.limit=16",
                "throttle.limiters.orders-db.max-queue=200",
                "throttle.keyed.per-key.type=fixed-window", "throttle.keyed.per-key.limit=100",
                "throttle.keyed.per-key.window=1m",
                "throttle.keyed.per-client.type=token-bucket", "throttle.keyed.per-client.capacity=20",
                "throttle.keyed.per-client.rate=10",
                "throttle.http.trusted-proxies=10.0.0.0/8, 2001:db8::/32",
                "throttle.http.refusal-status=503", "throttle.http.header-style=legacy",
                "throttle.http.problem-json=true",
                "throttle.http.global[0].limiter=all",
                "throttle.http.routes[0].method=post", "throttle.http.routes[0].path=/api/orders/**",
                "throttle.http.routes[0].limits[0].keyed=per-key", "throttle.http.routes[0].limits[0].key=header",
                "throttle.http.routes[0].limits[0].header=X-Api-Key",
                "throttle.http.routes[0].limits[1].limiter=orders-db",
                "throttle.http.routes[0].limits[1].max-wait=2s", "throttle.http.routes[0].limits[1].max-queued=200",
                "throttle.http.routes[1].path=/api/**",
                "throttle.http.routes[1].limits[0].keyed=per-client",
                "throttle.http.routes[1].limits[0].key=forwarded-for").run(context -> {
                    HttpThrottlePolicy policy = context.getBean(HttpThrottlePolicy.class);
                    assertThat(policy.globalLimits()).extracting(HttpLimit::name).containsExactly("all");
                    assertThat(policy.refusalStatus()).isEqualTo(503);
                    assertThat(policy.headerStyle()).isEqualTo(RateLimitHeaderStyle.LEGACY);
                    assertThat(policy.routes()).hasSize(2);
                    RouteRule orders = policy.routes().get(0);
                    assertThat(orders.method()).contains("POST");
                    assertThat(orders.pattern()).isEqualTo("/api/orders/**");
                    assertThat(orders.limits()).extracting(HttpLimit::name).containsExactly("per-key", "orders-db");
                    assertThat(orders.limits().get(0).maxQueued()).isZero();
                    assertThat(orders.limits().get(1).maxWait()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(orders.limits().get(1).maxQueued()).isEqualTo(200);
                    RouteRule api = policy.routes().get(1);
                    assertThat(api.method()).isEmpty();
                    assertThat(api.limits()).extracting(HttpLimit::name).containsExactly("per-client");
                    assertThat(api.limits().get(0).toString()).contains("per-client by");
                    ThrottleLimiters limiters = context.getBean(ThrottleLimiters.class);
                    assertThat(orders.limits().get(1).spec()).isEqualTo(limiters.limiter("orders-db").spec());
                });
    }

    @Test
    void aDisabledPolicyIsNotMade() {
        runner.withPropertyValues("throttle.limiters.all.type=concurrency", "throttle.limiters.all.limit=1",
                "throttle.http.global[0].limiter=all", "throttle.http.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(HttpThrottlePolicy.class));
    }
}
