package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batching across keys (see {@link Coalescer}): concurrent decisions on different limits share one call of the
 * multi-key script, each limit's requests decided exactly as one by one in arrival order at one clock reading. Run
 * against a redis-server of this class's own, which the tests pause (CLIENT PAUSE) to hold a call in flight while
 * others arrive, so batches form deterministically.
 */
class RedisBatchingTest extends CoalescingServer {

    private static final long WINDOW = 99_999_989L;


    /**
     * Keyed limiters of one or several specs, the keys requests are spread over, and the span of time over which a
     * key's state goes from empty to full.
     */
    record Case(String label, List<LimitSpec> specs, int keys, long spanNanos, long maxPermits) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("token bucket", List.of(TokenBucket.of(8, Rate.perSecond(80))), 50, 100_000_000L, 3),
                new Case("token bucket, single permits", List.of(TokenBucket.of(8, Rate.perSecond(80))), 50,
                        100_000_000L, 1),
                new Case("leaky meter", List.of(LeakyBucket.meter(6, Rate.perSecond(60))), 50, 100_000_000L, 3),
                new Case("leaky shaping", List.of(LeakyBucket.shaping(Rate.perSecond(100), Duration.ofMillis(60))),
                        50, 60_000_000L, 3),
                new Case("fixed window", List.of(FixedWindow.of(10, Duration.ofNanos(WINDOW))), 50, WINDOW, 3),
                new Case("sliding window", List.of(SlidingWindow.of(10, Duration.ofNanos(WINDOW))), 50, WINDOW, 3),
                new Case("sliding log", List.of(SlidingLog.of(10, Duration.ofNanos(WINDOW))), 50, WINDOW, 3),
                // Every algorithm in one call: the multi-key script describes each spec once for all its keys.
                new Case("every algorithm", List.of(TokenBucket.of(8, Rate.perSecond(80)),
                        LeakyBucket.meter(6, Rate.perSecond(60)),
                        LeakyBucket.shaping(Rate.perSecond(100), Duration.ofMillis(60)),
                        FixedWindow.of(10, Duration.ofNanos(WINDOW)),
                        SlidingWindow.of(10, Duration.ofNanos(WINDOW)),
                        SlidingLog.of(10, Duration.ofNanos(WINDOW))), 12, 60_000_000L, 3));
    }

    /**
     * The differential test across keys: bursts of up to 400 requests of random permits (a bucket's accepting a wait
     * or not) on random keys of the case's keyed limiters, sent from one thread while the clock stands still, every
     * other burst behind a call held in flight by a paused server (so all but the first share calls, up to 256 each,
     * of many keys), the others as they come. Each request's decision (granted, retry time, remaining, and a window's
     * or log's grant's refill time) must be the local engine's, fed the same requests one by one in the same order at
     * the same time (so each key sees its own requests in their order). Far fewer calls than requests reach the
     * server.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void burstsOverManyKeysAreDecidedPerKeyExactlyAsOneByOne(Case c) throws Exception {
        ManualClock clock = new ManualClock(SideBySide.START);
        LocalEngine local = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        try (RedisEngine redis = clientTimeEngine(clock, "batch-diff")) {
            List<KeyedLimiter<String>> expected = new ArrayList<>();
            List<KeyedLimiter<String>> actual = new ArrayList<>();
            for (int s = 0; s < c.specs().size(); s++) {
                expected.add(local.keyed("many" + s, c.specs().get(s)));
                actual.add(redis.keyed("many" + s, c.specs().get(s)));
            }
            actual.get(0).tryAcquire("warm-up", 1); // the engine's scripts are loaded and its connection is up
            SplittableRandom random = new SplittableRandom(c.label().hashCode());
            long callsBefore = server.calls("evalsha");
            int requests = 0;
            int granted = 0;
            int refused = 0;
            for (int round = 0; round < 12; round++) {
                clock.advance(random.nextLong(c.spanNanos() / 2 + 1));
                boolean held = round % 2 == 0;
                if (held) {
                    server.pause(Duration.ofMillis(150));
                }
                int n = 1 + random.nextInt(400);
                int[] spec = new int[n];
                String[] key = new String[n];
                long[] permits = new long[n];
                List<RedisAcquisition> answers = new ArrayList<>(n);
                List<CompletableFuture<Permit>> wanted = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    spec[i] = random.nextInt(c.specs().size());
                    key[i] = "key-" + random.nextInt(c.keys());
                    LimitSpec limit = c.specs().get(spec[i]);
                    permits[i] = 1 + random.nextLong(Math.min(c.maxPermits(), limit.capacity()));
                    // A bucket's request may accept a wait: Redis reserves it a slot, as the local engine does.
                    long maxWait = reserves(limit) && random.nextBoolean() ? c.spanNanos() / 4 : 0L;
                    RedisRateLimiter limiter = (RedisRateLimiter) actual.get(spec[i]).forKey(key[i]);
                    answers.add(limiter.start(permits[i], maxWait));
                    wanted.add(reserves(limit)
                            ? expected.get(spec[i]).acquireAsync(key[i], permits[i], Duration.ofNanos(maxWait))
                            : null);
                }
                // Every Redis decision is made (at this clock reading) before the clock moves on to end the waits.
                for (RedisAcquisition answer : answers) {
                    answer.firstDecision().get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                }
                // The windows' and logs' decisions, made here one by one before the clock moves: a local grant tells
                // its refill time from its limiter's state as it is when read, so each is read before the next.
                for (int i = 0; i < n; i++) {
                    if (wanted.get(i) == null) {
                        Permit want = expected.get(spec[i]).tryAcquire(key[i], permits[i]);
                        Permit got = answers.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                        compare(round, i, n, key[i], spec[i], permits[i], want, got, true);
                        if (want.granted()) {
                            granted++;
                        } else {
                            refused++;
                        }
                    }
                }
                clock.advance(c.spanNanos());
                for (int i = 0; i < n; i++) {
                    if (wanted.get(i) != null) {
                        Permit want = wanted.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                        Permit got = answers.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                        compare(round, i, n, key[i], spec[i], permits[i], want, got, false);
                        if (want.granted()) {
                            granted++;
                        } else {
                            refused++;
                        }
                    }
                }
                requests += n;
            }
            long calls = server.calls("evalsha") - callsBefore;
            assertThat(granted).as("the bursts exercise grants").isGreaterThan(100);
            assertThat(refused).as("the bursts exercise refusals").isGreaterThan(30);
            assertThat(calls).as("script calls for %d requests", requests).isLessThan(requests / 4);
        }
    }

    /**
     * Requests on keys of their own made before a call is written share it: with the connection's thread held, a lone
     * request and 300 more, each on a key of its own, go out as two calls (256, then the 45 carried over), not 301.
     * Each is decided on its own key (every key's first permit: remaining capacity - permits).
     */
    @Test
    void requestsOnDistinctKeysMadeBeforeTheCallIsWrittenShareCalls() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                        .keyPrefix(RedisServer.uniquePrefix("batch-distinct"))
                        .refusalCache(false)
                        .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            KeyedLimiter<String> keyed = engine.keyed("k", TokenBucket.of(10, Rate.perSecond(1)));
            assertThat(keyed.tryAcquire("first", 1).remaining()).isEqualTo(9L);
            CompletableFuture<Permit> lone;
            List<CompletableFuture<Permit>> later = new ArrayList<>();
            long callsBefore;
            try (ConnectionHold hold = ConnectionHold.on(server, () -> keyed.acquireAsync("hold", 1, Duration.ZERO))) {
                callsBefore = server.calls("evalsha");
                lone = keyed.acquireAsync("lone", 1, Duration.ZERO);
                for (int i = 0; i < 300; i++) {
                    later.add(keyed.acquireAsync("key-" + i, 1 + i % 3, Duration.ZERO));
                }
                assertThat(hold.held()).as("all of it dispatched while the connection was held").isTrue();
            }
            assertThat(lone.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS).remaining()).isEqualTo(9L);
            for (int i = 0; i < later.size(); i++) {
                Permit permit = later.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(permit.granted()).as("request %d", i).isTrue();
                assertThat(permit.remaining()).as("request %d", i).isEqualTo(10L - (1 + i % 3));
            }
            assertThat(server.calls("evalsha") - callsBefore).as("256 + 45").isEqualTo(2L);
        }
    }

    /**
     * Arrival order across the calls a burst over many keys goes out in, with several threads making requests at once:
     * each thread sends 600 requests to a limit only it uses, each followed by one on a random key of a shared keyed
     * limiter (so the calls mix limits, and each thread's requests spread over many pipelined calls, opened by
     * whichever thread finds the lane's call written), none awaited before the end. A thread's requests to its own
     * limit must be decided in the order it made them: its n-th grant leaves exactly limit - n permits. A call written
     * out of order would decide later requests first, and break that order.
     */
    @Test
    void requestsFromManyThreadsKeepTheirOrderAcrossSplitCalls() throws Exception {
        int threads = 4;
        int perThread = 600;
        long limit = 100_000;
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("batch-order"))
                .refusalCache(false)
                .decisionTimeout(Duration.ofSeconds(5)).build()) {
            KeyedLimiter<String> shared = engine.keyed("noise", FixedWindow.of(limit, RedisServer.DECADE));
            List<List<CompletableFuture<Permit>>> own = new ArrayList<>();
            List<Thread> senders = new ArrayList<>();
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            for (int t = 0; t < threads; t++) {
                dev.throttle.RateLimiter mine = engine.rateLimiter("own-" + t,
                        FixedWindow.of(limit, RedisServer.DECADE));
                List<CompletableFuture<Permit>> answers = new ArrayList<>(perThread);
                own.add(answers);
                SplittableRandom random = new SplittableRandom(t);
                senders.add(new Thread(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < perThread; i++) {
                        answers.add(mine.acquireAsync(1, Duration.ZERO));
                        shared.acquireAsync("key-" + random.nextInt(1_000), 1, Duration.ZERO);
                    }
                }));
            }
            long callsBefore = server.calls("evalsha");
            senders.forEach(Thread::start);
            for (Thread sender : senders) {
                sender.join(30_000);
            }
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    Permit permit = own.get(t).get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(permit.granted()).as("thread %d request %d", t, i).isTrue();
                    assertThat(permit.remaining()).as("thread %d request %d", t, i).isEqualTo(limit - 1 - i);
                }
            }
            long calls = server.calls("evalsha") - callsBefore;
            assertThat(calls).as("calls for %d requests", 2 * threads * perThread)
                    .isLessThan(2L * threads * perThread / 2);
        }
    }

    /**
     * Limits of every algorithm, several requests each, behind one call in flight: one multi-key call decides them
     * all, each limit's requests in order (remaining counts down one by one per limit, refusals past the limit).
     */
    @Test
    void oneCallDecidesLimitsOfEveryAlgorithmEachInOrder() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("batch-mixed"))
                .refusalCache(false)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            Duration forever = Duration.ofDays(3650);
            List<dev.throttle.RateLimiter> limiters = List.of(
                    engine.rateLimiter("tb", TokenBucket.of(5, Rate.of(1, Duration.ofHours(1)))),
                    engine.rateLimiter("lm", LeakyBucket.meter(5, Rate.of(1, Duration.ofHours(1)))),
                    engine.rateLimiter("fw", FixedWindow.of(5, forever)),
                    engine.rateLimiter("sw", SlidingWindow.of(5, forever)),
                    engine.rateLimiter("sl", SlidingLog.of(5, Duration.ofHours(1))));
            dev.throttle.RateLimiter warmUp = engine.rateLimiter("warm-up", FixedWindow.of(1_000, forever));
            warmUp.tryAcquire(1);
            List<List<CompletableFuture<Permit>>> answers = new ArrayList<>();
            for (int l = 0; l < limiters.size(); l++) {
                answers.add(new ArrayList<>());
            }
            CompletableFuture<Permit> lone;
            long callsBefore;
            try (ConnectionHold hold = ConnectionHold.on(server, () -> warmUp.acquireAsync(1, Duration.ZERO))) {
                callsBefore = server.calls("evalsha");
                lone = engine.rateLimiter("lone", FixedWindow.of(5, forever)).acquireAsync(1, Duration.ZERO);
                for (int i = 0; i < 7; i++) {
                    for (int l = 0; l < limiters.size(); l++) {
                        answers.get(l).add(limiters.get(l).acquireAsync(1, Duration.ZERO));
                    }
                }
                assertThat(hold.held()).as("all of it dispatched while the connection was held").isTrue();
            }
            assertThat(lone.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS).granted()).isTrue();
            for (int l = 0; l < limiters.size(); l++) {
                for (int i = 0; i < 7; i++) {
                    Permit permit = answers.get(l).get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(permit.granted()).as("%s request %d", limiters.get(l).name(), i).isEqualTo(i < 5);
                    if (i < 5) {
                        assertThat(permit.remaining()).as("%s request %d", limiters.get(l).name(), i)
                                .isEqualTo(4L - i);
                    }
                }
            }
            assertThat(server.calls("evalsha") - callsBefore).as("one call for all 36").isEqualTo(1L);
        }
    }

    /**
     * A server that lost its scripts (SCRIPT FLUSH, as a restart or failover does) answers a multi-key batch NOSCRIPT:
     * the batch is run again by its text, once, and every request gets its own decision.
     */
    @Test
    void aMultiKeyBatchMeetingNoScriptIsRunByItsText() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("batch-noscript"))
                .refusalCache(false)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            KeyedLimiter<String> keyed = engine.keyed("flushed", SlidingLog.of(10, Duration.ofMinutes(10)));
            assertThat(keyed.tryAcquire("first", 1).remaining()).isEqualTo(9L);
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            long evalBefore;
            try (ConnectionHold hold = ConnectionHold.on(server, () -> keyed.acquireAsync("hold", 1, Duration.ZERO))) {
                server.scriptFlush();
                evalBefore = server.calls("eval");
                for (int i = 0; i < 40; i++) {
                    answers.add(keyed.acquireAsync("key-" + i, 1 + i % 2, Duration.ZERO));
                }
                assertThat(hold.held()).as("all of it dispatched while the connection was held").isTrue();
            }
            for (int i = 0; i < answers.size(); i++) {
                Permit permit = answers.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(permit.granted()).as("request %d", i).isTrue();
                assertThat(permit.remaining()).as("request %d", i).isEqualTo(10L - (1 + i % 2));
            }
            assertThat(server.calls("eval") - evalBefore).as("the multi-key batch's, once").isEqualTo(1L);
        }
    }

    /**
     * A server that stops answering (SIGSTOP) while a call is in flight and requests on many keys wait behind it:
     * every waiting request is answered by the failure policy within its decision timeout (failing open), and once the
     * server runs again decisions come from Redis.
     */
    @Test
    void aStalledServerAnswersEveryWaiterOnEveryKeyByThePolicy() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("batch-stall"))
                .refusalCache(false)
                .failurePolicy(FailurePolicy.FAIL_OPEN)
                .decisionTimeout(Duration.ofMillis(200))
                .commandTimeout(Duration.ofSeconds(2)).build()) {
            KeyedLimiter<String> keyed = engine.keyed("stall", FixedWindow.of(1_000, Duration.ofMinutes(10)));
            assertThat(keyed.tryAcquire("first", 1).remaining()).isEqualTo(999L);
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            long start = System.nanoTime();
            server.freeze();
            try {
                for (int i = 0; i < 50; i++) {
                    answers.add(keyed.acquireAsync("key-" + i, 1, Duration.ZERO));
                }
                for (CompletableFuture<Permit> answer : answers) {
                    assertThat(answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS).granted()).isTrue();
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_500));
            } finally {
                server.resume();
            }
            assertThat(engine.stats().failOpenGrants()).isEqualTo(50L);
            Polling.until(() -> keyed.tryAcquire("first", 1).remaining() < 999L, Duration.ofSeconds(10));
            Permit fromRedis = keyed.tryAcquire("first", 1);
            assertThat(fromRedis.granted()).isTrue();
            assertThat(fromRedis.remaining()).as("from Redis, not the policy").isLessThan(999L);
        }
    }

    /**
     * The grouping: on a standalone server every limit shares the stripes; on a Cluster a limit's group is the hash
     * slot of its keys, so limits of different slots never share a call, and all of one limit's keys (one hash tag)
     * lie in its group.
     */
    @Test
    void onAClusterLimitsAreGroupedByHashSlot() {
        String a = Keys.key("p:", "alpha", ":gcra");
        String b = Keys.key("p:", "beta", ":gcra");
        assertThat(io.lettuce.core.cluster.SlotHash.getSlot(a)).isNotEqualTo(
                io.lettuce.core.cluster.SlotHash.getSlot(b));
        assertThat(Coalescer.groupOf(new String[] {a}, true)).isNotEqualTo(Coalescer.groupOf(new String[] {b}, true));
        assertThat(Coalescer.groupOf(new String[] {a}, true))
                .isEqualTo(io.lettuce.core.cluster.SlotHash.getSlot(a))
                .isEqualTo(Coalescer.groupOf(new String[] {Keys.key("p:", "alpha", ":sl:seq")}, true));
        Set<Integer> stripes = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            int group = Coalescer.groupOf(new String[] {Keys.key("p:", "n" + i, ":fw")}, false);
            assertThat(group).isBetween(0, Coalescer.STRIPES - 1);
            stripes.add(group);
        }
        assertThat(stripes).hasSize(Coalescer.STRIPES);
    }

    private static void compare(int round, int i, int n, String key, int spec, long permits, Permit want, Permit got,
            boolean tellsRefill) {
        assertThat(SideBySide.outcome(got))
                .as("round %d, request %d of %d (%s of spec %d, %d permits)", round, i, n, key, spec, permits)
                .isEqualTo(SideBySide.outcome(want));
        if (want.granted() && tellsRefill) {
            assertThat(refill(got)).as("refill time, round %d, request %d", round, i).isEqualTo(refill(want));
        }
    }

    private static boolean reserves(LimitSpec spec) {
        return spec instanceof TokenBucket || spec instanceof LeakyBucket;
    }
}
