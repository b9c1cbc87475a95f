package dev.throttle.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

class LlmBudgetTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MILLI = 1_000_000L;

    private final ManualClock clock = new ManualClock(1_000 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    /** 60 requests per minute (one per second), 6,000 tokens per minute (one per 10 ms). */
    private LlmBudget.Builder gpt() {
        return LlmBudget.builder("gpt").engine(engine).requestsPerMinute(60).tokensPerMinute(6_000);
    }

    @Test
    void aRefusalByTheTokenLimitSpendsNoRequest() {
        LlmBudget budget = gpt().build();
        Permit all = budget.tryAcquire(6_000);
        assertThat(all.granted()).isTrue();
        assertThat(all.remaining()).isZero();
        assertThat(all.limit()).isEqualTo(6_000);
        for (int i = 0; i < 10; i++) {
            Permit refused = budget.tryAcquire(100);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.limiterName()).isEqualTo("gpt/tpm");
            assertThat(refused.permits()).isEqualTo(100);
            assertThat(refused.retryAfterNanos()).isEqualTo(100 * 10 * MILLI);
        }
        assertThat(budget.availableRequests()).isEqualTo(59);
    }

    @Test
    void aRefusalByTheRequestLimitSpendsNoToken() {
        LlmBudget budget = LlmBudget.builder("gpt").engine(engine).requestsPerMinute(2).tokensPerMinute(6_000)
                .build();
        assertThat(budget.tryAcquire(10).granted()).isTrue();
        assertThat(budget.tryAcquire(10).granted()).isTrue();
        for (int i = 0; i < 10; i++) {
            Permit refused = budget.tryAcquire(1_000);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.limiterName()).isEqualTo("gpt/rpm");
            assertThat(refused.retryAfterNanos()).isEqualTo(30 * SECOND);
        }
        assertThat(budget.availableTokens()).isEqualTo(5_980);
    }

    @Test
    void settlingBelowTheEstimateRefundsExactlyAndOnlyTokens() {
        LlmBudget budget = gpt().build();
        Permit first = budget.tryAcquire(6_000);
        first.settle(1_000);
        assertThat(budget.availableTokens()).isEqualTo(5_000);
        assertThat(budget.availableRequests()).as("a request stays a request").isEqualTo(59);
        // The refund fits exactly: 5,000 more, not one token beyond.
        assertThat(budget.tryAcquire(5_000).granted()).isTrue();
        Permit over = budget.tryAcquire(1);
        assertThat(over.granted()).isFalse();
        assertThat(over.retryAfterNanos()).isEqualTo(10 * MILLI);
    }

    @Test
    void overUseGoesIntoDebtThatDelaysLaterRequestsByExactlyItsAmount() {
        LlmBudget budget = gpt().build();
        Permit permit = budget.tryAcquire(1_000);
        permit.settle(7_000); // 1,000 tokens beyond the bucket: 10 s of debt at 100 tokens per second
        assertThat(budget.availableTokens()).isZero();
        Permit refused = budget.tryAcquire(1);
        assertThat(refused.limiterName()).isEqualTo("gpt/tpm");
        assertThat(refused.retryAfterNanos()).isEqualTo(10 * SECOND + 10 * MILLI);
        CompletableFuture<Permit> waiting = budget.acquireAsync(1, Duration.ofSeconds(11));
        clock.advance(10 * SECOND + 10 * MILLI - 1);
        assertThat(waiting).isNotDone();
        assertThat(budget.tryAcquire(1).granted()).isFalse();
        clock.advance(1);
        assertThat(waiting).isDone();
        assertThat(waiting.join().granted()).isTrue();
        assertThat(budget.tryAcquire(1).granted()).isFalse();
        // The blocking form waits on the same machinery: a short wait gives up at once with the exact retry time.
        Permit tooShort = budget.acquire(1, Duration.ofMillis(9));
        assertThat(tooShort.granted()).isFalse();
        assertThat(tooShort.retryAfterNanos()).isEqualTo(10 * MILLI);
    }

    @Test
    void settleIsOnceBeforeOrAfterCloseAndCloseAloneKeepsTheEstimate() {
        LlmBudget budget = gpt().build();
        Permit kept = budget.tryAcquire(600);
        kept.close();
        assertThat(budget.availableTokens()).isEqualTo(5_400);
        Permit late = budget.tryAcquire(600);
        late.close();
        late.settle(100); // usage reported after the call ended still counts: 500 come back
        assertThat(budget.availableTokens()).isEqualTo(5_300);
        assertThatThrownBy(() -> late.settle(50)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already settled");
        assertThat(budget.availableTokens()).isEqualTo(5_300);
        Permit negative = budget.tryAcquire(100);
        assertThatThrownBy(() -> negative.settle(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("actualPermits = -1 is out of range; allowed range is [0, " + Long.MAX_VALUE + "]");
        negative.settle(100);
        Permit refused = budget.tryAcquire(6_000);
        assertThat(refused.granted()).isFalse();
        refused.settle(0); // a refusal holds nothing: settling it changes nothing
        refused.close();
        assertThat(budget.availableTokens()).isEqualTo(5_200);
        assertThat(budget.availableRequests()).isEqualTo(57);
    }

    @Test
    void estimatesBeyondTheTokenLimitAreRefusedByName() {
        LlmBudget budget = gpt().tierTokensPerMinute("free", 600).build();
        assertThatThrownBy(() -> budget.tryAcquire(6_001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("estimatedTokens = 6001 is out of range; allowed range is [1, 6000]");
        assertThatThrownBy(() -> budget.acquire(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("estimatedTokens = 0");
        assertThatThrownBy(() -> budget.tier("free").tryAcquire(601)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("estimatedTokens = 601 is out of range; allowed range is [1, 600]");
        assertThatThrownBy(() -> budget.acquireAsync(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> budget.tier("gold")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tier = gold");
        assertThat(budget.availableTokens()).isEqualTo(6_000);
        assertThat(budget.availableRequests()).isEqualTo(60);
    }

    @Test
    void badSpecsAreRefusedByName() {
        assertThatThrownBy(() -> gpt().reserveTokensPerMinute("a", 3_000).reserveTokensPerMinute("b", 3_000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reservedTokensPerMinute (sum over tiers) = 6000 is out of range; allowed range is "
                        + "[0, 5999]");
        assertThatThrownBy(() -> gpt().tierTokensPerMinute("a", 6_001).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a.tokensPerMinute = 6001");
        assertThatThrownBy(() -> gpt().tierTokensPerMinute("a", 1).reserveTokensPerMinute("a", 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tier a is defined twice");
        assertThatThrownBy(() -> LlmBudget.builder("x").tokensPerMinute(10).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestsPerMinute");
        assertThatThrownBy(() -> LlmBudget.builder("x").tokensPerMinute(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokensPerMinute = 0");
        assertThatThrownBy(() -> LlmBudget.builder("x").maxConcurrent(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrent = 0");
        assertThatThrownBy(() -> LlmBudget.keyed("x", new LlmBudget.Spec(1, 1, 3, List.of()), engine))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrent = 3");
        assertThat(gpt().build().spec().restNanos()).isEqualTo(60 * SECOND);
    }

    @Test
    void aConcurrencyRefusalGivesTheRequestAndTokensBackAndAWaiterGetsTheFreedSlot() {
        LlmBudget budget = gpt().maxConcurrent(1).build();
        Permit holding = budget.tryAcquire(100);
        Permit refused = budget.tryAcquire(100);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("gpt/concurrency");
        assertThat(budget.availableRequests()).isEqualTo(59);
        assertThat(budget.availableTokens()).isEqualTo(5_900);
        CompletableFuture<Permit> waiting = budget.acquireAsync(200, Duration.ofSeconds(5));
        assertThat(waiting).isNotDone();
        assertThat(clock.pendingTasks()).as("queued on the bulkhead (its timeout), not polling it").isEqualTo(1);
        assertThat(budget.availableRequests()).as("a waiter holds no request while it waits for a slot")
                .isEqualTo(59);
        holding.settle(50);
        holding.close();
        assertThat(waiting).isDone();
        Permit granted = waiting.join();
        assertThat(granted.granted()).isTrue();
        assertThat(budget.availableRequests()).isEqualTo(58);
        assertThat(budget.availableTokens()).isEqualTo(5_750);
        granted.dropped();
        assertThat(budget.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void cancellingAWaitTakesNothing() {
        LlmBudget budget = gpt().build();
        budget.tryAcquire(6_000);
        CompletableFuture<Permit> waiting = budget.acquireAsync(500, Duration.ofSeconds(30));
        assertThat(clock.pendingTasks()).isEqualTo(1);
        waiting.cancel(false);
        assertThat(clock.pendingTasks()).isZero();
        assertThat(budget.availableRequests()).isEqualTo(59);
        clock.advance(5 * SECOND);
        assertThat(budget.availableTokens()).isEqualTo(500);
    }

    @Test
    void aReservedShareIsLeftToItsTierWhoMayAlsoUseTheRest() {
        LlmBudget budget = gpt().reserveTokensPerMinute("premium", 2_000).build();
        assertThatThrownBy(() -> budget.tryAcquire(4_001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("allowed range is [1, 4000]");
        assertThat(budget.tryAcquire(4_000).granted()).isTrue();
        Permit standard = budget.tryAcquire(1);
        assertThat(standard.granted()).isFalse();
        assertThat(standard.limiterName()).isEqualTo("gpt/tpm-unreserved");
        Limiter premium = budget.tier("premium");
        Permit reserved = premium.tryAcquire(2_000);
        assertThat(reserved.granted()).isTrue();
        assertThat(reserved.limiterName()).isEqualTo("gpt[premium]");
        assertThat(premium.tryAcquire(1).limiterName()).isEqualTo("gpt/tpm");
        LlmBudget idle = gpt().reserveTokensPerMinute("premium", 2_000).build();
        assertThat(idle.tier("premium").tryAcquire(6_000).granted()).as("premium borrows what others leave")
                .isTrue();
    }

    @Test
    void aTierWithItsOwnLimitCountsOnItAndOnTheBudget() {
        LlmBudget budget = gpt().tierTokensPerMinute("free", 600).build();
        Limiter free = budget.tier("free");
        assertThat(free.tryAcquire(600).granted()).isTrue();
        Permit refused = free.tryAcquire(10);
        assertThat(refused.limiterName()).isEqualTo("gpt[free]/tpm");
        assertThat(refused.retryAfterNanos()).isEqualTo(SECOND);
        assertThat(budget.availableTokens()).isEqualTo(5_400);
        assertThat(budget.tryAcquire(5_400).granted()).isTrue();
        assertThat(budget.availableRequests()).isEqualTo(58);
    }

    @Test
    void keyedBudgetsAreIndependentPerKey() {
        KeyedLimiter<String> perModel = LlmBudget.keyed("llm", LlmBudget.Spec.of(60, 6_000), engine);
        Permit big = perModel.tryAcquire("gpt-4o", 6_000);
        assertThat(big.granted()).isTrue();
        assertThat(perModel.tryAcquire("gpt-4o", 1).limiterName()).isEqualTo("llm/tpm");
        assertThat(perModel.tryAcquire("claude", 6_000).granted()).isTrue();
        big.settle(5_000);
        assertThat(perModel.tryAcquire("gpt-4o", 1_000).granted()).isTrue();
        assertThat(perModel.tryAcquire("gpt-4o", 1).granted()).isFalse();
    }

    /**
     * Eight threads in one-second phases, random estimates in [1, 100] each settled right away at a random actual in
     * [0, 2·estimate], against 60,000 tokens per minute (one token per millisecond) and a request limit that never
     * binds. In any 60 consecutive phases (grants at s, s+1 s, ..., s+59 s) the bucket admits at most its capacity
     * plus the refill between the first and the last grant, C + 59 s / 1 ms = 60,000 + 59,000 tokens of estimates and
     * of settlements applied before the last grant; after it, at most one permit per thread is still unsettled, each
     * over its estimate by at most 100: 800. So every window settles at most 119,800 tokens.
     */
    @Test
    void eightThreadsNeverSettleMoreThanTheTokenRulesAllow() throws Exception {
        LlmBudget budget = LlmBudget.builder("hammer").engine(engine).requestsPerMinute(10_000_000)
                .tokensPerMinute(60_000).build();
        int phases = 150;
        AtomicLongArray settled = new AtomicLongArray(phases);
        AtomicLongArray grants = new AtomicLongArray(phases);
        hammer(8, phases, (random, phase) -> {
            for (int i = 0; i < 100; i++) {
                long estimate = 1 + random.nextInt(100);
                Permit permit = budget.tryAcquire(estimate);
                if (permit.granted()) {
                    long actual = random.nextLong(2 * estimate + 1);
                    permit.settle(actual);
                    permit.close();
                    settled.addAndGet(phase, actual);
                    grants.incrementAndGet(phase);
                }
            }
        });
        long bound = 60_000 + 59_000 + 8 * 100;
        long busiest = 0;
        for (int start = 0; start + 60 <= phases; start++) {
            long window = 0;
            for (int p = start; p < start + 60; p++) {
                window += settled.get(p);
            }
            assertThat(window).as("tokens settled in phases %d..%d", start, start + 59).isLessThanOrEqualTo(bound);
            busiest = Math.max(busiest, window);
        }
        // The bucket is saturated: the first minute comes close to the bound, and the rate holds after it.
        assertThat(busiest).isGreaterThan(bound - 3_000);
        long total = 0;
        for (int p = 60; p < phases; p++) {
            total += settled.get(p);
        }
        assertThat(total).isBetween((phases - 60) * 1_000L - 10_000, (phases - 60) * 1_000L + 10_000);
    }

    /**
     * The same hammer with a binding request limit of 600 per minute (one per 100 ms) and a token limit that never
     * binds: exactly 600 requests in the first phase (the full bucket), then exactly 10 per one-second phase.
     */
    @Test
    void eightThreadsGetExactlyTheRequestsPerMinute() throws Exception {
        LlmBudget budget = LlmBudget.builder("hammer").engine(engine).requestsPerMinute(600)
                .tokensPerMinute(60_000_000).build();
        int phases = 30;
        AtomicLongArray grants = new AtomicLongArray(phases);
        hammer(8, phases, (random, phase) -> {
            for (int i = 0; i < 150; i++) {
                long estimate = 1 + random.nextInt(100);
                Permit permit = budget.tryAcquire(estimate);
                if (permit.granted()) {
                    permit.settle(random.nextLong(2 * estimate + 1));
                    grants.incrementAndGet(phase);
                }
            }
        });
        assertThat(grants.get(0)).isEqualTo(600);
        for (int p = 1; p < phases; p++) {
            assertThat(grants.get(p)).as("phase %d", p).isEqualTo(10);
        }
    }

    @FunctionalInterface
    private interface PhaseWork {
        void run(SplittableRandom random, int phase);
    }

    /** Threads work a phase, meet at a barrier that moves the clock one second, and go on; nothing sleeps. */
    private void hammer(int threads, int phases, PhaseWork work) throws InterruptedException {
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CyclicBarrier barrier = new CyclicBarrier(threads, () -> clock.advance(SECOND));
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            SplittableRandom random = new SplittableRandom(1_000 + t);
            workers[t] = new Thread(() -> {
                try {
                    for (int phase = 0; phase < phases; phase++) {
                        work.run(random, phase);
                        barrier.await(20, TimeUnit.SECONDS);
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                    barrier.reset();
                }
            }, "budget-hammer-" + t);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(40));
            assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
        }
        assertThat(failures).isEmpty();
    }
}
