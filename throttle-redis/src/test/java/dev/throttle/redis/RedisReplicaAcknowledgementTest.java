package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.Rate;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisEngine.Builder#replicaAcknowledgement(int, Duration)} against a real master and a real replica of it
 * ({@code --replicaof}), each a process of this class's own: every script call is followed by a WAIT (and none when
 * the option is off); while the replica is stopped (SIGSTOP) decisions are answered by the failure policy once the
 * WAIT's timeout passes, and by Redis again once it runs (SIGCONT); the writes of those calls stay on the master, so
 * the limit is only ever under-admitted; bad arguments and unsupported deployments are refused.
 */
class RedisReplicaAcknowledgementTest {

    private static final Duration ACK_TIMEOUT = Duration.ofMillis(100);
    /** Longer than the WAIT's timeout, so the WAIT's reply, not the decision timeout, ends a decision. */
    private static final Duration DECISION_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration BOUND = Duration.ofSeconds(20);

    private static RedisProcess master;
    private static RedisProcess replica;
    private static RedisClient client;

    @BeforeAll
    static void start() {
        master = RedisProcess.start();
        replica = RedisProcess.replicaOf(master);
        client = RedisClient.create();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (replica != null) {
            replica.close();
        }
        if (master != null) {
            master.close();
        }
    }

    private static RedisEngine waiting(String prefix) {
        return waiting(prefix, ACK_TIMEOUT);
    }

    /** An engine waiting up to {@code ackTimeout} for the replica; a long one for tests that count, not time. */
    private static RedisEngine waiting(String prefix, Duration ackTimeout) {
        return RedisEngine.builder(client, master.uri()).keyPrefix(prefix).refusalCache(false)
                .decisionTimeout(DECISION_TIMEOUT).commandTimeout(DECISION_TIMEOUT)
                .replicaAcknowledgement(1, ackTimeout).build();
    }

    @Test
    void withTheOptionOffNoWaitIsSent() {
        try (RedisEngine engine = RedisEngine.builder(client, master.uri())
                .keyPrefix(RedisServer.uniquePrefix("ack-off")).refusalCache(false).decisionTimeout(DECISION_TIMEOUT)
                .build()) {
            RateLimiter limiter = engine.rateLimiter("off", FixedWindow.of(1_000, RedisServer.DECADE));
            long waits = master.calls("wait");
            long scripts = master.calls("evalsha");
            for (int i = 0; i < 50; i++) {
                assertThat(limiter.tryAcquire(1).granted()).isTrue();
            }
            assertThat(master.calls("evalsha") - scripts).isEqualTo(50);
            assertThat(master.calls("wait") - waits).as("WAITs sent with the option off").isZero();
        }
    }

    @Test
    void everyScriptCallIsFollowedByAWaitDecisionsSettlementsLeasesAndCoalescedBatchesAlike() {
        // Acknowledgements counted, not timed: a loaded machine must not turn a slow one into a refusal here.
        try (RedisEngine engine = waiting(RedisServer.uniquePrefix("ack-every"), DECISION_TIMEOUT)) {
            RateLimiter rate = engine.rateLimiter("rate", TokenBucket.of(100_000, Rate.perSecond(1)));
            Limiter concurrency = engine.limiter("leases", Concurrency.of(10));
            long waits = master.calls("wait");
            long scripts = master.calls("evalsha") + master.calls("eval");
            for (int i = 0; i < 20; i++) {
                assertThat(rate.tryAcquire(1).granted()).isTrue();
            }
            Permit estimate = rate.tryAcquire(5);
            assertThat(estimate.granted()).isTrue();
            estimate.settle(2); // a settlement below the grant: one more call
            try (Permit lease = concurrency.tryAcquire(1)) {
                assertThat(lease.granted()).isTrue();
            } // its release: one more call
            List<CompletableFuture<Permit>> burst = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                burst.add(rate.acquireAsync(1, Duration.ZERO));
            }
            for (CompletableFuture<Permit> permit : burst) {
                assertThat(permit.join().granted()).isTrue();
            }
            long scriptCalls = master.calls("evalsha") + master.calls("eval") - scripts;
            long waitCalls = master.calls("wait") - waits;
            assertThat(scriptCalls).as("script calls").isGreaterThanOrEqualTo(24);
            assertThat(waitCalls).as("one WAIT per script call (%d script calls for 524 decisions)", scriptCalls)
                    .isEqualTo(scriptCalls);
            assertThat(engine.stats().unacknowledgedWrites()).isZero();
        }
    }

    @Test
    void aStoppedReplicaTurnsDecisionsOverToThePolicyWithinTheTimeoutAndTheLimitIsOnlyUnderAdmitted() {
        long limit = 40;
        try (RedisEngine engine = waiting(RedisServer.uniquePrefix("ack-stopped"))) {
            RateLimiter limiter = engine.rateLimiter("stopped", FixedWindow.of(limit, RedisServer.DECADE));
            // A loaded machine may delay an acknowledgement past the timeout at any time: such a decision is answered
            // by the policy and counted, and the accounting at the end holds whatever their number.
            long grantedByRedis = 0;
            long policyAnswered = 0;
            while (grantedByRedis < 5) {
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                if (answered.byRedis()) {
                    assertThat(answered.permit().granted()).isTrue();
                    grantedByRedis++;
                } else {
                    policyAnswered++;
                }
            }
            long unacknowledgedBefore = engine.stats().unacknowledgedWrites();
            long refusedBefore = engine.stats().failClosedRefusals();
            long timeoutsBefore = engine.stats().timeouts();

            replica.freeze();
            try {
                long start = System.nanoTime();
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(answered.byRedis()).as("answered by Redis without the replica's acknowledgement").isFalse();
                assertThat(answered.permit().granted()).as("fail closed").isFalse();
                assertThat(tookMillis).as("answered once the WAIT's timeout passed, before the decision timeout")
                        .isGreaterThanOrEqualTo(ACK_TIMEOUT.toMillis() - 10).isLessThan(DECISION_TIMEOUT.toMillis());
                assertThat(engine.stats().unacknowledgedWrites()).isEqualTo(unacknowledgedBefore + 1);
                assertThat(engine.stats().failClosedRefusals()).isEqualTo(refusedBefore + 1);
                assertThat(engine.stats().timeouts()).isEqualTo(timeoutsBefore);
                policyAnswered++;
            } finally {
                replica.resume();
            }

            // Back to Redis once the replica acknowledges again.
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (true) {
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                if (answered.byRedis()) {
                    assertThat(answered.permit().granted()).isTrue();
                    grantedByRedis++;
                    break;
                }
                policyAnswered++;
                assertThat(System.nanoTime()).as("answered by Redis again within " + BOUND).isLessThan(deadline);
                Polling.step("the replica acknowledging again");
            }
            while (true) {
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                if (!answered.byRedis()) {
                    policyAnswered++;
                    assertThat(System.nanoTime()).as("answered by Redis within " + BOUND).isLessThan(deadline);
                    continue;
                }
                if (!answered.permit().granted()) {
                    break;
                }
                grantedByRedis++;
            }
            // Each unacknowledged call was a grant on the master that nobody was given: under-admission, never more.
            long unacknowledged = engine.stats().unacknowledgedWrites();
            assertThat(unacknowledged).isBetween(1L, policyAnswered);
            assertThat(grantedByRedis).as("granted by Redis, %d writes unacknowledged", unacknowledged)
                    .isEqualTo(limit - unacknowledged);
        }
    }

    @Test
    void aConcurrencyLeaseWhoseWriteWasNotAcknowledgedIsReleasedNotHeld() {
        try (RedisEngine engine = RedisEngine.builder(client, master.uri())
                .keyPrefix(RedisServer.uniquePrefix("ack-lease")).decisionTimeout(DECISION_TIMEOUT)
                .commandTimeout(DECISION_TIMEOUT).leaseTtl(Duration.ofMinutes(10))
                .replicaAcknowledgement(1, ACK_TIMEOUT).build()) {
            Limiter limiter = engine.limiter("one", Concurrency.of(1));
            replica.freeze();
            try {
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                assertThat(answered.byRedis()).isFalse();
                assertThat(answered.permit().granted()).isFalse();
            } finally {
                replica.resume();
            }
            // The lease the master granted was released (not held for its ten-minute TTL): Redis grants the one slot.
            Polling.await("the slot granted by Redis", () -> {
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                answered.permit().close();
                return answered.byRedis() && answered.permit().granted();
            }, BOUND, "");
        }
    }

    @Test
    void badArgumentsAreRefused() {
        RedisEngine.Builder builder = RedisEngine.builder(client, master.uri());
        assertThatThrownBy(() -> builder.replicaAcknowledgement(0, ACK_TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replicas = 0")
                .hasMessageContaining("[1, 1000]");
        assertThatThrownBy(() -> builder.replicaAcknowledgement(1_001, ACK_TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replicas = 1001");
        assertThatThrownBy(() -> builder.replicaAcknowledgement(-1, ACK_TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replicas");
        assertThatThrownBy(() -> builder.replicaAcknowledgement(1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> builder.replicaAcknowledgement(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout = PT0S")
                .hasMessageContaining("allowed range");
        assertThatThrownBy(() -> builder.replicaAcknowledgement(1, Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> builder.replicaAcknowledgement(1, Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");

        // A WAIT longer than the command timeout would outlive every call.
        assertThatThrownBy(() -> RedisEngine.builder(client, master.uri()).commandTimeout(Duration.ofMillis(500))
                .replicaAcknowledgement(1, Duration.ofMillis(501)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("command timeout");
    }

    @Test
    void aClusterIsRefusedAtBuild() {
        RedisClusterClient cluster = RedisClusterClient.create("redis://127.0.0.1:" + master.port());
        try {
            RedisEngine.Builder builder = RedisEngine.builder(cluster).replicaAcknowledgement(1, ACK_TIMEOUT);
            assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not supported on a Redis Cluster");
        } finally {
            cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void aGivenConnectionMustNotResendCommandsAfterAReconnect() {
        try (StatefulRedisConnection<String, String> resending = client.connect(StringCodec.UTF8, master.uri())) {
            assertThatThrownBy(() -> RedisEngine.builder(resending).replicaAcknowledgement(1, ACK_TIMEOUT).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("REJECT_COMMANDS");
        }
        RedisClient rejecting = RedisClient.create();
        rejecting.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        try (StatefulRedisConnection<String, String> connection = rejecting.connect(StringCodec.UTF8, master.uri());
                RedisEngine engine = RedisEngine.builder(connection).keyPrefix(RedisServer.uniquePrefix("ack-given"))
                        .decisionTimeout(DECISION_TIMEOUT).replicaAcknowledgement(1, ACK_TIMEOUT).build()) {
            long waits = master.calls("wait");
            assertThat(engine.rateLimiter("given", FixedWindow.of(5, RedisServer.DECADE)).tryAcquire(1).granted())
                    .isTrue();
            assertThat(master.calls("wait") - waits).isEqualTo(1);
        } finally {
            rejecting.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
