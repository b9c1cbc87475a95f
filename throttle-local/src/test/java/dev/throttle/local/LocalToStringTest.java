package dev.throttle.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.Limiters;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter;
import dev.throttle.local.adaptive.AimdAlgorithm;
import dev.throttle.local.adaptive.AimdRateLimiter;
import dev.throttle.local.adaptive.StepRateLimiter;
import dev.throttle.local.partition.PartitionedLimiter;
import dev.throttle.local.resilience.CircuitBreaker;
import dev.throttle.local.resilience.Retry;
import dev.throttle.local.resilience.RetryBudget;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What the local engine, its limiters, their permits and the resilience types print, for logs and debuggers: exact
 * texts, so that a change to one is a decision someone makes, not an accident.
 */
class LocalToStringTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    @Test
    void enginesNameTheirClock() {
        assertThat(LocalEngine.create()).hasToString("LocalEngine[system clock]");
        assertThat(engine).hasToString("LocalEngine[ticker ManualClock[0 ns, 0 tasks pending]]");
    }

    @Test
    void rateLimitersAndTheirPermits() {
        RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
        assertThat(api.tryAcquire(3)).hasToString("Permit[api: granted 3, 7/10 left]");
        assertThat(api).hasToString("Limiter[api: token bucket 10, 100/s; 7 available]");
        assertThat(api.tryAcquire(8)).hasToString("Permit[api: refused 8, retry after 10 ms]");

        assertThat(engine.rateLimiter("hourly", FixedWindow.of(100, Duration.ofHours(1))))
                .hasToString("Limiter[hourly: fixed window 100 per 1 h; 100 available]");
        assertThat(Limiters.shadow(api)).hasToString(
                "Limiter[shadow of Limiter[api: token bucket 10, 100/s; 7 available]: 0 of 0 would have been refused]");
    }

    @Test
    void concurrencyLimitersCountWhatIsHeldAndWaiting() {
        Limiter db = engine.limiter("db", Concurrency.of(20, 100));
        Permit held = db.tryAcquire(3);
        assertThat(held).hasToString("Permit[db: granted 3, 17/20 left]");
        assertThat(db).hasToString("Limiter[db: concurrency 20, queue 100 FIFO; 3 in use, 0 waiting]");
        held.close();
        assertThat(held).hasToString("Permit[db: granted 3, 17/20 left, ended]");
        assertThat(db).hasToString("Limiter[db: concurrency 20, queue 100 FIFO; 0 in use, 0 waiting]");

        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
        bulkhead.tryAcquire(1);
        assertThat(bulkhead.tryAcquire(1)).hasToString("Permit[bulkhead: refused 1, retry when a permit is released]");
    }

    @Test
    void keyedAndComposedLimiters() {
        KeyedLimiter<String> perClient = engine.keyed("per-client", SlidingWindow.of(100, Duration.ofMinutes(1)));
        perClient.tryAcquire("alice", 3);
        assertThat(perClient).hasToString("KeyedLimiter[per-client: sliding window 100 per 1 min per key; 1 key held]");
        assertThat(perClient.forKey("alice"))
                .hasToString("Limiter[per-client for alice: sliding window 100 per 1 min; 97 available]");

        Limiter checkout = engine.limiter("checkout", AllOf.of(
                AllOf.shared("global", TokenBucket.of(500, Rate.perSecond(500))),
                AllOf.shared("orders-db", Concurrency.of(16))));
        Permit granted = checkout.tryAcquire(2);
        assertThat(granted).hasToString("Permit[checkout: granted 2, 14/16 left]");
        assertThat(checkout).hasToString("Limiter[checkout: all of Limiter[global: token bucket 500, 500/s; 498"
                + " available], Limiter[orders-db: concurrency 16; 2 in use, 0 waiting]]");
    }

    @Test
    void adaptiveLimiters() {
        AdaptiveConcurrencyLimiter search = AdaptiveConcurrencyLimiter.builder("search",
                        AimdAlgorithm.builder().initialLimit(20).minLimit(1).maxLimit(200).build())
                .ticker(clock).scheduler(clock).build();
        search.tryAcquire(1);
        assertThat(search).hasToString("Limiter[search: adaptive concurrency 20 in [1, 200] by Aimd; 1 in use,"
                + " 0 waiting]");

        AimdRateLimiter backend = AimdRateLimiter.builder("backend", engine).rates(10, 100, 1000).burst(10).build();
        assertThat(backend).hasToString("Limiter[backend: AIMD rate 100/s in [10/s, 1000/s], token bucket 10, 100/s;"
                + " 10 available]");

        StepRateLimiter steps = StepRateLimiter.builder("steps", engine).signal(now -> 0.0).thresholds(0.5, 0.1)
                .step(Rate.perSecond(1000)).step(Rate.perSecond(100)).build();
        assertThat(steps).hasToString("Limiter[steps: step 0 of steps 0-1, token bucket 1000, 1000/s; 1000"
                + " available]");

        assertThat(engine.limiter("client", ClientSideThrottling.defaults()))
                .hasToString("Limiter[client: client-side throttling k=2 over 2 min; rejecting 0%]");
    }

    @Test
    void budgetsAndPartitions() {
        LlmBudget chat = LlmBudget.builder("chat").requestsPerMinute(60).tokensPerMinute(100_000).maxConcurrent(5)
                .engine(engine).build();
        assertThat(chat).hasToString("Limiter[chat: LLM budget 60 requests and 100000 tokens per minute, 5 at once;"
                + " 100000 tokens available]");

        PartitionedLimiter api = PartitionedLimiter.builder("api", 10).partition("premium", 0.7, 5)
                .partition("standard", 0.3).scheduler(clock).build();
        Limiter premium = api.partition("premium");
        premium.tryAcquire(2);
        assertThat(api).hasToString("PartitionedLimiter[api: concurrency 10, idle borrowing; premium 2 in use"
                + " (guarantee 7), standard 0 in use (guarantee 3); 0 waiting]");
        assertThat(premium).hasToString("Limiter[api/premium: partition guaranteed 7 of concurrency 10, ceiling 10,"
                + " queue 5; 2 in use, 0 waiting]");
        assertThat(api.partition("standard")).hasToString("Limiter[api/standard: partition guaranteed 3 of"
                + " concurrency 10, ceiling 10, no queue; 0 in use, 0 waiting]");
    }

    @Test
    void breakersRetriesAndBudgets() {
        CircuitBreaker breaker = CircuitBreaker.builder().name("db").ticker(clock)
                .config(CircuitBreaker.Config.builder().countWindow(2).minimumNumberOfCalls(2)
                        .waitDurationInOpenState(Duration.ofSeconds(30)).permittedCallsInHalfOpenState(3).build())
                .build();
        breaker.run(() -> { });
        assertThat(breaker).hasToString("CircuitBreaker[db: CLOSED, 1 call in the window, 0 failed, 0 slow]");
        fail(breaker);
        assertThat(breaker).hasToString("CircuitBreaker[db: OPEN, 30 s until probing]");
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker).hasToString("CircuitBreaker[db: OPEN, probing on the next call]");
        fail(breaker);
        assertThat(breaker).hasToString("CircuitBreaker[db: HALF_OPEN, 1 of 3 probes finished, 1 failed, 0 slow]");

        RetryBudget budget = RetryBudget.defaults(clock);
        assertThat(budget).hasToString("RetryBudget[20% of calls + 10/s over 10 s; 100 retries available]");
        assertThat(Retry.builder().name("billing").budget(budget).build())
                .hasToString("Retry[billing: 3 attempts, backoff 100 ms doubling up to 10 s, full jitter; budget 20% of"
                        + " calls + 10/s over 10 s]");
        assertThat(Retry.builder().name("once").config(Retry.Config.builder().maxAttempts(1).build()).build())
                .hasToString("Retry[once: 1 attempt, backoff 100 ms doubling up to 10 s, full jitter]");
    }

    private static void fail(CircuitBreaker breaker) {
        try {
            breaker.call(() -> {
                throw new IOException("down");
            });
        } catch (Exception expected) {
            // The failure is the point: it counts against the breaker.
        }
    }
}
