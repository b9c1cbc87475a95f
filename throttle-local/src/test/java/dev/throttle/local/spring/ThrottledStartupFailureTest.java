package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** A {@link Throttled} annotation that does not fit the limiters stops the startup, naming the method and attribute. */
class ThrottledStartupFailureTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, ThrottleAutoConfiguration.class))
            .withPropertyValues("throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=3",
                    "throttle.limiters.api.window=1m", "throttle.keyed.per-client.type=fixed-window",
                    "throttle.keyed.per-client.limit=3", "throttle.keyed.per-client.window=1m");

    @Test
    void anUnknownLimiter() {
        fails(UnknownLimiter.class, "@Throttled on " + UnknownLimiter.class.getName() + ".call: limiter \"nope\" is "
                + "none of the limiters [api] or keyed limiters [per-client]");
    }

    @Test
    void aKeyOnASharedLimiter() {
        fails(KeyOnShared.class, ".call: limiter \"api\" is shared by every call: key \"#id\" is refused");
    }

    @Test
    void noKeyOnAKeyedLimiter() {
        fails(NoKey.class, ".call: limiter \"per-client\" is keyed: key must say which key a call counts against");
    }

    @Test
    void aKeyThatIsNotAnExpression() {
        fails(BadKey.class, ".call: key \"#id +\" is not a SpEL expression");
    }

    @Test
    void permitsOutOfRange() {
        fails(TooManyPermits.class, ".call: permits = 4 is out of range; allowed range is [1, 3]");
    }

    @Test
    void aBadMaxWait() {
        fails(BadMaxWait.class, ".call: maxWait \"soon\" is not a duration such as 200ms, 2s or PT0.5S");
        fails(NegativeMaxWait.class, ".call: maxWait = -1s is negative; it must be 0s or more");
    }

    @Test
    void aMissingOrMismatchedFallback() {
        fails(MissingFallback.class, ".call: fallbackMethod \"nowhere\" is not a method of "
                + MissingFallback.class.getName() + " taking (String) or (String, ThrottledException)");
        fails(MismatchedFallback.class, ".call: fallbackMethod \"number\" returns int, not java.lang.String");
    }

    @Test
    void noLimiterNamed() {
        fails(NoName.class, ".call: value (or limiter) must name a limiter");
    }

    private void fails(Class<?> bean, String message) {
        runner.withBean(bean).run(context -> assertThat(context).getFailure()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("@Throttled on " + bean.getName() + ".call: ")
                .hasMessageContaining(message));
    }

    static class UnknownLimiter {
        @Throttled("nope")
        public String call(String id) {
            return id;
        }
    }

    static class KeyOnShared {
        @Throttled(value = "api", key = "#id")
        public String call(String id) {
            return id;
        }
    }

    static class NoKey {
        @Throttled("per-client")
        public String call(String id) {
            return id;
        }
    }

    static class BadKey {
        @Throttled(value = "per-client", key = "#id +")
        public String call(String id) {
            return id;
        }
    }

    static class TooManyPermits {
        @Throttled(value = "api", permits = 4)
        public String call(String id) {
            return id;
        }
    }

    static class BadMaxWait {
        @Throttled(value = "api", maxWait = "soon")
        public String call(String id) {
            return id;
        }
    }

    static class NegativeMaxWait {
        @Throttled(value = "api", maxWait = "-1s")
        public String call(String id) {
            return id;
        }
    }

    static class MissingFallback {
        @Throttled(value = "api", fallbackMethod = "nowhere")
        public String call(String id) {
            return id;
        }
    }

    static class MismatchedFallback {
        @Throttled(value = "api", fallbackMethod = "number")
        public String call(String id) {
            return id;
        }

        int number(String id) {
            return 0;
        }
    }

    static class NoName {
        @Throttled
        public String call(String id) {
            return id;
        }
    }
}
