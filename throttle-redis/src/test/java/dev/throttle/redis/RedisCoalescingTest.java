package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coalescing (see {@link Coalescer}): concurrent decisions on one limit share a script call, each decided exactly as
 * one by one in arrival order at one clock reading. Run against a redis-server of this class's own, which the tests
 * pause (CLIENT PAUSE) to hold a call in flight while others arrive, so batches form deterministically, and freeze or
 * kill to fail them.
 */
class RedisCoalescingTest extends CoalescingServer {



    /** A spec, and the span of time over which its state goes from empty to full. */
    record Case(String label, LimitSpec spec, long spanNanos, long maxPermits) {
        /** Whether the algorithm reserves future slots for a request that accepts a wait (the buckets). */
        boolean reserves() {
            return !tellsRefill();
        }

        /** Whether a grant carries a refill time on both engines (the windows' and the log's). */
        boolean tellsRefill() {
            return !(spec instanceof TokenBucket) && !(spec instanceof LeakyBucket);
        }

        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Case> cases() {
        long window = 99_999_989L;
        return Stream.of(
                new Case("token bucket", TokenBucket.of(40, Rate.perSecond(400)), 100_000_000L, 4),
                // Single permits: a batch's requests form long runs alike, which its arguments send as one.
                new Case("token bucket, single permits", TokenBucket.of(40, Rate.perSecond(400)), 100_000_000L, 1),
                new Case("leaky meter", LeakyBucket.meter(30, Rate.perSecond(300)), 100_000_000L, 4),
                new Case("leaky shaping", LeakyBucket.shaping(Rate.perSecond(500), Duration.ofMillis(60)),
                        60_000_000L, 4),
                new Case("fixed window", FixedWindow.of(60, Duration.ofNanos(window)), window, 4),
                new Case("fixed window, single permits", FixedWindow.of(60, Duration.ofNanos(window)), window, 1),
                new Case("sliding window", SlidingWindow.of(60, Duration.ofNanos(window)), window, 4),
                new Case("sliding log", SlidingLog.of(60, Duration.ofNanos(window)), window, 4));
    }

    /**
     * The differential test: bursts of up to 400 requests of random permits (a bucket's accepting a wait or not),
     * sent from one thread (so their arrival order is the order they were made) while the clock stands still, every other burst behind a call held in flight
     * by a paused server (so all but the first share calls, up to 256 each), the others as they come. Each request's
     * decision (granted, retry time, remaining, and a window's or log's grant's refill time) must be the local engine's, fed the same
     * requests one by one in the same order at the same time. Far fewer calls than requests reach the server.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void burstsAreDecidedInArrivalOrderExactlyAsOneByOne(Case c) throws Exception {
        ManualClock clock = new ManualClock(SideBySide.START);
        LocalEngine local = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        try (RedisEngine redis = clientTimeEngine(clock, "coalesce-diff")) {
            RateLimiter expected = local.rateLimiter("burst", c.spec());
            RateLimiter actual = redis.rateLimiter("burst", c.spec());
            actual.tryAcquire(1); // the engine's scripts are loaded and its connection is up
            expected.tryAcquire(1);
            SplittableRandom random = new SplittableRandom(c.label().hashCode());
            long maxPermits = Math.min(c.maxPermits(), c.spec().capacity());
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
                long[] permits = new long[n];
                List<RedisAcquisition> answers = new ArrayList<>(n);
                List<CompletableFuture<Permit>> wanted = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    permits[i] = 1 + random.nextLong(maxPermits);
                    // A bucket's request may accept a wait: Redis reserves it a slot, as the local engine does.
                    long maxWait = c.reserves() && random.nextBoolean() ? c.spanNanos() / 4 : 0L;
                    answers.add(((RedisRateLimiter) actual).start(permits[i], maxWait));
                    if (c.reserves()) {
                        wanted.add(expected.acquireAsync(permits[i], Duration.ofNanos(maxWait)));
                    }
                }
                // Every Redis decision is made (at this clock reading) before the clock moves on to end the waits.
                for (RedisAcquisition answer : answers) {
                    answer.firstDecision().get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                }
                if (c.reserves()) {
                    clock.advance(c.spanNanos()); // a refill time is read from the clock: windows and logs stay put
                }
                for (int i = 0; i < n; i++) {
                    // A window's or log's grant tells its refill time from the limiter's state as it is when
                    // read: the local requests are made one by one here, each read before the next.
                    Permit want = c.reserves() ? wanted.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS)
                            : expected.tryAcquire(permits[i]);
                    Permit got = answers.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(SideBySide.outcome(got))
                            .as("round %d, request %d of %d (%d permits)", round, i, n, permits[i])
                            .isEqualTo(SideBySide.outcome(want));
                    if (want.granted()) {
                        granted++;
                    } else {
                        refused++;
                    }
                    if (want.granted() && c.tellsRefill()) {
                        assertThat(refill(got)).as("refill time, round %d, request %d", round, i)
                                .isEqualTo(refill(want));
                    }
                }
                requests += n;
            }
            long calls = server.calls("evalsha") - callsBefore;
            assertThat(granted).as("the bursts exercise grants").isGreaterThan(10);
            assertThat(refused).as("the bursts exercise refusals").isGreaterThan(100);
            assertThat(calls).as("script calls for %d requests", requests).isLessThan(requests / 4);
        }
    }

    /** A run of requests alike: a bucket, their permits, and the wait they accept (nanoseconds). */
    record Run(String label, LimitSpec spec, long permits, long maxWaitNanos) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Run> runs() {
        TokenBucket bucket = TokenBucket.of(40, Rate.perSecond(400));
        LeakyBucket meter = LeakyBucket.meter(30, Rate.perSecond(300));
        return Stream.of(
                new Run("token bucket, 1 permit, no wait", bucket, 1, 0L),
                new Run("token bucket, 3 permits, no wait", bucket, 3, 0L),
                new Run("token bucket, 1 permit, a wait", bucket, 1, 20_000_000L),
                new Run("leaky meter, 2 permits, no wait", meter, 2, 0L),
                new Run("leaky meter, 1 permit, a wait", meter, 1, 15_000_000L));
    }

    /**
     * Long runs of requests alike in one call (a hot key's burst), from a bucket part full, part drained and empty:
     * the run's immediate grants are worked out together by the script and its refusals stand for one another, and
     * every answer must still be the local engine's, one by one in the same order at the same time.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void longRunsAlikeAreDecidedExactlyAsOneByOne(Run run) throws Exception {
        ManualClock clock = new ManualClock(SideBySide.START);
        LocalEngine local = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        try (RedisEngine redis = clientTimeEngine(clock, "coalesce-runs")) {
            RateLimiter expected = local.rateLimiter("run", run.spec());
            RateLimiter actual = redis.rateLimiter("run", run.spec());
            int granted = 0;
            int refused = 0;
            for (long advance : new long[] {0L, 7_500_000L, 1_000_000L, 40_000_000L, 0L, 300_000_000L}) {
                clock.advance(advance);
                server.pause(Duration.ofMillis(150)); // the run waits in one call behind a call held in flight
                List<RedisAcquisition> answers = new ArrayList<>();
                for (int i = 0; i < 90; i++) {
                    answers.add(((RedisRateLimiter) actual).start(run.permits(), run.maxWaitNanos()));
                }
                List<CompletableFuture<Permit>> wanted = new ArrayList<>();
                for (int i = 0; i < answers.size(); i++) {
                    wanted.add(expected.acquireAsync(run.permits(), Duration.ofNanos(run.maxWaitNanos())));
                }
                for (RedisAcquisition answer : answers) {
                    answer.firstDecision().get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                }
                clock.advance(run.maxWaitNanos()); // the reserved slots come
                for (int i = 0; i < answers.size(); i++) {
                    Permit want = wanted.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                    Permit got = answers.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(SideBySide.outcome(got)).as("after %d ns, request %d", advance, i)
                            .isEqualTo(SideBySide.outcome(want));
                    if (want.granted()) {
                        granted++;
                    } else {
                        refused++;
                    }
                }
            }
            assertThat(granted).as("runs cross from grants").isGreaterThan(20);
            assertThat(refused).as("to refusals").isGreaterThan(200);
        }
    }

    /**
     * A lone request goes out at once: it reaches the server while the server is paused, before any answer. Requests
     * made after it was written do not wait for its answer either: they go out in further calls, pipelined behind it
     * on the same connection, while the server is still paused. Every request is decided in arrival order (remaining
     * counts down one by one).
     */
    @Test
    void aLoneRequestGoesOutAtOnceAndLaterOnesDoNotWaitForItsAnswer() throws Exception {
        try (DroppingProxy proxy = DroppingProxy.to(server.port());
                RedisEngine engine = RedisEngine.builder(client, proxy.uri())
                        .keyPrefix(RedisServer.uniquePrefix("coalesce-lone"))
                        .refusalCache(false)
                        .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            RateLimiter limiter = engine.rateLimiter("hot", FixedWindow.of(1_000_000, RedisServer.DECADE));
            assertThat(limiter.tryAcquire(1).remaining()).isEqualTo(999_999L);
            int sentBefore = proxy.seen("EVALSHA"); // every command answered so far (forwarded may lag its answer)

            server.pause(Duration.ofMillis(500));
            CompletableFuture<Permit> lone = limiter.acquireAsync(1, Duration.ZERO);
            Polling.until(() -> proxy.forwarded("EVALSHA") > sentBefore, Duration.ofSeconds(5));
            assertThat(proxy.forwarded("EVALSHA")).as("the lone request went out").isEqualTo(sentBefore + 1);
            assertThat(lone).as("its answer waits for the paused server").isNotDone();

            List<CompletableFuture<Permit>> later = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                later.add(limiter.acquireAsync(1, Duration.ZERO));
            }
            Polling.until(() -> proxy.forwarded("EVALSHA") > sentBefore + 1, Duration.ofSeconds(5));
            assertThat(lone).as("later requests went out before the lone one's answer").isNotDone();

            assertThat(lone.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS).remaining()).isEqualTo(999_998L);
            for (int i = 0; i < later.size(); i++) {
                Permit permit = later.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(permit.granted()).isTrue();
                assertThat(permit.remaining()).as("request %d", i).isEqualTo(999_997L - i);
            }
        }
    }

    /**
     * Requests made before a call is written join it: with the connection's thread held, a lone request and the 600
     * made after it wait for the write together, then go out as calls of at most 256: the first takes 256, and the
     * rest are carried to the next call, which goes out when the first is answered (256, then 89): three calls for
     * 601 requests, decided in arrival order.
     */
    @Test
    void requestsMadeBeforeTheCallIsWrittenShareIt() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("coalesce-held"))
                .refusalCache(false)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            RateLimiter limiter = engine.rateLimiter("hot", FixedWindow.of(1_000_000, RedisServer.DECADE));
            assertThat(limiter.tryAcquire(1).remaining()).isEqualTo(999_999L);
            List<CompletableFuture<Permit>> requests = new ArrayList<>();
            long callsBefore;
            try (ConnectionHold hold = ConnectionHold.on(server, () -> limiter.acquireAsync(1, Duration.ZERO))) {
                callsBefore = server.calls("evalsha");
                for (int i = 0; i < 601; i++) {
                    requests.add(limiter.acquireAsync(1, Duration.ZERO));
                }
                assertThat(hold.held()).as("all of it dispatched while the connection was held").isTrue();
            }
            for (int i = 0; i < requests.size(); i++) {
                Permit permit = requests.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(permit.granted()).isTrue();
                assertThat(permit.remaining()).as("request %d", i).isEqualTo(999_997L - i);
            }
            assertThat(server.calls("evalsha") - callsBefore).as("256 + 256 + 89").isEqualTo(3L);
        }
    }

    /**
     * The connection drops under a call that carried requests over to successors (700 requests held behind one
     * write: 256 in the call, the rest in calls sent as each is answered or fails): every request is answered, by
     * Redis or by the failure policy (failing closed), none twice: no successor is left unsent when the call before it
     * fails, and no request is in two calls. (In practice the write fails on the dropped connection and the policy
     * answers all 700, successors included.) Then the lane serves decisions from Redis again.
     */
    @Test
    void aDroppedConnectionUnderCarriedOverRequestsLeavesNoneUnanswered() throws Exception {
        try (DroppingProxy proxy = DroppingProxy.to(server.port());
                RedisEngine engine = RedisEngine.builder(client, proxy.uri())
                        .keyPrefix(RedisServer.uniquePrefix("coalesce-dropped"))
                        .refusalCache(false)
                        .decisionTimeout(Duration.ofSeconds(2)).build()) {
            RateLimiter limiter = engine.rateLimiter("hot", FixedWindow.of(1_000_000, RedisServer.DECADE));
            assertThat(limiter.tryAcquire(1).remaining()).isEqualTo(999_999L);
            long refusalsBefore = engine.stats().failClosedRefusals();
            List<CompletableFuture<Permit>> requests = new ArrayList<>();
            try (ConnectionHold hold = ConnectionHold.on(server, () -> limiter.acquireAsync(1, Duration.ZERO))) {
                for (int i = 0; i < 700; i++) {
                    requests.add(limiter.acquireAsync(1, Duration.ZERO));
                }
                proxy.dropAll();
                assertThat(hold.held()).as("all of it dispatched while the connection was held").isTrue();
            }
            Set<Long> remaining = new HashSet<>();
            int granted = 0;
            for (int i = 0; i < requests.size(); i++) {
                Permit permit = requests.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                if (permit.granted()) {
                    granted++;
                    assertThat(remaining.add(permit.remaining())).as("request %d: remaining %d seen twice", i,
                            permit.remaining()).isTrue();
                }
            }
            long refused = requests.size() - granted;
            assertThat(engine.stats().failClosedRefusals() - refusalsBefore).as("refusals by the policy")
                    .isEqualTo(refused);
            // The lane is not stuck: once reconnected, decisions come from Redis again (a remaining count is Redis's).
            Polling.until(() -> limiter.tryAcquire(1).remaining() > 0L, Duration.ofSeconds(10));
        }
    }

    /**
     * Without coalescing, the same requests are a call each: the switch works, and the batches above are its doing.
     */
    @Test
    void withoutCoalescingEveryRequestIsACall() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("coalesce-off"))
                .refusalCache(false)
                .coalescing(false)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            RateLimiter limiter = engine.rateLimiter("hot", TokenBucket.of(1_000, Rate.perSecond(1)));
            limiter.tryAcquire(1);
            long callsBefore = server.calls("evalsha");
            server.pause(Duration.ofMillis(100));
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                answers.add(limiter.acquireAsync(1, Duration.ZERO));
            }
            for (CompletableFuture<Permit> answer : answers) {
                assertThat(answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS).granted()).isTrue();
            }
            assertThat(server.calls("evalsha") - callsBefore).isEqualTo(50L);
        }
    }

    /**
     * Eight threads racing on one key, one permit each: whatever order the lane takes them in, exactly the limit is
     * granted, and the remaining counts of the grants are each value from limit - 1 down to 0 once (no two decisions
     * saw the same state). Keyed limiters (a limiter made per call) share the key's lane.
     */
    @Test
    void racingThreadsGetExactlyTheLimit() throws Exception {
        ManualClock clock = new ManualClock(SideBySide.START);
        try (RedisEngine engine = clientTimeEngine(clock, "coalesce-race")) {
            long limit = 2_000;
            var keyed = engine.keyed("race", FixedWindow.of(limit, Duration.ofMinutes(10)));
            int threads = 8;
            int perThread = 400;
            List<List<CompletableFuture<Permit>>> answers = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> racers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<CompletableFuture<Permit>> mine = new ArrayList<>();
                answers.add(mine);
                Thread racer = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        mine.add(keyed.acquireAsync("k", 1, Duration.ZERO));
                    }
                });
                racers.add(racer);
                racer.start();
            }
            long callsBefore = server.calls("evalsha");
            go.countDown();
            for (Thread racer : racers) {
                racer.join();
            }
            Set<Long> remaining = new HashSet<>();
            int granted = 0;
            for (List<CompletableFuture<Permit>> mine : answers) {
                for (CompletableFuture<Permit> answer : mine) {
                    Permit permit = answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                    if (permit.granted()) {
                        granted++;
                        assertThat(remaining.add(permit.remaining())).as("remaining %d seen twice",
                                permit.remaining()).isTrue();
                    }
                }
            }
            assertThat(granted).isEqualTo((int) limit);
            assertThat(remaining).hasSize((int) limit).allMatch(r -> r >= 0 && r < limit);
            assertThat(server.calls("evalsha") - callsBefore).isLessThan(threads * perThread);
        }
    }

    /**
     * A server that stops answering (SIGSTOP) while a call is in flight and requests wait behind it: every waiting
     * request is answered by the failure policy within its decision timeout (failing open: granted without Redis), and
     * once the server runs again the lane serves decisions from Redis.
     */
    @Test
    void aStalledServerAnswersEveryWaiterByThePolicy() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("coalesce-stall"))
                .refusalCache(false)
                .failurePolicy(FailurePolicy.FAIL_OPEN)
                .decisionTimeout(Duration.ofMillis(200))
                .commandTimeout(Duration.ofSeconds(2)).build()) {
            RateLimiter limiter = engine.rateLimiter("stall", FixedWindow.of(1_000, Duration.ofMinutes(10)));
            assertThat(limiter.tryAcquire(1).remaining()).isEqualTo(999L);
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            long start = System.nanoTime();
            server.freeze();
            try {
                for (int i = 0; i < 50; i++) {
                    answers.add(limiter.acquireAsync(1, Duration.ZERO));
                }
                for (CompletableFuture<Permit> answer : answers) {
                    assertThat(answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS).granted()).isTrue();
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_500));
            } finally {
                server.resume();
            }
            assertThat(engine.stats().failOpenGrants()).isEqualTo(50L);
            // Redis answers again: decisions come from it (a remaining count below 999 is Redis's, not the policy's).
            Polling.until(() -> limiter.tryAcquire(1).remaining() < 999L, Duration.ofSeconds(10));
            Permit fromRedis = limiter.tryAcquire(1);
            assertThat(fromRedis.granted()).isTrue();
            assertThat(fromRedis.remaining()).isLessThan(999L);
        }
    }

    /**
     * The server dies while a call is in flight and requests wait behind it: the call fails, the batch that follows
     * fails too, and every request is answered by the failure policy (failing closed: refused). Restarted, the server
     * decides again.
     */
    @Test
    void aServerKilledDuringABatchFailsEveryWaiterByThePolicy() throws Exception {
        try (RedisProcess own = RedisProcess.start();
                RedisEngine engine = RedisEngine.builder(client, own.uri())
                        .keyPrefix(RedisServer.uniquePrefix("coalesce-kill"))
                        .refusalCache(false)
                        .decisionTimeout(Duration.ofMillis(300))
                        .breakerOpenDuration(Duration.ofMillis(100))
                        .commandTimeout(Duration.ofSeconds(2)).build()) {
            RateLimiter limiter = engine.rateLimiter("kill", TokenBucket.of(1_000, Rate.perSecond(1)));
            assertThat(limiter.tryAcquire(1).granted()).isTrue();
            own.pause(Duration.ofSeconds(2));
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                answers.add(limiter.acquireAsync(1, Duration.ZERO));
            }
            own.kill();
            for (CompletableFuture<Permit> answer : answers) {
                assertThat(answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS).granted()).isFalse();
            }
            assertThat(engine.stats().failClosedRefusals()).isEqualTo(100L);
            own.restart();
            Polling.until(() -> limiter.tryAcquire(1).granted(), Duration.ofSeconds(10));
            assertThat(limiter.tryAcquire(1).granted()).isTrue();
        }
    }

    /**
     * A server that lost its scripts (SCRIPT FLUSH, as a restart or failover does) answers a batch NOSCRIPT: the batch
     * is run again by its text, once, and every request gets its own decision.
     */
    @Test
    void aBatchMeetingNoScriptIsRunByItsText() throws Exception {
        try (RedisEngine engine = RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix("coalesce-noscript"))
                .refusalCache(false)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            RateLimiter limiter = engine.rateLimiter("flushed", SlidingLog.of(1_000, Duration.ofMinutes(10)));
            assertThat(limiter.tryAcquire(1).remaining()).isEqualTo(999L);
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            long evalBefore;
            try (ConnectionHold hold = ConnectionHold.on(server, () -> limiter.acquireAsync(1, Duration.ZERO))) {
                server.scriptFlush();
                evalBefore = server.calls("eval");
                for (int i = 0; i < 40; i++) {
                    answers.add(limiter.acquireAsync(1, Duration.ZERO));
                }
                assertThat(hold.held()).as("all of it dispatched while the connection was held").isTrue();
            }
            for (int i = 0; i < answers.size(); i++) {
                Permit permit = answers.get(i).get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(permit.granted()).isTrue();
                assertThat(permit.remaining()).as("request %d", i).isEqualTo(997L - i);
            }
            assertThat(server.calls("eval") - evalBefore).as("the batch's, once").isEqualTo(1L);
        }
    }
}
