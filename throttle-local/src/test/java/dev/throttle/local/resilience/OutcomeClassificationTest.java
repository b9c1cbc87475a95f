package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * How the breaker counts what a call throws and returns, on every way a call reaches it ({@code call},
 * {@code callAsync}, the decorator chain, the manual API), and a retry on results of a type: ignored failures count
 * neither way, results a typed predicate names count as failures.
 */
class OutcomeClassificationTest {

    /** A service's answer: returned, not thrown, even when it says the service is in trouble. */
    record Response(int status) {
    }

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final List<CircuitBreaker.Event.Kind> events = new CopyOnWriteArrayList<>();

    private CircuitBreaker breaker() {
        return CircuitBreaker.builder().name("svc").ticker(clock).listener(event -> events.add(event.kind()))
                .config(CircuitBreaker.Config.builder().countWindow(2).minimumNumberOfCalls(2)
                        .waitDurationInOpenState(Duration.ofSeconds(30)).permittedCallsInHalfOpenState(1)
                        .ignoreFailure(failure -> failure instanceof CancellationException)
                        .recordResult(Response.class, response -> response.status() >= 500).build())
                .build();
    }

    @Test
    void callCountsReturnedServerErrorsAsFailures() throws Exception {
        CircuitBreaker breaker = breaker();
        assertThat(breaker.call(() -> new Response(503)).status()).isEqualTo(503);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        breaker.call(() -> new Response(500));
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(events).startsWith(CircuitBreaker.Event.Kind.FAILURE, CircuitBreaker.Event.Kind.FAILURE);
    }

    @Test
    void otherResultsAndNullAreSuccesses() throws Exception {
        CircuitBreaker breaker = breaker();
        breaker.call(() -> new Response(200));
        breaker.call(() -> "a string, not a Response");
        breaker.call(() -> null);
        // The window of 2 holds the string and the null: had either counted, 50% would have opened the breaker.
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(CircuitBreaker.State.CLOSED, 2, 0, 0));
        assertThat(events).containsOnly(CircuitBreaker.Event.Kind.SUCCESS);
    }

    @Test
    void ignoredFailuresAreNoCalls() {
        CircuitBreaker breaker = breaker();
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> breaker.call(() -> {
                throw new CancellationException("the caller gave up");
            })).isInstanceOf(CancellationException.class);
        }
        assertThat(breaker.metrics().calls()).isZero();
        assertThat(events).containsOnly(CircuitBreaker.Event.Kind.IGNORED_FAILURE).hasSize(5);
    }

    @Test
    void callAsyncCountsTheCompletedResult() {
        CircuitBreaker breaker = breaker();
        breaker.callAsync(() -> CompletableFuture.completedFuture(new Response(503))).join();
        breaker.callAsync(() -> CompletableFuture.failedFuture(new CancellationException("gave up")));
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        breaker.callAsync(() -> CompletableFuture.completedFuture(new Response(502))).join();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void theDecoratorChainPassesResultsToTheBreaker() throws Exception {
        CircuitBreaker breaker = breaker();
        Callable<Response> guarded = Decorators.ofCallable(() -> new Response(503)).withCircuitBreaker(breaker)
                .withTicker(clock).decorate();
        guarded.call();
        guarded.call();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThatThrownBy(guarded::call).isInstanceOf(CallNotPermittedException.class);
    }

    @Test
    void anIgnoredProbeLetsAnotherProbeThrough() throws Exception {
        CircuitBreaker breaker = breaker();
        breaker.call(() -> new Response(503));
        breaker.call(() -> new Response(503));
        clock.advance(Duration.ofSeconds(30));
        assertThatThrownBy(() -> breaker.call(() -> {
            throw new CancellationException("gave up");
        })).isInstanceOf(CancellationException.class);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        breaker.call(() -> new Response(200));
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void retryOnResultRetriesOnlyResultsOfItsType() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Retry retry = Retry.builder()
                .config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(10))
                        .maxDelay(Duration.ofMillis(10))
                        .retryOnResult(Response.class, response -> response.status() == 503).build())
                .sleeper(clock::advance).scheduler(clock).build();
        Response last = retry.call(() -> new Response(attempts.incrementAndGet() < 3 ? 503 : 200));
        assertThat(last.status()).isEqualTo(200);
        assertThat(attempts).hasValue(3);

        attempts.set(0);
        assertThat(retry.call(() -> {
            attempts.incrementAndGet();
            return "503";
        })).as("a String is not a Response: not retried").isEqualTo("503");
        assertThat(attempts).hasValue(1);
        assertThatThrownBy(() -> Retry.Config.builder().retryOnResult(null, response -> true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> CircuitBreaker.Config.builder().recordResult(Response.class, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recordResult");
        assertThatThrownBy(() -> CircuitBreaker.Config.builder().ignoreFailure(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ignoreFailure");
    }
}
