package dev.throttle.redis;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.kernel.ObservedPermit;
import dev.throttle.kernel.RatePermit;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The base of the coalescing and batching tests: a redis-server of the test class's own (started before its tests,
 * stopped after), which the tests pause, freeze or kill to hold calls in flight or fail them, a client on it, and the
 * engines and readings those tests share.
 */
abstract class CoalescingServer {

    /** How long a test waits for an answer the server owes. */
    static final Duration ANSWER = Duration.ofSeconds(20);

    static RedisProcess server;
    static RedisClient client;

    @BeforeAll
    static void startServer() {
        server = RedisProcess.start();
        client = RedisClient.create();
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.shutdown();
        }
        if (server != null) {
            server.close();
        }
    }

    /** An engine on this server deciding on a manual clock (client-time mode), its keys under a fresh prefix. */
    static RedisEngine clientTimeEngine(ManualClock clock, String what) {
        return RedisEngine.builder(client, server.uri())
                .keyPrefix(RedisServer.uniquePrefix(what))
                .ticker(clock)
                .scheduler(clock)
                .minExpiry(Duration.ofMinutes(5))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    /** The refill time a rate grant tells, through the observation a local keyed limiter wraps its permits in. */
    static OptionalLong refill(Permit permit) {
        while (permit instanceof ObservedPermit observed) {
            permit = observed.delegate();
        }
        return ((RatePermit) permit).refillNanos();
    }
}
