package dev.throttle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.admission.Admission;
import dev.throttle.http.admission.HttpThrottle;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A queueing {@link HttpLimit} and the admission step that waits on it, against real local limiters on a manual clock:
 * the queue's bound, its order, withdrawal, and that a request waiting for one limit gives back the others' permits
 * when it is withdrawn or refused.
 */
class QueueingLimitTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    /** A request with nothing but a method, a path and an address; the key resolvers here read the path. */
    private record Request(String path) implements HttpRequestView {
        @Override
        public String method() {
            return "GET";
        }

        @Override
        public List<String> headers(String name) {
            return List.of();
        }

        @Override
        public String remoteAddress() {
            return "192.0.2.1";
        }

        @Override
        public Optional<String> principal() {
            return Optional.empty();
        }
    }

    private static HttpRequestView request(String path) {
        return new Request(path);
    }

    /** A decision taken at once, without waiting, that refused. */
    private static void assertRefusedAtOnce(CompletableFuture<Optional<Permit>> decision) {
        assertThat(decision).isDone();
        assertThat(decision.join().orElseThrow().granted()).isFalse();
    }

    @Test
    void badQueueSettingsAreRefusedNamingTheParameterAndItsRange() {
        HttpLimit limit = HttpLimit.shared(engine.limiter("l", TokenBucket.of(1, Rate.perSecond(1))));
        assertThatThrownBy(() -> limit.queueing(null, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxWait");
        assertThatThrownBy(() -> limit.queueing(Duration.ZERO, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxWait = PT0S").hasMessageContaining("allowed range");
        assertThatThrownBy(() -> limit.queueing(Duration.ofDays(3651), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> limit.queueing(Duration.ofSeconds(1), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxQueued = 0").hasMessageContaining("[1, " + HttpLimit.MAX_QUEUED + "]");
        assertThatThrownBy(() -> limit.queueing(Duration.ofSeconds(1), HttpLimit.MAX_QUEUED + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxQueued");
        assertThat(limit.maxWait()).isEqualTo(Duration.ZERO);
        assertThat(limit.maxQueued()).isZero();
        HttpLimit queueing = limit.queueing(Duration.ofSeconds(2), 3);
        assertThat(queueing.maxWait()).isEqualTo(Duration.ofSeconds(2));
        assertThat(queueing.maxQueued()).isEqualTo(3);
        assertThat(queueing.toString()).isEqualTo("HttpLimit[l, waits up to PT2S with 0 of 3 waiting]");
    }

    @Test
    void aLimitThatDoesNotQueueRefusesAtOnce() {
        Limiter bucket = engine.limiter("b", TokenBucket.of(1, Rate.perSecond(1)));
        HttpLimit limit = HttpLimit.shared(bucket);
        assertThat(limit.acquireAsync(request("/")).join().orElseThrow().granted()).isTrue();
        assertRefusedAtOnce(limit.acquireAsync(request("/")));
        assertThat(limit.queued()).isZero();
    }

    @Test
    void theQueueIsBoundedAndServedInOrderAndAWithdrawnRequestsSlotGoesToNobodyElse() {
        Limiter bucket = engine.limiter("b", TokenBucket.of(1, Rate.perSecond(1)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofSeconds(10), 3);
        assertThat(limit.acquireAsync(request("/")).join().orElseThrow().granted()).isTrue();
        CompletableFuture<Optional<Permit>> first = limit.acquireAsync(request("/"));
        CompletableFuture<Optional<Permit>> second = limit.acquireAsync(request("/"));
        CompletableFuture<Optional<Permit>> third = limit.acquireAsync(request("/"));
        assertThat(limit.queued()).isEqualTo(3);
        CompletableFuture<Optional<Permit>> full = limit.acquireAsync(request("/"));
        assertRefusedAtOnce(full);
        assertThat(full.join().orElseThrow().retryAfter()).isEqualTo(Duration.ofSeconds(4));

        assertThat(second.cancel(false)).isTrue();
        assertThat(limit.queued()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));
        assertThat(first).isDone();
        assertThat(first.join().orElseThrow().granted()).isTrue();
        assertThat(third).isNotDone();
        // Reservations keep their slots: the third still comes at 3 s. The withdrawn one's slot, between the others,
        // stays unused: given back to the bucket, it would be a second grant at 3 s from a bucket of one.
        clock.advance(Duration.ofSeconds(1));
        assertThat(third).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(third).isDone();
        assertThat(third.join().orElseThrow().granted()).isTrue();
        assertThat(limit.queued()).isZero();
        assertThat(bucket.tryAcquire().granted()).as("no second grant beside the third's").isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(bucket.tryAcquire().granted()).isTrue();
    }

    @Test
    void aRequestThatCannotHaveItsPermitWithinTheWaitIsRefusedAtOnceAndLeavesTheQueue() {
        Limiter bucket = engine.limiter("b", TokenBucket.of(1, Rate.perSecond(1)));
        HttpLimit limit = HttpLimit.shared(bucket).queueing(Duration.ofMillis(500), 3);
        limit.acquireAsync(request("/")).join();
        assertRefusedAtOnce(limit.acquireAsync(request("/")));
        assertThat(limit.queued()).isZero();
    }

    @Test
    void aKeyedQueueingLimitResolvesTheKeyOnceAndWaitsOnThatKey() {
        AtomicInteger resolved = new AtomicInteger();
        KeyResolver byPath = new KeyResolver() {
            @Override
            public Optional<String> resolve(HttpRequestView request) {
                resolved.incrementAndGet();
                return Optional.of(request.path());
            }
        };
        KeyedLimiter<String> perPath = engine.keyed("per-path", TokenBucket.of(1, Rate.perSecond(1)));
        HttpLimit limit = HttpLimit.keyed(perPath, byPath).queueing(Duration.ofSeconds(5), 10);
        limit.acquireAsync(request("/a")).join();
        CompletableFuture<Optional<Permit>> waitsOnA = limit.acquireAsync(request("/a"));
        assertThat(resolved.get()).isEqualTo(2);
        assertThat(waitsOnA).isNotDone();
        assertThat(limit.acquireAsync(request("/b")).join().orElseThrow().granted()).as("another key").isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(waitsOnA.join().orElseThrow().granted()).isTrue();
        assertThat(resolved.get()).isEqualTo(3);
    }

    /** A policy of a global limit, then a route limit that queues up to 10 requests for {@code maxWait}. */
    private static HttpThrottle globalThenQueueing(Limiter global, Limiter route, Duration maxWait) {
        return new HttpThrottle(HttpThrottlePolicy.builder().global(HttpLimit.shared(global))
                .route(RouteRule.anyMethod("/**", HttpLimit.shared(route).queueing(maxWait, 10))).build());
    }

    @Test
    void aRequestWaitingForItsRouteLimitHoldsTheGlobalPermitAndGivesItBackWhenWithdrawn() {
        Limiter global = engine.limiter("global", Concurrency.of(2));
        Limiter route = engine.limiter("route", TokenBucket.of(1, Rate.perSecond(1)));
        HttpThrottle throttle = globalThenQueueing(global, route, Duration.ofSeconds(5));
        Admission first = throttle.admitAsync(request("/x")).join();
        assertThat(first.admitted()).isTrue();
        CompletableFuture<Admission> waiting = throttle.admitAsync(request("/x"));
        assertThat(waiting).isNotDone();
        assertThat(global.availablePermits()).as("held while waiting").isZero();

        HttpThrottle.withdraw(waiting);
        assertThat(waiting).isCancelled();
        assertThat(global.availablePermits()).as("given back when withdrawn").isEqualTo(1);
        first.close();
        assertThat(global.availablePermits()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));
        assertThat(route.tryAcquire().granted()).as("the withdrawn reservation is free again").isTrue();
    }

    @Test
    void aRequestWithdrawnJustAfterItsAdmissionGivesItsPermitsBackUnused() {
        Limiter global = engine.limiter("global", Concurrency.of(1));
        Limiter route = engine.limiter("route", TokenBucket.of(1, Rate.perSecond(1)));
        HttpThrottle throttle = globalThenQueueing(global, route, Duration.ofSeconds(5));
        route.tryAcquire();
        CompletableFuture<Admission> waiting = throttle.admitAsync(request("/x"));
        clock.advance(Duration.ofSeconds(1));
        Admission admitted = waiting.join();
        assertThat(admitted.admitted()).isTrue();
        assertThat(global.availablePermits()).isZero();

        HttpThrottle.withdraw(waiting);
        assertThat(admitted.ended()).isTrue();
        assertThat(global.availablePermits()).isEqualTo(1);
        assertThat(route.tryAcquire().granted()).as("the route's permit came back unused").isTrue();
    }

    @Test
    void aRequestRefusedAfterWaitingGivesBackTheGlobalPermit() {
        Limiter global = engine.limiter("global", Concurrency.of(2));
        Limiter route = engine.limiter("route", Concurrency.of(1, 5));
        HttpThrottle throttle = globalThenQueueing(global, route, Duration.ofSeconds(2));
        Permit busy = route.tryAcquire();
        CompletableFuture<Admission> waiting = throttle.admitAsync(request("/y"));
        assertThat(waiting).isNotDone();
        assertThat(global.availablePermits()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        Admission refused = waiting.join();
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.rejection().orElseThrow().status()).isEqualTo(429);
        assertThat(global.availablePermits()).as("the global permit came back").isEqualTo(2);
        busy.close();
        assertThat(route.availablePermits()).isEqualTo(1);
    }
}
