package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A concurrency acquire whose reply is lost must not hold a slot: the server is frozen (SIGSTOP) longer than the
 * command timeout while threads acquire, so their acquires queue in the socket, time out here and are answered by the
 * failure policy; when the server thaws it runs them all. Every slot must be usable again within a second of the thaw,
 * not at the leases' expiry (30 s).
 */
class RedisGhostLeaseTest {

    private static final Concurrency TEN = Concurrency.of(10);

    @Test
    void acquiresQueuedInAFrozenServerHoldNoSlotOnceItThaws() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri()).refusalCache(false).build()) {
                Limiter slots = engine.limiter("ghosts", TEN);
                // A cold first round trip may outlast the decision timeout: wait until Redis answers.
                Polling.until(() -> availableByRedis(engine, slots) == 10, Duration.ofSeconds(10));
                assertThat(availableByRedis(engine, slots)).isEqualTo(10);

                redis.freeze();
                AtomicBoolean frozen = new AtomicBoolean(true);
                List<Thread> threads = new ArrayList<>();
                CountDownLatch started = new CountDownLatch(8);
                for (int t = 0; t < 8; t++) {
                    Thread thread = new Thread(() -> {
                        started.countDown();
                        while (frozen.get()) {
                            try (Permit permit = slots.tryAcquire(1)) {
                                assertThat(permit.granted()).as("fail closed while frozen").isFalse();
                            }
                        }
                    });
                    thread.start();
                    threads.add(thread);
                }
                started.await();
                TimeUnit.MILLISECONDS.sleep(1500); // longer than the command timeout (1 s)
                frozen.set(false);
                for (Thread thread : threads) {
                    thread.join();
                }
                long thawed = System.nanoTime();
                redis.resume();

                Polling.until(() -> availableByRedis(engine, slots) == 10, Duration.ofSeconds(5));
                Duration took = Duration.ofNanos(System.nanoTime() - thawed);
                assertThat(availableByRedis(engine, slots)).isEqualTo(10);
                assertThat(took).as("every slot usable again after the thaw").isLessThan(Duration.ofSeconds(1));
            } finally {
                client.shutdown();
            }
        }
    }

    /**
     * The reply is lost for good: the acquires reach the frozen server, time out here, and then the connection is reset
     * before the server answers. The server still runs them when it thaws; only a release sent after each acquire, on
     * the same connection, frees their slots before the leases expire.
     */
    @Test
    void acquiresWhoseRepliesAreLostInAResetHoldNoSlot() {
        lostReplies("lost", TEN, Keys.key("throttle:", "lost", ":cc"));
    }

    /** The same for a composite with a concurrency part: its leases are released (its rate part stays counted). */
    @Test
    void aCompositesAcquiresWhoseRepliesAreLostHoldNoSlot() {
        lostReplies("lost-composite", AllOf.of(AllOf.shared("rate", FixedWindow.of(1_000, Duration.ofMinutes(10))),
                AllOf.shared("slots", TEN)), Keys.key("throttle:", "lost-composite", "#1:cc"));
    }

    private static void lostReplies(String name, LimitSpec spec, String leases) {
        try (RedisProcess redis = RedisProcess.start(); DroppingProxy proxy = DroppingProxy.to(redis.port())) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, proxy.uri()).refusalCache(false).build()) {
                Limiter slots = engine.limiter(name, spec);
                // A cold first round trip may outlast the decision timeout: wait until Redis answers.
                Polling.until(() -> availableByRedis(engine, slots) == 10, Duration.ofSeconds(10));
                assertThat(availableByRedis(engine, slots)).isEqualTo(10);
                long evalsBefore = redis.calls("evalsha");
                long timeoutsBefore = engine.stats().timeouts();
                // Every command answered so far, even one the proxy has not counted as forwarded yet.
                int forwardedBefore = proxy.seen("EVALSHA");

                redis.freeze();
                for (int i = 0; i < 3; i++) {
                    assertThat(Answered.ask(engine, () -> slots.tryAcquire(2)).permit().granted()).isFalse();
                }
                assertThat(engine.stats().timeouts() - timeoutsBefore).isEqualTo(3);
                // The acquires, and whatever follows them, are in the server's socket before the reset.
                int acquiresAndReleases = 6;
                Polling.until(() -> proxy.forwarded("EVALSHA") >= forwardedBefore + acquiresAndReleases,
                        Duration.ofSeconds(1));
                proxy.dropAll(); // the replies will have nowhere to go
                long thawed = System.nanoTime();
                redis.resume();

                Polling.until(() -> redis.calls("evalsha") - evalsBefore >= 6
                        && "0".equals(redis.command("ZCARD", leases)), Duration.ofSeconds(5));
                Duration took = Duration.ofNanos(System.nanoTime() - thawed);
                assertThat(redis.command("ZCARD", leases)).as("leases held").isEqualTo("0");
                assertThat(redis.calls("evalsha") - evalsBefore).as("3 acquires and 3 releases ran").isEqualTo(6);
                assertThat(took).as("every slot free again after the thaw").isLessThan(Duration.ofSeconds(1));
            } finally {
                client.shutdown();
            }
        }
    }

    /** The slots Redis says are free, or -1 while the policy answers instead. */
    private static long availableByRedis(RedisEngine engine, Limiter slots) {
        long before = engine.stats().failClosedRefusals();
        long available = slots.availablePermits();
        return engine.stats().failClosedRefusals() == before && !engine.breakerOpen() ? available : -1L;
    }
}
