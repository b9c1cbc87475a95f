package dev.throttle.local.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a startup that failed on a refused {@code throttle.*} property into Spring Boot's "APPLICATION FAILED TO
 * START" report, naming the property, the reason and what to change, instead of a stack of bean-creation exceptions
 * with the message at its root. Spring Boot finds it in this module's {@code META-INF/spring.factories} and makes it
 * by reflection (it need not be public).
 */
final class ThrottlePropertyFailureAnalyzer extends AbstractFailureAnalyzer<ThrottlePropertyException> {

    /** Created by Spring Boot when a startup fails. */
    ThrottlePropertyFailureAnalyzer() {
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ThrottlePropertyException cause) {
        String property = cause.property();
        String reason = cause.getMessage().substring(property.length() + 2);
        return new FailureAnalysis(
                "The throttle configuration refused a property.\n\n    Property: " + property + "\n    Reason: "
                        + reason,
                "Change " + property + " in the application's configuration (application.yml or .properties, the"
                        + " environment, or the command line) as the reason says.",
                cause);
    }
}
