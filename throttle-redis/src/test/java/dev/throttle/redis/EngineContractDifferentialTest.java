package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.Engine;
import dev.throttle.KeyedLimiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine contract, checked differentially: one program, written against the {@link Engine} interface alone, runs
 * on the local engine and on the Redis engine (client-time mode), each on a manual clock from the same reading, and
 * every decision the two make must be the same: granted or refused, by which part, the retry time, the remaining
 * permits and the limit. The program drives a keyed all-of composite, as an application would through {@code Engine}:
 * a shared token bucket (a global rate), a sliding window per key (a client's own limit) and a shared concurrency
 * limit (a database's connections), with permits held, settled, dropped and closed at random, and time advancing by
 * small steps and by whole windows. The local engine is the reference: its composite is the kernel's all-or-nothing
 * limiter over a limiter per part, the Redis one a single script call over every part's keys.
 */
class EngineContractDifferentialTest {

    private static final int STEPS = 500;
    /** An odd number of nanoseconds, so no arithmetic is helped by round numbers. */
    private static final long WINDOW = 99_999_989L;
    private static final AllOf CHECKOUT = AllOf.of(
            AllOf.shared("global", TokenBucket.of(12, Rate.perSecond(60))),
            AllOf.perKey("per-client", SlidingWindow.of(4, Duration.ofNanos(WINDOW))),
            AllOf.shared("orders-db", Concurrency.of(6)));
    /** Keys the Redis engine keeps as they are, and keys it hashes (long, braced). */
    private static final List<String> CLIENTS = List.of("alice", "c".repeat(300), "{braced} client");

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1L, 42L, 20_260_101L})
    void aKeyedCompositeOfSharedAndPerKeyPartsDecidesAlikeOnBothEngines(long seed) {
        List<String> local = runLocally(seed);
        List<String> redis = runOnRedis(seed);
        assertThat(redis).hasSameSizeAs(local);
        for (int i = 0; i < local.size(); i++) {
            assertThat(redis.get(i)).as("decision %d on Redis vs the local engine", i).isEqualTo(local.get(i));
        }
        // The program exercises what it compares: grants, and refusals by each part.
        assertThat(local.stream().filter(line -> line.contains(": granted")).count()).isGreaterThan(STEPS / 5);
        for (String part : List.of("global", "per-client", "orders-db")) {
            assertThat(local).as("refusals by %s", part).anyMatch(line -> line.contains("refused by " + part));
        }
    }

    @Test
    void aCompositeOfSharedRatePartsMadeAsARateLimiterDecidesAlikeOnBothEngines() {
        // The bucket binds bursts, the window sustained use.
        AllOf api = AllOf.of(
                AllOf.shared("burst", TokenBucket.of(2, Rate.perSecond(100))),
                AllOf.shared("window", SlidingWindow.of(5, Duration.ofNanos(WINDOW))));
        ManualClock localClock = new ManualClock(SideBySide.START);
        List<String> local = rateProgram(LocalEngine.builder().ticker(localClock).scheduler(localClock).build(),
                localClock, api);
        ManualClock redisClock = new ManualClock(SideBySide.START);
        List<String> redis;
        try (RedisEngine engine = redisEngine(redisClock)) {
            redis = rateProgram(engine, redisClock, api);
        }
        assertThat(redis).isEqualTo(local);
        assertThat(local).anyMatch(line -> line.contains("refused by burst"))
                .anyMatch(line -> line.contains("refused by window"));
    }

    private static List<String> runLocally(long seed) {
        ManualClock clock = new ManualClock(SideBySide.START);
        return program(LocalEngine.builder().ticker(clock).scheduler(clock).build(), clock, seed);
    }

    private static List<String> runOnRedis(long seed) {
        ManualClock clock = new ManualClock(SideBySide.START);
        try (RedisEngine engine = redisEngine(clock)) {
            return program(engine, clock, seed);
        }
    }

    /**
     * A client-time engine on the manual clock, with a fresh key prefix. Keys live at least five minutes of real time
     * and leases an hour of the manual clock: the local engine expires neither, and the program spans seconds.
     */
    private static RedisEngine redisEngine(ManualClock clock) {
        return RedisEngine.builder(RedisServer.get().connection())
                .keyPrefix(RedisServer.uniquePrefix("engine-contract"))
                .ticker(clock)
                .scheduler(clock)
                .minExpiry(Duration.ofMinutes(5))
                .leaseTtl(Duration.ofHours(1))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT)
                .build();
    }

    /**
     * The program: every step advances the clock, asks for 1 to 3 permits for a random client, holds what was
     * granted, and ends held permits at random (some settled to fewer permits first, some dropped); now and then it
     * reads a client's available permits. Its random choices depend only on the seed and on the decisions, so two
     * engines that decide alike run it alike.
     *
     * @return one line per decision and reading
     */
    private static List<String> program(Engine engine, ManualClock clock, long seed) {
        KeyedLimiter<String> checkout = engine.keyed("checkout", CHECKOUT);
        SplittableRandom random = new SplittableRandom(seed);
        List<Permit> held = new ArrayList<>();
        List<String> decisions = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            clock.advance(advance(random));
            String client = CLIENTS.get(random.nextInt(CLIENTS.size()));
            long permits = 1 + random.nextLong(3);
            Permit permit = checkout.tryAcquire(client, permits);
            decisions.add(step + ", client " + client.length() + " asks " + permits + ": " + outcome(permit));
            if (permit.granted()) {
                held.add(permit);
            }
            while (!held.isEmpty() && random.nextInt(5) < 2) {
                Permit done = held.remove(random.nextInt(held.size()));
                int how = random.nextInt(6);
                if (how == 0) {
                    done.settle(random.nextLong(done.permits() + 1)); // fewer used than estimated
                }
                if (how == 1) {
                    done.dropped();
                } else {
                    done.close();
                }
            }
            if (step % 10 == 0) {
                // Right after its decision, so the local engine holds the key's state.
                decisions.add(step + ", client " + client.length() + " has "
                        + checkout.forKey(client).availablePermits() + " available");
            }
        }
        held.forEach(Permit::close);
        return decisions;
    }

    /** A rate composite made with {@link Engine#rateLimiter}: decisions by {@code allow} and {@code tryAcquire}. */
    private static List<String> rateProgram(Engine engine, ManualClock clock, AllOf spec) {
        RateLimiter limiter = engine.rateLimiter("api", spec);
        SplittableRandom random = new SplittableRandom(7L);
        List<String> decisions = new ArrayList<>();
        for (int step = 0; step < 200; step++) {
            clock.advance(advance(random));
            long permits = 1 + random.nextLong(2);
            if (step % 3 == 0) {
                decisions.add(step + " allow " + permits + ": " + limiter.allow(permits));
            } else {
                Permit permit = limiter.tryAcquire(permits);
                decisions.add(step + " asks " + permits + ": " + outcome(permit));
                if (permit.granted() && random.nextInt(4) == 0) {
                    permit.settle(random.nextLong(2 * permits + 1)); // fewer or more than estimated
                }
            }
        }
        return decisions;
    }

    /**
     * What a caller sees of a decision. A grant's name is left out: the local composite's grants carry the keyed
     * limiter's name, the Redis one's the key's limiter's ({@code name + ":" + key}); a refusal names the part on both.
     */
    private static String outcome(Permit permit) {
        return (permit.granted() ? "granted " : "refused by " + permit.limiterName() + ", retry "
                + permit.retryAfterNanos() + ", ") + "remaining " + permit.remaining() + "/" + permit.limit();
    }

    /** Mostly small steps (within a window), some up to a window, a few of one or two windows. */
    private static long advance(SplittableRandom random) {
        int kind = random.nextInt(20);
        if (kind < 14) {
            return random.nextLong(WINDOW / 50 + 1);
        }
        if (kind < 19) {
            return random.nextLong(WINDOW + 1);
        }
        return WINDOW * (1 + random.nextInt(2)) + random.nextLong(3) - 1;
    }
}
