package dev.throttle.local.spring;

import dev.throttle.local.spring.ThrottleProperties.HttpProperties;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code throttle.http} configures a policy: enabled, with a global limit or a route. Without one there
 * is nothing to enforce, and no filter is registered.
 */
final class HttpPolicyConfigured extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        boolean configured = Binder.get(context.getEnvironment()).bind("throttle.http", HttpProperties.class)
                .map(HttpProperties::configured).orElse(false);
        return configured ? ConditionOutcome.match("throttle.http has a global limit or a route")
                : ConditionOutcome.noMatch("throttle.http has no global limit nor route, or is disabled");
    }
}
