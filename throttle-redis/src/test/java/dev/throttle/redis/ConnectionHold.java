package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Holds an engine's connection thread busy, so that calls dispatched meanwhile are not written until {@link #close}:
 * a request is made while the server is paused, and its answer's callback (which runs on the connection's thread,
 * where Lettuce reads replies) blocks. What a test dispatches while held is written in one go after, deterministically,
 * whatever the machine's speed.
 */
final class ConnectionHold implements AutoCloseable {

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile String holder = "";
    /** Set once the connection's thread goes on: after {@link #close}, or when the hold gives up after 10 s. */
    private volatile boolean over;

    private ConnectionHold() {
    }

    /**
     * Holds the connection of {@code request}'s engine, and waits until it is held.
     *
     * @param server the engine's server, paused while the request is made so its answer arrives on the connection's
     *     thread
     * @param request makes one request on the engine
     * @return the hold, to close once the test has dispatched what it wants written together
     * @throws Exception if the hold did not start within 10 s
     */
    static ConnectionHold on(RedisProcess server, Supplier<CompletableFuture<Permit>> request) throws Exception {
        ConnectionHold hold = new ConnectionHold();
        server.pause(Duration.ofMillis(100));
        request.get().whenComplete((permit, failure) -> hold.block());
        assertThat(hold.entered.await(10, TimeUnit.SECONDS)).as("the connection's thread is held").isTrue();
        assertThat(hold.holder).as("the answer ran on the connection's thread").contains("EventLoop");
        return hold;
    }

    private void block() {
        holder = Thread.currentThread().getName();
        entered.countDown();
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            over = true;
        }
    }

    /**
     * Whether the connection's thread is held still. A test asserts it after dispatching what it wants written
     * together: false would mean the hold gave up (10 s) before, and that some of it may have been written alone.
     *
     * @return true until closed, unless the hold gave up
     */
    boolean held() {
        return entered.getCount() == 0 && !over;
    }

    /** Lets the connection's thread go on: it writes what was dispatched meanwhile. */
    @Override
    public void close() {
        release.countDown();
    }
}
