package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The decision timeout must tell a loaded client from a dead server, with the engine's defaults (50 ms, FAIL_CLOSED,
 * a breaker opening after 5 failures): a client whose threads are starved of CPU must still get what the limit allows,
 * and a stopped server must still be detected within 100 ms of a decision's start.
 */
class RedisSlowClientTest {

    /** Busy threads per core: the client had 16 busy threads on 2 cores. */
    private static final int BUSY_PER_CORE = 8;
    private static final int IN_FLIGHT = 32;
    /**
     * The share of a patient engine's grants the default engine gets on the starved client: measured 0.91, 0.94 and
     * 0.95 on a 2-core machine (0.27 before, with 3 breaker openings), so 0.95 is not reached every time; the timeouts
     * left are real silences of 50 ms or more in which the connection's thread did not run. Asserted with a margin
     * for a busier machine: 0.8 still tells the design from the old one by far.
     */
    private static final double SHARE = 0.8;
    private static final Duration LOAD = Duration.ofSeconds(4);

    /**
     * Two engines on one starved client, each keeping 32 decisions in flight on a limiter of its own: one with the
     * defaults, one that waits 10 s for Redis (it never times out, so it gets what the limit allows under this load;
     * a starved client cannot ask for the tokens that overflow the bucket while its threads wait for CPU). The default
     * engine must get at least {@link #SHARE} of what the patient one gets, and its breaker must never open. (Before
     * the deadlines told a slow client from a dead server, it got 522 grants to the patient engine's 1,938: its breaker
     * opened on bursts of timeouts, and its probes timed out too.)
     */
    @Test
    void aClientStarvedOfCpuGetsWhatTheLimitAllows() throws Exception {
        TokenBucket spec = TokenBucket.of(50, Rate.perSecond(500));
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine defaults = RedisEngine.builder(client, redis.uri()).refusalCache(false).build();
                    RedisEngine patient = RedisEngine.builder(client, redis.uri()).refusalCache(false)
                            .decisionTimeout(Duration.ofSeconds(10)).commandTimeout(Duration.ofSeconds(10)).build()) {
                RateLimiter byDefaults = defaults.rateLimiter("starved-defaults", spec);
                RateLimiter byPatient = patient.rateLimiter("starved-patient", spec);
                Polling.until(() -> Answered.byRedis(defaults, () -> byDefaults.tryAcquire(1)), Duration.ofSeconds(10));

                // Busy threads that never block, as many per core as the client had: the client's own load.
                AtomicBoolean running = new AtomicBoolean(true);
                List<Thread> threads = new ArrayList<>();
                int hogs = BUSY_PER_CORE * Runtime.getRuntime().availableProcessors();
                for (int h = 0; h < hogs; h++) {
                    threads.add(start(() -> {
                        long spin = 0;
                        while (running.get()) {
                            spin += Long.numberOfTrailingZeros(spin + 1);
                        }
                        return spin;
                    }));
                }
                // Decisions from one thread per engine keeping 32 in flight: the demand stays far above the limit
                // however starved the threads are, and the connection's thread reads the answers late.
                Pump withDefaults = new Pump(byDefaults);
                Pump withPatience = new Pump(byPatient);
                threads.add(start(() -> withDefaults.run(running)));
                threads.add(start(() -> withPatience.run(running)));
                Thread.sleep(LOAD.toMillis());
                running.set(false);
                for (Thread thread : threads) {
                    thread.join();
                }
                withDefaults.drain();
                withPatience.drain();

                long allowed = spec.capacity() + 500L * LOAD.toSeconds();
                RedisEngine.Stats stats = defaults.stats();
                // The demand reaches the limit, or the test shows nothing: the patient engine gets most of it, and the
                // default engine asks for more than all of it. Most, not nearly all: how much a starved client can
                // ask for is the machine's (patient grants 1,994-2,041 of 2,050 in runs alone, 1,660 once in a full
                // build), and the comparison below is between two engines starved alike.
                assertThat(withPatience.granted.sum()).as("patient grants").isGreaterThanOrEqualTo(allowed * 3 / 4);
                assertThat(stats.decisions()).as("decisions with the defaults").isGreaterThan(allowed);
                assertThat(withDefaults.granted.sum()).as("granted with the defaults (%s) against %d by a patient"
                        + " engine, of at most %d the limit allows in %s, %d busy threads", stats,
                        withPatience.granted.sum(), allowed, LOAD, hogs)
                        .isGreaterThanOrEqualTo((long) (SHARE * withPatience.granted.sum()));
                // Measured 0 in every run; one opening is allowed for a machine that stalls the client a whole second.
                assertThat(stats.breakerOpens()).as("a slow client is not a dead server").isLessThanOrEqualTo(1);
            } finally {
                client.shutdown();
            }
        }
    }

    /** Keeps {@link #IN_FLIGHT} asynchronous decisions in flight on one limiter, counting the grants. */
    private static final class Pump {
        final RateLimiter limiter;
        final Semaphore inFlight = new Semaphore(IN_FLIGHT);
        final LongAdder granted = new LongAdder();

        Pump(RateLimiter limiter) {
            this.limiter = limiter;
        }

        long run(AtomicBoolean running) {
            while (running.get()) {
                inFlight.acquireUninterruptibly();
                limiter.acquireAsync(1, Duration.ZERO).whenComplete((permit, failure) -> {
                    if (failure == null && permit.granted()) {
                        granted.increment();
                    }
                    inFlight.release();
                });
            }
            return 0L;
        }

        /** Waits until every decision sent has been answered. */
        void drain() {
            inFlight.acquireUninterruptibly(IN_FLIGHT);
        }
    }

    @Test
    void aStoppedServerIsDetectedWithinOneHundredMillisecondsOfADecisionsStart() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri()).refusalCache(false)
                    .breakerFailureThreshold(1_000) // every decision asks the stopped server
                    .build()) {
                Limiter limiter = engine.limiter("stopped", FixedWindow.of(1_000_000, Duration.ofMinutes(10)));
                Polling.until(() -> Answered.byRedis(engine, () -> limiter.tryAcquire(1)), Duration.ofSeconds(10));

                redis.freeze();
                try {
                    long[] millis = new long[20];
                    for (int i = 0; i < millis.length; i++) {
                        long start = System.nanoTime();
                        Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                        millis[i] = (System.nanoTime() - start) / 1_000_000L;
                        assertThat(answered.byRedis()).isFalse();
                        assertThat(answered.permit().granted()).as("fail closed").isFalse();
                    }
                    Arrays.sort(millis);
                    // Measured 50 to 56 ms. The median must be within 100 ms; the slowest may be later on a machine
                    // whose timer thread runs late, which the deadlines read as a loaded client and wait on.
                    assertThat(millis[millis.length / 2]).as("median detection, ms; all: %s", Arrays.toString(millis))
                            .isLessThanOrEqualTo(100L);
                    assertThat(millis[millis.length - 1]).as("slowest detection, ms; all: %s", Arrays.toString(millis))
                            .isLessThanOrEqualTo(500L);
                } finally {
                    redis.resume();
                }
            } finally {
                client.shutdown();
            }
        }
    }

    private interface Body {
        long run();
    }

    private static Thread start(Body body) {
        Thread thread = new Thread(body::run);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
