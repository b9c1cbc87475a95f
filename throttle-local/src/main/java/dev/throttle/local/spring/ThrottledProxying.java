package dev.throttle.local.spring;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Makes sure the application has an auto-proxy creator, so that {@link Throttled} methods are guarded however the
 * application proxies: Spring Boot registers one only when it proxies by class ({@code spring.aop.proxy-target-class},
 * the default) or has AspectJ, and none with {@code spring.aop.proxy-target-class=false} or {@code spring.aop.auto=false}.
 * Where there is none, this registers Spring's infrastructure-advisor creator, which applies only infrastructure
 * advisors such as {@link ThrottledAdvisor} and proxies by interface where a bean has one (as {@code
 * @EnableTransactionManagement} does); where the application has one, Spring keeps the more capable of the two, with
 * its own way of proxying.
 */
final class ThrottledProxying implements ImportBeanDefinitionRegistrar {

    /** Created by Spring, which imports it with {@link ThrottleAutoConfiguration}. */
    ThrottledProxying() {
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
        AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
    }
}
