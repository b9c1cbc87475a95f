package dev.throttle.examples;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.Rate;
import dev.throttle.ThrottledException;
import dev.throttle.Ticker;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.resilience.CircuitBreaker;
import dev.throttle.local.resilience.Decorators;
import dev.throttle.local.resilience.Retry;
import dev.throttle.local.resilience.RetryBudget;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Example 1, the quick start: a service call wrapped first with a token bucket alone, then with the full decorator
 * chain (fallback, retry with a budget, circuit breaker, rate limiter, bulkhead, timeout).
 *
 * <p>Run it from the repository root with {@code ./mvnw -B -ntp -pl examples -am compile -Prun
 * -Dexec.mainClass=dev.throttle.examples.QuickStart}. Its steps take a {@link Ticker} and a {@link Retry.Sleeper}, so
 * the test runs them on a manual clock without sleeping.
 */
public final class QuickStart {

    private QuickStart() {
    }

    /**
     * Runs both steps on the system clock and prints what each call got.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        Ticker ticker = Ticker.system();
        out.println("Step 1: a token bucket of 5, refilled at 5 per second, in front of a price service");
        for (String line : bucketOnly(LocalEngine.builder().ticker(ticker).build(), Retry.Sleeper.parking())) {
            out.println("  " + line);
        }
        out.println();
        out.println("Step 2: the full chain around a service that fails every third call, then goes down");
        for (String line : fullChain(LocalEngine.builder().ticker(ticker).build(), Retry.Sleeper.parking())) {
            out.println("  " + line);
        }
    }

    /**
     * Eight calls at once against a bucket of five, a one-second pause, then three more.
     *
     * @param engine the engine whose clock the limiter reads
     * @param sleeper how to pause between the bursts
     * @return one line per call
     */
    static List<String> bucketOnly(LocalEngine engine, Retry.Sleeper sleeper) {
        Limiter prices = engine.limiter("prices", TokenBucket.of(5, Rate.perSecond(5)));
        PriceService service = PriceService.healthy();
        List<String> lines = new ArrayList<>();
        for (int call = 1; call <= 11; call++) {
            if (call == 9) {
                pause(sleeper, Duration.ofSeconds(1));
                lines.add("... one second later ...");
            }
            try {
                lines.add("call " + call + ": " + prices.call(() -> service.price("book")));
            } catch (ThrottledException e) {
                lines.add("call " + call + ": throttled, retry after " + e.retryAfter().toMillis() + " ms");
            } catch (Exception e) {
                lines.add("call " + call + ": failed: " + e);
            }
        }
        return lines;
    }

    /**
     * Twelve calls through the whole chain: the first nine meet a service failing every third call (retries hide the
     * failures); then the service goes down, the breaker opens after enough failures, and the fallback answers
     * without calling it.
     *
     * @param engine the engine whose clock the limiters read
     * @param sleeper how retries wait
     * @return one line per call
     */
    static List<String> fullChain(LocalEngine engine, Retry.Sleeper sleeper) {
        Ticker ticker = engine.ticker();
        PriceService service = PriceService.failingEveryThirdCall();
        Limiter rate = engine.limiter("prices-rate", TokenBucket.of(20, Rate.perSecond(20)));
        Limiter bulkhead = engine.limiter("prices-bulkhead", Concurrency.of(4));
        CircuitBreaker breaker = CircuitBreaker.builder().name("prices").ticker(ticker)
                .config(CircuitBreaker.Config.builder().countWindow(4).minimumNumberOfCalls(4)
                        .failureRateThreshold(0.75).waitDurationInOpenState(Duration.ofSeconds(30)).build())
                .build();
        Retry retry = Retry.builder().name("prices")
                .config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(20)).build())
                .budget(RetryBudget.defaults(ticker)).sleeper(sleeper).build();
        Callable<String> guarded = Decorators.ofCallable(() -> service.price("book"))
                .withFallback(failure -> "cached price 9.99 (" + failure.getClass().getSimpleName() + ")")
                .withRetry(retry).withCircuitBreaker(breaker).withRateLimiter(rate).withBulkhead(bulkhead)
                .withTimeout(Duration.ofSeconds(2)).withTicker(ticker)
                .decorate();
        List<String> lines = new ArrayList<>();
        for (int call = 1; call <= 12; call++) {
            if (call == 10) {
                service.goDown();
                lines.add("... the service goes down ...");
            }
            int before = service.calls();
            String answer;
            try {
                answer = guarded.call();
            } catch (Exception e) {
                answer = "failed: " + e;
            }
            lines.add("call " + call + ": " + answer + "  [service called " + (service.calls() - before)
                    + "x, breaker " + breaker.state() + "]");
        }
        return lines;
    }

    private static void pause(Retry.Sleeper sleeper, Duration duration) {
        try {
            sleeper.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
