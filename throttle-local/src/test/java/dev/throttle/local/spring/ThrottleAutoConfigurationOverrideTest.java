package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.Engine;
import dev.throttle.Limiter;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.local.LocalEngine;
import dev.throttle.servlet.ThrottleFilter;
import dev.throttle.webflux.ThrottleWebFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every auto-configured bean yields to the application's own, and the filters appear only with a policy. */
class ThrottleAutoConfigurationOverrideTest {

    private static final AutoConfigurations THROTTLE = AutoConfigurations.of(ThrottleMetricsAutoConfiguration.class,
            ThrottleAutoConfiguration.class, ThrottleServletAutoConfiguration.class,
            ThrottleWebFluxAutoConfiguration.class);
    private static final String[] ONE_LIMIT = {"throttle.limiters.api.type=concurrency",
        "throttle.limiters.api.limit=2", "throttle.http.global[0].limiter=api"};

    private final WebApplicationContextRunner servlet = new WebApplicationContextRunner().withConfiguration(THROTTLE);
    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
            .withConfiguration(THROTTLE);

    @Test
    void eachFilterComesWithAPolicyInItsKindOfApplication() {
        servlet.withPropertyValues(ONE_LIMIT).run(context -> {
            assertThat(context).hasSingleBean(FilterRegistrationBean.class);
            assertThat(context).doesNotHaveBean(ThrottleWebFilter.class);
        });
        reactive.withPropertyValues(ONE_LIMIT).run(context -> {
            assertThat(context).hasSingleBean(ThrottleWebFilter.class);
            assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
        });
        servlet.run(context -> assertThat(context).doesNotHaveBean(FilterRegistrationBean.class));
        reactive.run(context -> assertThat(context).doesNotHaveBean(ThrottleWebFilter.class));
    }

    @Test
    void theApplicationsBeansReplaceTheAutoConfiguredOnes() {
        LocalEngine engine = LocalEngine.create();
        Limiter own = engine.limiter("own", Concurrency.of(1));
        ThrottleLimiters limiters = ThrottleLimiters.of(Map.of("api", own), Map.of());
        HttpThrottlePolicy policy = HttpThrottlePolicy.builder().global(HttpLimit.shared(own)).build();
        servlet.withPropertyValues(ONE_LIMIT)
                .withBean("myEngine", Engine.class, () -> engine)
                .withBean(ThrottleLimiters.class, () -> limiters)
                .withBean(HttpThrottlePolicy.class, () -> policy)
                .withUserConfiguration(OwnFilter.class)
                .run(context -> {
                    assertThat(context.getBean(Engine.class)).isSameAs(engine);
                    assertThat(context.getBean(ThrottleLimiters.class)).isSameAs(limiters);
                    assertThat(context.getBean(HttpThrottlePolicy.class)).isSameAs(policy);
                    assertThat(context.getBeansOfType(FilterRegistrationBean.class)).containsOnlyKeys("myFilter");
                });
        ThrottleWebFilter webFilter = new ThrottleWebFilter(policy);
        reactive.withPropertyValues(ONE_LIMIT).withBean("myWebFilter", ThrottleWebFilter.class, () -> webFilter)
                .run(context -> assertThat(context.getBeansOfType(ThrottleWebFilter.class))
                        .containsOnlyKeys("myWebFilter"));
    }

    /** An application's own registration of the filter, as it would declare it (the type's argument says which). */
    @Configuration(proxyBeanMethods = false)
    static class OwnFilter {

        @Bean
        FilterRegistrationBean<ThrottleFilter> myFilter(HttpThrottlePolicy policy) {
            return new FilterRegistrationBean<>(new ThrottleFilter(policy));
        }
    }

    @Test
    void anApplicationPolicyInCodeGetsTheFilterToo() {
        HttpThrottlePolicy policy = HttpThrottlePolicy.builder()
                .global(HttpLimit.shared(LocalEngine.create().limiter("code", Concurrency.of(1)))).build();
        servlet.withBean(HttpThrottlePolicy.class, () -> policy).run(context -> assertThat(
                context.getBean(FilterRegistrationBean.class).getFilter()).isInstanceOf(ThrottleFilter.class));
    }

    @Test
    void limitersAreMeteredOnlyWhenARegistryIsThereAndTheDecoratorCanBeReplaced() {
        servlet.withPropertyValues(ONE_LIMIT).withBean(SimpleMeterRegistry.class).run(context -> {
            context.getBean(ThrottleLimiters.class).limiter("api").tryAcquire(1).close();
            assertThat(context.getBean(SimpleMeterRegistry.class).get("throttle.permits")
                    .tags("limiter", "api", "outcome", "granted").counter().count()).isEqualTo(1.0);
        });
        servlet.withPropertyValues(ONE_LIMIT).run(context -> assertThat(context.getBean(ThrottleLimiters.class)
                .limiter("api").getClass().getName()).doesNotContain("Metered"));
        ThrottleLimiterDecorator none = new ThrottleLimiterDecorator() {
        };
        servlet.withPropertyValues(ONE_LIMIT).withBean(SimpleMeterRegistry.class)
                .withBean(ThrottleMetricsAutoConfiguration.DECORATOR, ThrottleLimiterDecorator.class, () -> none)
                .run(context -> assertThat(context.getBean(SimpleMeterRegistry.class).find("throttle.permits")
                        .counters()).isEmpty());
    }
}
