package dev.throttle.testing;

import static dev.throttle.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.local.LocalEngine;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The queueing scenarios every server adapter (servlet, Netty, WebFlux) must pass, through its real server and real
 * clients: 200 requests waiting at once and answered one per permit in order, and clients that go away mid-wait
 * losing no permit. Each server answers {@code 200 "ok <query>"}, and {@code /slow} only once the test opens its gate.
 */
public final class QueueScenarios {

    /** Requests waiting at once in the first scenario. */
    public static final int WAITING = 200;

    private QueueScenarios() {
    }

    /** A server under test, as the scenarios drive it. */
    public interface Server {
        /**
         * Sends {@code GET pathAndQuery}.
         *
         * @param pathAndQuery for example {@code /q?7}
         * @return the response to come
         */
        CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery);

        /**
         * The port it listens on, for raw-socket clients.
         *
         * @return the port
         */
        int port();
    }

    /**
     * The limit of the first scenario: one permit now, then one every {@link PermitOrder#INTERVAL}, up to
     * {@value #WAITING} requests waiting up to 5 s.
     *
     * @param engine the engine, on the test's manual clock
     * @return the limit, for the server's policy
     */
    public static HttpLimit ordersLimit(LocalEngine engine) {
        Limiter bucket = engine.limiter("orders", TokenBucket.of(1, Rate.of(1, PermitOrder.INTERVAL)));
        return HttpLimit.shared(bucket).queueing(Duration.ofSeconds(5), WAITING);
    }

    /**
     * {@value #WAITING} requests wait at once (each in the queue and on the clock before the next is sent), hold no
     * thread, a queue-full request is refused at once meanwhile, and each is answered only when its permit comes, in
     * order.
     *
     * @param server the server, its policy holding {@link #ordersLimit}'s limit
     * @param limit that limit
     * @param clock the engine's clock
     * @param whileTheyWait more checks of the server's own, run while all wait
     * @throws Exception if a response does not come
     */
    public static void twoHundredWaitAndAreAnsweredInPermitOrder(Server server, HttpLimit limit, ManualClock clock,
            Runnable whileTheyWait) throws Exception {
        assertThat(server.getAsync("/first?first").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < WAITING; i++) {
            waiting.add(server.getAsync("/q?" + i));
            int queued = i + 1;
            // In the queue and on the clock: the limiter schedules the wait just after the request takes its place,
            // and moving the clock in between would move it past a reservation not yet made.
            assertThat(eventually(() -> limit.queued() == queued && clock.pendingTasks() == queued))
                    .as("request %d waits", i).isTrue();
        }
        assertThat(limit.queued()).isEqualTo(WAITING);
        assertThat(ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore)
                .as("threads started while %d requests wait", WAITING).isLessThan(WAITING / 4);
        whileTheyWait.run();
        // The queue is full: the next request is refused at once, told when a permit not promised to a waiting request
        // comes: after the 200 reserved ones, at 2.01 s, so 3 s rounded up.
        HttpResponse<String> full = server.getAsync("/q?full").get(10, TimeUnit.SECONDS);
        assertThat(full.statusCode()).isEqualTo(429);
        assertThat(full.headers().allValues("Retry-After")).containsExactly("3");
        assertThat(waiting).noneMatch(CompletableFuture::isDone);

        PermitOrder.answeredOneByOneInOrder(waiting, clock);
        assertThat(limit.queued()).isZero();
    }

    /**
     * The bulkhead of the second scenario: one permit, a queue of 100; its limit waits up to 30 s.
     *
     * @param engine the engine
     * @return the bulkhead
     */
    public static Limiter bulkhead(LocalEngine engine) {
        return engine.limiter("bulkhead", Concurrency.of(1, 100));
    }

    /**
     * A slow request holds the bulkhead's one permit; 20 raw clients wait behind it; 10 of them close their
     * connections; when the slow one ends, the other 10 are served in turn and the bulkhead ends with its permit free
     * and an empty queue.
     *
     * @param server the server, its policy holding {@code limit}
     * @param bulkhead {@link #bulkhead}'s limiter
     * @param limit its queueing limit
     * @param openGate answers the slow request
     * @param withdrawnAtOnce whether the server tells a closed connection at once (the queue drops to 10); a servlet
     *     container need not
     * @throws Exception if a response does not come
     */
    public static void goneClientsLoseNoPermit(Server server, Limiter bulkhead, HttpLimit limit, Runnable openGate,
            boolean withdrawnAtOnce) throws Exception {
        CompletableFuture<HttpResponse<String>> slow = server.getAsync("/slow?slow");
        assertThat(eventually(() -> bulkhead.availablePermits() == 0)).isTrue();
        List<RawHttpClient> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            clients.add(RawHttpClient.get(server.port(), "/fast?" + i));
            int queued = i + 1;
            assertThat(eventually(() -> limit.queued() == queued)).isTrue();
        }
        for (int i = 0; i < 20; i += 2) {
            clients.get(i).close();
        }
        if (withdrawnAtOnce) {
            assertThat(eventually(() -> limit.queued() == 10)).as("withdrawn: %s", limit).isTrue();
        }
        openGate.run();
        assertThat(slow.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (int i = 1; i < 20; i += 2) {
            assertThat(clients.get(i).response(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200").endsWith("ok " + i);
        }
        assertThat(eventually(() -> limit.queued() == 0 && bulkhead.availablePermits() == 1))
                .as("every permit back: %s, %s", limit, bulkhead).isTrue();
    }
}
