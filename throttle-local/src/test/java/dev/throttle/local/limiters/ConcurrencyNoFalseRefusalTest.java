package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bulkhead whose limit is the number of threads always has room for each of them: however their takes and
 * give-backs interleave, and however often a take loses the word to another thread and steps aside, no take may be
 * refused. Counted exactly, through both ways of holding a slot.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class ConcurrencyNoFalseRefusalTest {

    private static final int THREADS = 8;
    private static final int ROUND_TRIPS = 100_000;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"permit", "enterExit"})
    void everyTakeThatFitsIsGrantedWhileEightThreadsContend(String way) throws Exception {
        ConcurrencyLimiter limiter =
                (ConcurrencyLimiter) LocalEngine.create().limiter("room-for-all", Concurrency.of(THREADS));
        AtomicLong granted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    long mine = 0;
                    long refusedHere = 0;
                    for (int i = 0; i < ROUND_TRIPS; i++) {
                        if (roundTrip(limiter, way)) {
                            mine++;
                        } else {
                            refusedHere++;
                        }
                    }
                    granted.addAndGet(mine);
                    refused.addAndGet(refusedHere);
                } catch (Throwable failure) {
                    synchronized (failures) {
                        failures.add(failure);
                    }
                }
            }, "taker-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }

        assertThat(failures).isEmpty();
        assertThat(refused.get()).as("takes refused while a slot was free for each thread").isZero();
        assertThat(granted.get()).isEqualTo((long) THREADS * ROUND_TRIPS);
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.availablePermits()).isEqualTo(THREADS);
    }

    private static boolean roundTrip(ConcurrencyLimiter limiter, String way) {
        if (way.equals("permit")) {
            try (Permit permit = limiter.tryAcquire()) {
                return permit.granted();
            }
        }
        if (!limiter.tryEnter()) {
            return false;
        }
        limiter.exit();
        return true;
    }
}
