package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::llm-budget[]
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.local.LlmBudget;
import java.time.Duration;
// end::llm-budget[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: LLM-style budgets. */
class LlmBudgetSnippetTest extends ManualClockFixture {

    private final long maxOutput = 1_000;
    private long tokensWritten;

    LlmBudget makeTheBudget() {
        // tag::llm-budget[]
        LlmBudget gpt = LlmBudget.builder("gpt").requestsPerMinute(500).tokensPerMinute(200_000).maxConcurrent(20)
                .reserveTokensPerMinute("premium", 50_000).engine(engine).build();
        Limiter premium = gpt.tier("premium");   // premium's requests may use the reserve; gpt's own may not
        // end::llm-budget[]
        assertThat(premium).isNotNull();
        return gpt;
    }

    void ask(Limiter gpt, Prompt prompt) {
        // tag::llm-budget[]
        Permit permit = gpt.acquire(prompt.tokens() + maxOutput, Duration.ofSeconds(2));
        if (permit.granted()) {
            try (permit) { permit.settle(call(prompt).totalTokens()); }
        }
        // end::llm-budget[]
    }

    record Prompt(long tokens) {
    }

    record Answer(long totalTokens) {
    }

    private Answer call(Prompt prompt) {
        return new Answer(prompt.tokens() + tokensWritten);
    }

    @Test
    void anEstimateIsSettledToTheTokensUsedAndTheReserveIsPremiums() {
        LlmBudget gpt = makeTheBudget();
        tokensWritten = 300;
        ask(gpt, new Prompt(700));
        assertThat(gpt.availableTokens()).as("estimated 1,700, settled at 1,000").isEqualTo(199_000);
        assertThat(gpt.availableRequests()).isEqualTo(499);

        Permit freeTooBig = gpt.tryAcquire(150_001 - 1_000);
        assertThat(freeTooBig.granted()).as("free requests share the 150,000 not reserved").isFalse();
        Permit premiumRequest = gpt.tier("premium").tryAcquire(160_000);
        assertThat(premiumRequest.granted()).as("premium may dig into its reserve").isTrue();
        premiumRequest.close();
    }
}
