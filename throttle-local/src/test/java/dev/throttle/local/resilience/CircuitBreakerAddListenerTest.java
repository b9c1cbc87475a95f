package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CircuitBreakerAddListenerTest {

    private final ManualClock clock = new ManualClock();

    @Test
    void aListenerAddedAfterBuildSeesLaterEventsBesideTheBuiltOnes() {
        List<CircuitBreaker.Event.Kind> built = new ArrayList<>();
        List<CircuitBreaker.Event.Kind> added = new ArrayList<>();
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(clock).listener(e -> built.add(e.kind())).build();
        breaker.run(() -> { });
        breaker.addListener(e -> added.add(e.kind()));
        breaker.run(() -> { });
        assertThat(built).containsExactly(CircuitBreaker.Event.Kind.SUCCESS, CircuitBreaker.Event.Kind.SUCCESS);
        assertThat(added).containsExactly(CircuitBreaker.Event.Kind.SUCCESS);
        assertThatThrownBy(() -> breaker.addListener(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listener");
    }

    @Test
    void listenersAddedByManyThreadsAtOnceAreAllKept() throws Exception {
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(clock).build();
        AtomicInteger calls = new AtomicInteger();
        int threads = 8;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> adders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                adders.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < perThread; i++) {
                        breaker.addListener(e -> calls.incrementAndGet());
                        breaker.run(() -> { }); // events flow while the array is replaced
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> adder : adders) {
                adder.get(20, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int before = calls.get();
        breaker.run(() -> { });
        assertThat(calls.get() - before).as("one event reaches every listener once").isEqualTo(threads * perThread);
    }
}
