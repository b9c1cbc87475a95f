package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.AllOfPermit;
import dev.throttle.kernel.RatePermit;
import dev.throttle.local.LocalEngine;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An all-of composite under a fallback policy while its redis-server is killed: one local limiter per part, asked in
 * order, all or nothing; then back to Redis when the server returns.
 */
@Timeout(60)
class RedisAllOfFallbackTest {

    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);
    private static final FixedWindow WINDOW = FixedWindow.of(3, Duration.ofMinutes(10));
    /** Refills one token per 10 minutes: nothing comes back during a test. */
    private static final TokenBucket BUCKET = TokenBucket.of(5, Rate.of(1, Duration.ofMinutes(10)));

    @Test
    void aLaterPartRefusingRefundsTheEarlierOnesAndNamesItself() {
        withKilledServer(1.0, engine -> {
            RedisAllOfLimiter combo = (RedisAllOfLimiter) engine.limiter("combo", parts("bucket", BUCKET, "window",
                    WINDOW));
            for (int i = 0; i < 3; i++) {
                Permit permit = combo.tryAcquire(1);
                assertThat(permit.granted()).isTrue();
                assertThat(permit.limiterName()).isEqualTo("combo");
                assertThat(permit).as("granted by the parts' fallbacks").isInstanceOf(AllOfPermit.class);
            }
            for (int i = 0; i < 4; i++) {
                Permit refused = combo.tryAcquire(1);
                assertThat(refused.granted()).isFalse();
                assertThat(refused.limiterName()).as("the refusing part").isEqualTo("window");
                assertThat(refused.retryAfterNanos()).isPositive()
                        .isLessThanOrEqualTo(Duration.ofMinutes(10).toNanos());
                assertThat(refused.limit()).isEqualTo(3);
            }
            Limiter bucket = combo.fallbackPart(0).orElseThrow();
            assertThat(bucket.spec()).isEqualTo(BUCKET);
            assertThat(bucket.availablePermits()).as("5 - 3: every refusal's bucket grant was refunded")
                    .isEqualTo(2);
            assertThat(combo.availablePermits()).as("the window part's 0").isZero();
            assertThat(bucket.tryAcquire(2).granted()).isTrue();
            assertThat(bucket.tryAcquire(1).granted()).isFalse();
            assertThat(engine.stats().fallbackDecisions()).isEqualTo(7);
            assertThat(engine.stats().failClosedRefusals()).isZero();
        });
    }

    @Test
    void aFirstPartRefusingSpendsNothingOfTheOthers() {
        withKilledServer(1.0, engine -> {
            RedisAllOfLimiter combo = (RedisAllOfLimiter) engine.limiter("combo", parts("window", WINDOW, "bucket",
                    BUCKET));
            int granted = 0;
            for (int i = 0; i < 10; i++) {
                Permit permit = combo.tryAcquire(1);
                granted += permit.granted() ? 1 : 0;
                assertThat(permit.limiterName()).isEqualTo(i < 3 ? "combo" : "window");
            }
            assertThat(granted).isEqualTo(3);
            assertThat(combo.fallbackPart(1).orElseThrow().availablePermits()).isEqualTo(2);
            assertThat(engine.stats().fallbackDecisions()).isEqualTo(10);
        });
    }

    @Test
    void everyPartIsScaledByTheShare() {
        withKilledServer(0.5, engine -> {
            RedisAllOfLimiter combo = (RedisAllOfLimiter) engine.limiter("combo", parts("bucket", BUCKET, "window",
                    WINDOW));
            assertThat(combo.tryAcquire(1).granted()).isTrue();
            Permit refused = combo.tryAcquire(1);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.limiterName()).isEqualTo("window");
            assertThat(refused.limit()).as("3 / 2, rounded down").isEqualTo(1);
            Limiter bucket = combo.fallbackPart(0).orElseThrow();
            assertThat(bucket.spec()).isEqualTo(TokenBucket.of(2, Rate.of(1, Duration.ofMinutes(20))));
            assertThat(combo.fallbackPart(1).orElseThrow().spec())
                    .isEqualTo(FixedWindow.of(1, Duration.ofMinutes(10)));
            assertThat(bucket.availablePermits()).isEqualTo(1);
            Permit tooMany = combo.tryAcquire(2);
            assertThat(tooMany.granted()).as("above a scaled part's capacity").isFalse();
            assertThat(tooMany.never()).as("Redis's composite could grant it once back").isFalse();
            assertThat(engine.stats().fallbackDecisions()).isEqualTo(3);
        });
    }

    @Test
    void aGrantHoldsEveryPartsPermitAndSettlesAndClosesEach() {
        withKilledServer(1.0, engine -> {
            RedisAllOfLimiter combo = (RedisAllOfLimiter) engine.limiter("combo", parts("bucket", TokenBucket.of(10, Rate.of(1, Duration.ofMinutes(10))), "slots",
                    Concurrency.of(4)));
            Limiter bucket = combo.fallbackPart(0).orElseThrow();
            Limiter slots = combo.fallbackPart(1).orElseThrow();
            Permit permit = combo.tryAcquire(3);
            assertThat(permit.granted()).isTrue();
            assertThat(bucket.availablePermits()).isEqualTo(7);
            assertThat(slots.availablePermits()).isEqualTo(1);
            permit.settle(1);
            assertThat(bucket.availablePermits()).as("2 given back").isEqualTo(9);
            assertThat(slots.availablePermits()).as("the lease shrank to 1").isEqualTo(3);
            permit.close();
            permit.close();
            assertThat(slots.availablePermits()).isEqualTo(4);
            assertThat(bucket.availablePermits()).as("a rate permit is spent").isEqualTo(9);

            // The slots part refuses: the bucket's grant is refunded, and the refusal names the slots.
            Permit full = combo.tryAcquire(4);
            assertThat(full.granted()).isTrue();
            Permit refused = combo.tryAcquire(1);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.limiterName()).isEqualTo("slots");
            assertThat(bucket.availablePermits()).as("10 - 1 - 4: the refusal's grant refunded").isEqualTo(5);
            full.dropped();
            assertThat(slots.availablePermits()).isEqualTo(4);
        });
    }

    @Test
    void aConcurrencyPartGrantedBeforeARefusalEndsItsLease() {
        withKilledServer(1.0, engine -> {
            RedisAllOfLimiter combo = (RedisAllOfLimiter) engine.limiter("combo", parts("slots", Concurrency.of(2),
                    "window", FixedWindow.of(1, Duration.ofMinutes(10))));
            Limiter slots = combo.fallbackPart(0).orElseThrow();
            Permit held = combo.tryAcquire(1);
            assertThat(held.granted()).isTrue();
            for (int i = 0; i < 3; i++) {
                Permit refused = combo.tryAcquire(1);
                assertThat(refused.limiterName()).isEqualTo("window");
                assertThat(slots.availablePermits()).as("the refusal's lease ended").isEqualTo(1);
            }
            held.close();
            assertThat(slots.availablePermits()).isEqualTo(2);
        });
    }

    @Test
    void aWaitingAcquisitionRetriesLocallyUntilAPartFrees() throws Exception {
        withKilledServer(1.0, engine -> {
            Limiter combo = engine.limiter("combo", parts("window", FixedWindow.of(10, Duration.ofMinutes(10)),
                    "slots", Concurrency.of(1, 8)));
            Permit held = combo.tryAcquire(1);
            assertThat(held.granted()).isTrue();
            CompletableFuture<Permit> waiting = combo.acquireAsync(1, Duration.ofSeconds(10));
            assertThat(waiting).isNotDone();
            held.close();
            Permit granted = waiting.orTimeout(5, TimeUnit.SECONDS).join();
            assertThat(granted.granted()).isTrue();
            granted.close();
            // A rate part's retry beyond the wait is answered at once.
            for (int i = 0; i < 8; i++) {
                combo.tryAcquire(1).close();
            }
            long start = System.nanoTime();
            Permit refused = combo.acquire(1, Duration.ofSeconds(5));
            assertThat(refused.granted()).isFalse();
            assertThat(refused.limiterName()).isEqualTo("window");
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
        });
    }

    @Test
    void decidesInRedisAgainWhenItComesBack() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = engine(client, redis, 1.0)) {
                Limiter combo = engine.limiter("combo", parts("bucket", BUCKET, "window", WINDOW));
                Answered first = Answered.ask(engine, () -> combo.tryAcquire(1));
                assertThat(first.byRedis()).isTrue();
                assertThat(first.permit()).isInstanceOf(RatePermit.class).matches(Permit::granted);
                redis.kill();
                Permit local = combo.tryAcquire(1);
                assertThat(local.granted()).as("the fallback's own window of 3").isTrue();
                assertThat(local).isInstanceOf(AllOfPermit.class);
                assertThat(engine.stats().fallbackDecisions()).isEqualTo(1);
                redis.restart();
                Polling.until(() -> Answered.byRedis(engine, () -> combo.tryAcquire(1)), RECOVERY_BOUND);
                long fallbacks = engine.stats().fallbackDecisions();
                Answered fromRedis = Answered.ask(engine, () -> combo.tryAcquire(1));
                assertThat(fromRedis.byRedis()).isTrue();
                assertThat(fromRedis.permit()).isInstanceOf(RatePermit.class);
                assertThat(engine.stats().fallbackDecisions()).isEqualTo(fallbacks);
            } finally {
                client.shutdown();
            }
        }
    }

    private static RedisEngine engine(RedisClient client, RedisProcess redis, double share) {
        // The fallbacks' ten-minute windows must not end during a test: the local clock starts now (on the system's,
        // a window boundary falls inside a test about once in a hundred runs and renews the fallback's window).
        long origin = System.nanoTime();
        LocalEngine local = LocalEngine.builder().ticker(() -> System.nanoTime() - origin).build();
        return RedisEngine.builder(client, redis.uri())
                .failurePolicy(FailurePolicy.fallback(local, share))
                .decisionTimeout(Duration.ofMillis(400))
                .breakerOpenDuration(Duration.ofMillis(300))
                .build();
    }

    /** Runs {@code body} on an engine whose server was killed after the engine connected. */
    private static void withKilledServer(double share, Consumer<RedisEngine> body) {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = engine(client, redis, share)) {
                redis.kill();
                body.accept(engine);
            } finally {
                client.shutdown();
            }
        }
    }

    private static AllOf parts(String first, LimitSpec firstSpec, String second, LimitSpec secondSpec) {
        return AllOf.of(AllOf.shared(first, firstSpec), AllOf.shared(second, secondSpec));
    }
}
