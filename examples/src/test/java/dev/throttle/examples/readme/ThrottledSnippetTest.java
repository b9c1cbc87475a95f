package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::throttled[]
import dev.throttle.ThrottledException;
import dev.throttle.local.spring.Throttled;
// end::throttled[]
import org.junit.jupiter.api.Test;

/**
 * README, Spring Boot: a service method guarded by {@code @Throttled}. Its behaviour in a Boot application is tested
 * in throttle-local (ThrottledTest, ThrottledBootServletTest); here, that the snippet compiles and says what it means.
 */
class ThrottledSnippetTest {

    // tag::throttled[]
    @Throttled(limiter = "per-client", key = "#client", fallbackMethod = "busy")   // throttle.keyed.per-client
    public String quote(String client) {
        return "quote for " + client;
    }

    String busy(String client, ThrottledException refusal) {   // the same parameters, and the refusal if wanted
        return "busy: retry in " + refusal.retryAfter().toSeconds() + " s";
    }
    // end::throttled[]

    @Test
    void theAnnotationNamesTheKeyedLimiterItsKeyAndItsFallback() throws NoSuchMethodException {
        Throttled throttled = getClass().getMethod("quote", String.class).getAnnotation(Throttled.class);
        assertThat(throttled.limiter()).isEqualTo("per-client");
        assertThat(throttled.key()).isEqualTo("#client");
        assertThat(throttled.permits()).isEqualTo(1L);
        assertThat(throttled.maxWait()).isEqualTo("0s");
        assertThat(busy("a", new ThrottledException("per-client", 10_000_000_000L))).isEqualTo("busy: retry in 10 s");
    }
}
