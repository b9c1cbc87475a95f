package dev.throttle.redis.spring;

import dev.throttle.Engine;
import dev.throttle.local.LocalEngine;
import dev.throttle.redis.RedisEngine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Spring Boot auto-configuration of the Redis engine, when {@code throttle.engine.type} is {@code redis}: a
 * {@link RedisEngine} from {@link ThrottleRedisProperties} (unless the application has an {@link Engine} bean of its
 * own), on a Lettuce {@link RedisClient} of its own (unless the application has one), or, with
 * {@code throttle.engine.redis.cluster-nodes}, on a {@link RedisClusterClient} of its own (unless the application
 * has one; an application's {@code RedisClusterClient} bean puts the engine on its Cluster), closed when the
 * application stops. The limiters of {@code throttle.limiters} and {@code throttle.keyed}
 * ({@code dev.throttle.local.spring.ThrottleLimiters}) and the HTTP policy are then made by it, so every instance
 * shares them. {@link ThrottleRedisMetricsAutoConfiguration} meters the engine.
 */
@AutoConfiguration(beforeName = "dev.throttle.local.spring.ThrottleAutoConfiguration")
@ConditionalOnClass(RedisClient.class)
@ConditionalOnProperty(prefix = "throttle.engine", name = "type", havingValue = "redis")
@EnableConfigurationProperties(ThrottleRedisProperties.class)
public final class ThrottleRedisAutoConfiguration {

    /** Created by Spring Boot, which finds this class in the module's auto-configuration imports. */
    public ThrottleRedisAutoConfiguration() {
    }

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean
    @Conditional(RedisClusterConfigured.class)
    RedisClusterClient throttleRedisClusterClient(ThrottleRedisProperties properties) {
        return RedisClusterClient.create(RedisEngines.clusterNodes(properties));
    }

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean({RedisClient.class, RedisClusterClient.class})
    RedisClient throttleRedisClient() {
        return RedisClient.create();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(Engine.class)
    RedisEngine throttleEngine(ThrottleRedisProperties properties, ObjectProvider<RedisClient> clients,
            ObjectProvider<RedisClusterClient> clusterClients) {
        // The fallback's limiters are this instance's own, in its memory: a local engine, made only if used.
        RedisClusterClient cluster = clusterClients.getIfUnique();
        if (cluster != null) {
            return RedisEngines.of(properties, cluster, LocalEngine::create);
        }
        return RedisEngines.of(properties, clients.getObject(), LocalEngine::create);
    }
}
