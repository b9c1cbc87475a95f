package dev.throttle.redis.spring;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code throttle.engine.redis.cluster-nodes} names at least one node, however it is written (a YAML
 * list, indexed properties, or one comma-separated value): bound as the properties will be, not read as one key.
 */
final class RedisClusterConfigured extends SpringBootCondition {

    /** Created by Spring when it evaluates the condition. */
    RedisClusterConfigured() {
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        List<String> nodes = Binder.get(context.getEnvironment())
                .bind("throttle.engine.redis.cluster-nodes", Bindable.listOf(String.class)).orElse(List.of());
        return nodes.isEmpty() ? ConditionOutcome.noMatch("throttle.engine.redis.cluster-nodes is empty")
                : ConditionOutcome.match("throttle.engine.redis.cluster-nodes names " + nodes.size() + " node(s)");
    }
}
