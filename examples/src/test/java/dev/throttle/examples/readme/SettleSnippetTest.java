package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::settle[]
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import java.time.Duration;
// end::settle[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: estimate, then settle. */
class SettleSnippetTest extends ManualClockFixture {

    private long tokensUsed;

    RateLimiter makeTheBudget() {
        // tag::settle[]
        RateLimiter tokens = engine.rateLimiter("llm-tokens", TokenBucket.of(40_000, Rate.perMinute(40_000)));
        // end::settle[]
        return tokens;
    }

    void ask(RateLimiter tokens, String prompt) {
        // tag::settle[]
        Permit permit = tokens.acquire(2_000, Duration.ofSeconds(5));
        if (permit.granted()) {
            permit.settle(reply(prompt).tokensUsed());
        }
        // end::settle[]
    }

    private Reply reply(String prompt) {
        return new Reply(tokensUsed);
    }

    record Reply(long tokensUsed) {
    }

    @Test
    void lessThanTheEstimateGivesTheDifferenceBackAndMoreGoesIntoDebt() {
        RateLimiter tokens = makeTheBudget();
        tokensUsed = 500;
        ask(tokens, "a short answer");
        assertThat(tokens.availablePermits()).isEqualTo(39_500);
        tokensUsed = 41_000;
        ask(tokens, "a very long answer");
        assertThat(tokens.availablePermits()).isZero();
        assertThat(tokens.tryAcquire(1).retryAfter()).as("a debt of 1,500 tokens, then one token, at 1.5 ms each")
                .isEqualTo(Duration.ofNanos(1_501 * 1_500_000L));
    }
}
