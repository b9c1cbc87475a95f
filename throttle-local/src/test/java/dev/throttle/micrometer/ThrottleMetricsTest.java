package dev.throttle.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.ThrottledException;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ThrottleMetricsTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final SimpleMeterRegistry registry =
            new SimpleMeterRegistry(SimpleConfig.DEFAULT, new ManualMicrometerClock(clock));

    @Test
    void countsGrantsAndRefusalsOfEveryWayToAsk() throws Exception {
        RateLimiter bucket = ThrottleMetrics.meter(engine.rateLimiter("api", TokenBucket.of(3, Rate.perSecond(1))),
                registry);
        int granted = 0;
        for (int i = 0; i < 5; i++) {
            granted += bucket.tryAcquire(1).granted() ? 1 : 0;
        }
        assertThat(granted).isEqualTo(3);
        assertThat(permits("api", "granted", "none")).isEqualTo(3.0);
        assertThat(permits("api", "refused", "limit")).isEqualTo(2.0);

        assertThat(bucket.allow()).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(bucket.allow(2)).isTrue();
        assertThat(permits("api", "granted", "none")).as("a request counts its permits").isEqualTo(5.0);
        assertThat(permits("api", "refused", "limit")).isEqualTo(3.0);

        clock.advance(Duration.ofSeconds(1));
        assertThat(bucket.call(() -> "done")).isEqualTo("done");
        assertThatThrownBy(() -> bucket.run(() -> { })).isInstanceOf(ThrottledException.class);
        assertThat(permits("api", "granted", "none")).as("call and run go through the metered tryAcquire")
                .isEqualTo(6.0);
        assertThat(permits("api", "refused", "limit")).isEqualTo(4.0); // run was refused: the bucket was empty
    }

    @Test
    void timesWaitsFromCallToDecision() throws Exception {
        RateLimiter bucket = ThrottleMetrics.meter(engine.rateLimiter("tb", TokenBucket.of(1, Rate.perSecond(1))),
                registry);
        assertThat(bucket.allow()).isTrue();

        CompletableFuture<Permit> waiting = bucket.acquireAsync(1, Duration.ofSeconds(2));
        Permit tooLong = bucket.acquire(1, Duration.ofMillis(500)); // the next slot after the reserved one: 2 s away
        Permit noWait = bucket.acquire(1, Duration.ZERO);
        clock.advance(Duration.ofMillis(400));
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofMillis(600));
        assertThat(waiting.get(1, TimeUnit.SECONDS).granted()).isTrue();

        assertThat(tooLong.granted()).isFalse();
        assertThat(noWait.granted()).isFalse();
        Timer grantedWaits = waitTimer("tb", "granted");
        assertThat(grantedWaits.count()).isEqualTo(1);
        assertThat(grantedWaits.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(1_000_000_000.0);
        Timer refusedWaits = waitTimer("tb", "refused");
        assertThat(refusedWaits.count()).isEqualTo(2);
        assertThat(refusedWaits.totalTime(TimeUnit.NANOSECONDS)).as("refused at once").isZero();
        assertThat(permits("tb", "granted", "none")).isEqualTo(2.0);
        assertThat(permits("tb", "refused", "timeout")).isEqualTo(1.0);
        assertThat(permits("tb", "refused", "limit")).isEqualTo(1.0);
    }

    @Test
    void timesABlockingWaitAndTellsAnInterruptFromATimeout() throws Exception {
        RateLimiter bucket = ThrottleMetrics.meter(engine.rateLimiter("blocking",
                TokenBucket.of(1, Rate.perSecond(1))), registry);
        assertThat(bucket.allow()).isTrue();
        AtomicReference<Permit> result = new AtomicReference<>();
        Thread waiter = new Thread(() -> result.set(bucket.acquire(1, Duration.ofSeconds(5))));
        waiter.start();
        awaitPendingTasks(1);
        clock.advance(Duration.ofSeconds(1));
        waiter.join(10_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(result.get().granted()).isTrue();
        assertThat(waitTimer("blocking", "granted").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_000.0);

        Thread interrupted = new Thread(() -> result.set(bucket.acquire(1, Duration.ofSeconds(5))));
        interrupted.start();
        awaitPendingTasks(1);
        clock.advance(Duration.ofMillis(300));
        interrupted.interrupt();
        interrupted.join(10_000);
        assertThat(interrupted.isAlive()).isFalse();
        assertThat(result.get().granted()).isFalse();
        assertThat(permits("blocking", "refused", "interrupted")).isEqualTo(1.0);
        assertThat(permits("blocking", "refused", "timeout")).isZero();
        assertThat(waitTimer("blocking", "refused").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300.0);
    }

    @Test
    void cancellingTheMeteredFutureWithdrawsTheRequestFromTheEngine() {
        RateLimiter bucket = ThrottleMetrics.meter(engine.rateLimiter("cancel",
                TokenBucket.of(1, Rate.perSecond(1))), registry);
        assertThat(bucket.allow()).isTrue();
        CompletableFuture<Permit> waiting = bucket.acquireAsync(1, Duration.ofSeconds(2));
        clock.advance(Duration.ofMillis(250));
        assertThat(waiting.cancel(false)).isTrue();
        assertThat(clock.pendingTasks()).as("the engine's wait is gone").isZero();
        assertThat(permits("cancel", "refused", "cancelled")).isEqualTo(1.0);
        assertThat(waitTimer("cancel", "refused").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250.0);
        clock.advance(Duration.ofMillis(750));
        assertThat(bucket.allow()).as("the reserved token came back").isTrue();
        assertThat(bucket.allow()).isFalse();
    }

    @Test
    void meteringARateLimiterTypedAsALimiterStillGivesARateLimiter() {
        Limiter limiter = engine.limiter("typed", FixedWindow.of(2, Duration.ofSeconds(1)));
        Limiter metered = ThrottleMetrics.meter(limiter, registry);
        assertThat(metered).isInstanceOf(RateLimiter.class);
        assertThat(((RateLimiter) metered).allow()).isTrue();
        assertThat(permits("typed", "granted", "none")).isEqualTo(1.0);
        assertThat(metered.name()).isEqualTo("typed");
        assertThat(metered.spec()).isEqualTo(limiter.spec());
    }

    @Test
    void bulkheadGaugesReadTheLiveStateAndDroppedPermitsCountOnce() {
        Limiter bulkhead = ThrottleMetrics.meter(engine.limiter("bulkhead", Concurrency.of(2, 5)), registry);
        assertThat(bulkhead).isInstanceOf(ConcurrencyStats.class);
        Permit first = bulkhead.tryAcquire(1);
        Permit second = bulkhead.tryAcquire(1);
        CompletableFuture<Permit> queued = bulkhead.acquireAsync(1, Duration.ofSeconds(10));
        assertThat(gauge("throttle.limit", "bulkhead")).isEqualTo(2.0);
        assertThat(gauge("throttle.in.flight", "bulkhead")).isEqualTo(2.0);
        assertThat(gauge("throttle.queue.length", "bulkhead")).isEqualTo(1.0);
        assertThat(gauge("throttle.available", "bulkhead")).isZero();

        first.dropped();
        first.dropped();
        first.close();
        assertThat(queued).isCompleted();
        second.close();
        second.dropped(); // ended already: not an overload report
        assertThat(registry.get("throttle.dropped").tag("limiter", "bulkhead").counter().count())
                .isEqualTo(1.0);
        assertThat(gauge("throttle.in.flight", "bulkhead")).isEqualTo(1.0);
        assertThat(gauge("throttle.queue.length", "bulkhead")).isZero();
        assertThat(gauge("throttle.available", "bulkhead")).isEqualTo(1.0);
        queued.join().close();
        assertThat(gauge("throttle.in.flight", "bulkhead")).isZero();
        assertThat(permits("bulkhead", "granted", "none")).isEqualTo(3.0);
    }

    @Test
    void aWaiterAboveALoweredLimitIsCountedAsNever() {
        Limiter lowered = engine.limiter("lowered", Concurrency.of(3, 5));
        Limiter bulkhead = ThrottleMetrics.meter(lowered, registry);
        Permit held = bulkhead.tryAcquire(3);
        CompletableFuture<Permit> waiting = bulkhead.acquireAsync(2, Duration.ofSeconds(10));
        LocalEngine.reconfigure(lowered, Concurrency.of(1, 5));
        assertThat(waiting).isCompleted();
        assertThat(waiting.join().never()).isTrue();
        assertThat(permits("lowered", "refused", "never")).isEqualTo(2.0);
        assertThat(gauge("throttle.limit", "lowered")).isEqualTo(1.0);
        assertThat(gauge("throttle.in.flight", "lowered")).as("above the limit while it drains").isEqualTo(3.0);
        held.close();
        assertThat(gauge("throttle.in.flight", "lowered")).isZero();
    }

    @Test
    void rateGaugeReadsTheLiveBucket() {
        RateLimiter bucket = ThrottleMetrics.meter(engine.rateLimiter("live", TokenBucket.of(3, Rate.perSecond(1))),
                registry);
        assertThat(gauge("throttle.available", "live")).isEqualTo(3.0);
        bucket.allow(2);
        assertThat(gauge("throttle.available", "live")).isEqualTo(1.0);
        clock.advance(Duration.ofSeconds(1));
        assertThat(gauge("throttle.available", "live")).isEqualTo(2.0);
        assertThat(registry.find("throttle.in.flight").gauge()).as("no bulkhead gauges for a bucket").isNull();
    }

    @Test
    void keyedLimiterCountsUnderItsNameNeverPerKey() {
        KeyedLimiter<String> perClient = ThrottleMetrics.meter(
                engine.<String>keyed("per-client", FixedWindow.of(2, Duration.ofSeconds(1))), registry);
        for (String key : List.of("a", "b", "c")) {
            for (int i = 0; i < 3; i++) {
                perClient.tryAcquire(key, 1);
            }
        }
        assertThat(perClient.allow("d", 1)).isTrue();
        assertThat(perClient.forKey("d").tryAcquire(1).granted()).isTrue();
        assertThat(perClient.acquire("d", 1, Duration.ZERO).granted()).isFalse();
        assertThat(permits("per-client", "granted", "none")).isEqualTo(8.0);
        assertThat(permits("per-client", "refused", "limit")).isEqualTo(4.0);
        assertThat(gauge("throttle.keys", "per-client")).isEqualTo(4.0);
        Set<String> tagKeys = registry.getMeters().stream()
                .flatMap(meter -> meter.getId().getTags().stream())
                .map(Tag::getKey)
                .collect(Collectors.toSet());
        assertThat(tagKeys).containsExactlyInAnyOrder("limiter", "outcome", "reason");
        Set<String> tagValues = registry.getMeters().stream()
                .flatMap(meter -> meter.getId().getTags().stream())
                .map(Tag::getValue)
                .collect(Collectors.toSet());
        assertThat(tagValues).doesNotContain("a", "b", "c", "d");
    }

    @Test
    void meteringTheSameLimiterTwiceSharesTheMetersAndNeverCountsTwice() {
        RateLimiter limiter = engine.rateLimiter("twice", FixedWindow.of(5, Duration.ofSeconds(1)));
        RateLimiter one = ThrottleMetrics.meter(limiter, registry);
        List<Meter.Id> ids = registry.getMeters().stream().map(Meter::getId).collect(Collectors.toList());
        RateLimiter other = ThrottleMetrics.meter(limiter, registry);
        assertThat(registry.getMeters()).hasSameSizeAs(ids);
        assertThat(ThrottleMetrics.meter(one, registry)).as("already metered here").isSameAs(one);
        assertThat(ThrottleMetrics.meter((Limiter) one, registry)).isSameAs(one);
        one.allow();
        other.allow();
        assertThat(permits("twice", "granted", "none")).as("two decisions of one limiter").isEqualTo(2.0);

        SimpleMeterRegistry elsewhere = new SimpleMeterRegistry();
        RateLimiter twice = ThrottleMetrics.meter(one, elsewhere, Tags.of("zone", "b"));
        twice.allow();
        assertThat(elsewhere.get("throttle.permits").tags("limiter", "twice", "zone", "b", "outcome", "granted")
                .counter().count()).isEqualTo(1.0);
        assertThat(permits("twice", "granted", "none")).as("through the inner decorator too").isEqualTo(3.0);
        assertThatCode(() -> ThrottleMetrics.gauges(twice).bindTo(registry))
                .as("a decorator of the limiter metered here is that limiter, not another one")
                .doesNotThrowAnyException();
    }

    @Test
    void anotherLimiterOfAMeteredNameIsRefusedInsteadOfAddedIntoItsCounts() {
        RateLimiter first = ThrottleMetrics.meter(engine.rateLimiter("api", FixedWindow.of(5, Duration.ofSeconds(1))),
                registry);
        RateLimiter second = engine.rateLimiter("api", FixedWindow.of(5, Duration.ofSeconds(1)));
        List<Meter.Id> ids = registry.getMeters().stream().map(Meter::getId).collect(Collectors.toList());
        assertThatThrownBy(() -> ThrottleMetrics.meter(second, registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limiter = api is already metered in this registry by another limiter");
        assertThatThrownBy(() -> ThrottleMetrics.meter((Limiter) second, registry))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThrottleMetrics.gauges(second).bindTo(registry))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThrottleMetrics.meter(
                engine.<String>keyed("api", FixedWindow.of(5, Duration.ofSeconds(1))), registry))
                .as("a keyed limiter would add into the same counters").isInstanceOf(IllegalArgumentException.class);
        assertThat(registry.getMeters().stream().map(Meter::getId)).as("nothing registered by the refusals")
                .containsExactlyInAnyOrderElementsOf(ids);

        assertThat(first.allow()).isTrue();
        assertThat(second.allow()).isTrue();
        assertThat(permits("api", "granted", "none")).as("only the metered limiter's decision").isEqualTo(1.0);

        RateLimiter zoneB = ThrottleMetrics.meter(second, registry, Tags.of("zone", "b"));
        assertThat(zoneB.allow()).isTrue();
        assertThat(registry.get("throttle.permits").tags("limiter", "api", "zone", "b", "outcome", "granted")
                .counter().count()).as("told apart by a tag").isEqualTo(1.0);
        assertThat(registry.find("throttle.permits").tags("limiter", "api", "outcome", "granted").counters())
                .filteredOn(counter -> counter.getId().getTag("zone") == null)
                .singleElement().satisfies(counter -> assertThat(counter.count()).isEqualTo(1.0));
    }

    @Test
    void aNameIsFreeAgainOnceItsMetersAreRemovedOrItsLimiterIsDiscarded() {
        ThrottleMetrics.meter(engine.rateLimiter("cleared", FixedWindow.of(5, Duration.ofSeconds(1))), registry);
        registry.clear();
        RateLimiter next = ThrottleMetrics.meter(engine.rateLimiter("cleared",
                FixedWindow.of(3, Duration.ofSeconds(1))), registry);
        assertThat(next.allow()).isTrue();
        assertThat(gauge("throttle.available", "cleared")).isEqualTo(2.0);

        registerAndDiscard();
        for (int i = 0; i < 50 && !Double.isNaN(gauge("throttle.available", "discarded")); i++) {
            System.gc();
        }
        assertThat(gauge("throttle.available", "discarded")).isNaN();
        RateLimiter successor = ThrottleMetrics.meter(engine.rateLimiter("discarded",
                TokenBucket.of(5, Rate.perSecond(1))), registry);
        assertThat(gauge("throttle.available", "discarded")).as("the successor's gauge").isEqualTo(5.0);
        assertThat(successor.allow()).isTrue();
        assertThat(permits("discarded", "granted", "none")).as("the name's counts go on").isEqualTo(2.0);
    }

    @Test
    void tagsAddedByTheRegistrysFiltersChangeNothingAboutWhoOwnsAName() {
        registry.config().commonTags("application", "shop"); // as Spring Boot's management.metrics.tags do
        RateLimiter first = ThrottleMetrics.meter(engine.rateLimiter("api", FixedWindow.of(5, Duration.ofSeconds(1))),
                registry);
        RateLimiter second = engine.rateLimiter("api", FixedWindow.of(5, Duration.ofSeconds(1)));
        assertThatThrownBy(() -> ThrottleMetrics.meter(second, registry)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already metered");
        assertThat(first.allow()).isTrue();
        assertThat(registry.get("throttle.permits").tags("limiter", "api", "outcome", "granted", "reason", "none",
                "application", "shop").counter().count()).isEqualTo(1.0);

        registerAndDiscard();
        for (int i = 0; i < 50 && !Double.isNaN(gauge("throttle.available", "discarded")); i++) {
            System.gc();
        }
        assertThat(gauge("throttle.available", "discarded")).isNaN();
        ThrottleMetrics.meter(engine.rateLimiter("discarded", TokenBucket.of(5, Rate.perSecond(1))), registry);
        assertThat(gauge("throttle.available", "discarded")).as("the successor's gauge").isEqualTo(5.0);
    }

    @Test
    void aLimiterMeteredWithAnExtraTagDoesNotHideTheGaugeOfOneOfTheSameNameWithout() {
        ThrottleMetrics.meter(engine.rateLimiter("api", TokenBucket.of(3, Rate.perSecond(1))), registry,
                Tags.of("zone", "b"));
        ThrottleMetrics.meter(engine.rateLimiter("api", TokenBucket.of(9, Rate.perSecond(1))), registry);
        assertThat(registry.find("throttle.available").tag("limiter", "api").gauges())
                .extracting(gauge -> gauge.getId().getTag("zone") + "=" + gauge.value())
                .containsExactlyInAnyOrder("b=3.0", "null=9.0");
    }

    @Test
    void refusesNullArgumentsAndCountsNothingForBadRequests() {
        RateLimiter limiter = engine.rateLimiter("bad", FixedWindow.of(5, Duration.ofSeconds(1)));
        assertThatThrownBy(() -> ThrottleMetrics.meter((Limiter) null, registry))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limiter");
        assertThatThrownBy(() -> ThrottleMetrics.meter(limiter, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registry");
        assertThatThrownBy(() -> ThrottleMetrics.meter(limiter, registry, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tags");
        assertThatThrownBy(() -> ThrottleMetrics.gauges((Limiter) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThrottleMetrics.gauges((KeyedLimiter<?>) null))
                .isInstanceOf(IllegalArgumentException.class);
        RateLimiter metered = ThrottleMetrics.meter(limiter, registry);
        assertThatThrownBy(() -> metered.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> metered.allow(6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> metered.acquire(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> metered.acquireAsync(1, null)).isInstanceOf(IllegalArgumentException.class);
        double counted = registry.get("throttle.permits").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(counted).isZero();
        assertThat(waitTimer("bad", "refused").count()).isZero();
    }

    @Test
    void manyThreadsCountExactlyWhatTheLimiterDecided() throws Exception {
        RateLimiter window = ThrottleMetrics.meter(engine.rateLimiter("hammered",
                FixedWindow.of(1_000, Duration.ofMinutes(1))), registry);
        int threads = 8;
        int attempts = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                boolean viaPermit = t % 2 == 0;
                workers.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    int granted = 0;
                    for (int i = 0; i < attempts; i++) {
                        granted += (viaPermit ? window.tryAcquire(1).granted() : window.allow()) ? 1 : 0;
                    }
                    return granted;
                }));
            }
            start.countDown();
            int granted = 0;
            for (Future<Integer> worker : workers) {
                granted += worker.get(20, TimeUnit.SECONDS);
            }
            assertThat(granted).isEqualTo(1_000);
            assertThat(permits("hammered", "granted", "none")).isEqualTo(1_000.0);
            assertThat(permits("hammered", "refused", "limit")).isEqualTo(threads * attempts - 1_000.0);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void meteredAllowStillAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean)) {
            return;
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        RateLimiter bucket = ThrottleMetrics.meter(engine.rateLimiter("fast",
                TokenBucket.of(1_000, Rate.perSecond(1_000_000_000L))), registry);
        int granted = 0;
        for (int i = 0; i < 200_000; i++) {
            clock.advance(1);
            granted += bucket.allow() ? 1 : 0;
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100_000; i++) {
            clock.advance(1);
            granted += bucket.allow() ? 1 : 0;
        }
        long after = threads.getThreadAllocatedBytes(id);
        assertThat(granted).isPositive();
        assertThat(after - before).isLessThan(1_000);
        assertThat(permits("fast", "granted", "none")).isEqualTo(granted);
    }

    @Test
    void aGrantThatLosesTheRaceWithTheCallersCancelIsGivenBack() {
        ScriptedLimiter scripted = new ScriptedLimiter();
        scripted.next = new ScriptedLimiter.Uncancellable();
        Limiter metered = ThrottleMetrics.meter(scripted, registry);
        CompletableFuture<Permit> waiting = metered.acquireAsync(3, Duration.ofSeconds(1));
        assertThat(waiting.cancel(false)).isTrue();
        ScriptedLimiter.RecordingPermit late = new ScriptedLimiter.RecordingPermit(3);
        scripted.next.complete(late);
        assertThat(late.settledAt).as("a rate grant gives its permits back").isZero();
        assertThat(late.closed).as("a lease is released").isTrue();
        assertThat(permits("scripted", "refused", "cancelled")).isEqualTo(3.0);
        assertThat(permits("scripted", "granted", "none")).isZero();
    }

    @Test
    void aFailedAsynchronousAcquisitionIsCountedAsAnErrorAndPassedOn() {
        ScriptedLimiter scripted = new ScriptedLimiter();
        Limiter metered = ThrottleMetrics.meter(scripted, registry);
        CompletableFuture<Permit> waiting = metered.acquireAsync(2, Duration.ofSeconds(1));
        IllegalStateException failure = new IllegalStateException("engine failure");
        scripted.next.completeExceptionally(failure);
        assertThat(waiting).isCompletedExceptionally();
        assertThatThrownBy(waiting::join).hasCause(failure);
        assertThat(permits("scripted", "refused", "error")).isEqualTo(2.0);
        assertThat(waitTimer("scripted", "refused").count()).isEqualTo(1);
        assertThat(gauge("throttle.available", "scripted")).isEqualTo(7.0);
    }

    @Test
    void anEarlyCompletionByTheCallerWithdrawsTheEnginesRequest() {
        ScriptedLimiter scripted = new ScriptedLimiter();
        Limiter metered = ThrottleMetrics.meter(scripted, registry);
        CompletableFuture<Permit> waiting = metered.acquireAsync(1, Duration.ofSeconds(1));
        waiting.completeExceptionally(new java.util.concurrent.TimeoutException("caller's own timeout"));
        assertThat(scripted.next).as("the engine's future").isCancelled();
        assertThat(permits("scripted", "refused", "cancelled")).isEqualTo(1.0);
    }

    @Test
    void theGaugesDoNotKeepADiscardedLimiterAlive() {
        registerAndDiscard();
        for (int i = 0; i < 50 && !Double.isNaN(gauge("throttle.available", "discarded")); i++) {
            System.gc();
        }
        assertThat(gauge("throttle.available", "discarded")).isNaN();
    }

    private void registerAndDiscard() {
        RateLimiter discarded = ThrottleMetrics.meter(engine.rateLimiter("discarded",
                TokenBucket.of(3, Rate.perSecond(1))), registry);
        assertThat(gauge("throttle.available", "discarded")).isEqualTo(3.0);
        assertThat(discarded.allow()).isTrue();
    }

    private double permits(String limiter, String outcome, String reason) {
        return registry.get("throttle.permits").tags("limiter", limiter, "outcome", outcome, "reason", reason)
                .counter().count();
    }

    private Timer waitTimer(String limiter, String outcome) {
        return registry.get("throttle.wait").tags("limiter", limiter, "outcome", outcome).timer();
    }

    /** The keys gauge is exact when read: keys that expired while idle are gone, with no request to clean them. */
    @Test
    void theKeysGaugeForgetsExpiredKeysWhenReadWhileIdle() {
        KeyedLimiter<String> perClient = ThrottleMetrics.meter(
                engine.<String>keyed("idle-keys", TokenBucket.of(2, Rate.perSecond(1))), registry);
        ThrottleMetrics.gauges(perClient).bindTo(registry);
        for (int client = 0; client < 3; client++) {
            assertThat(perClient.tryAcquire("client-" + client, 1).granted()).isTrue();
        }
        assertThat(gauge(ThrottleMetrics.KEYS, "idle-keys")).isEqualTo(3.0);
        clock.advance(Duration.ofMinutes(1)); // every bucket full again long ago: nothing left to remember
        assertThat(gauge(ThrottleMetrics.KEYS, "idle-keys")).isZero();
    }

    /** A give-back (a later limit refused) is counted as returned, so admitted = granted − returned. */
    @Test
    void givenBackPermitsAreCountedApartFromGrants() {
        Limiter global = ThrottleMetrics.meter(engine.limiter("returned", FixedWindow.of(10, Duration.ofMinutes(1))),
                registry);
        global.tryAcquire(1).close();
        global.tryAcquire(2).giveBack();
        Permit settled = global.tryAcquire(3);
        settled.settle(1);
        settled.close();
        assertThat(registry.get(ThrottleMetrics.PERMITS).tag("limiter", "returned").tag("outcome", "granted").counter()
                .count()).isEqualTo(6.0);
        assertThat(registry.get(ThrottleMetrics.PERMITS_RETURNED).tag("limiter", "returned").counter().count())
                .as("2 given back, 2 settled away").isEqualTo(4.0);
    }

    private double gauge(String name, String limiter) {
        return registry.get(name).tag("limiter", limiter).gauge().value();
    }

    /** Waits, without sleeping on time, until a blocking acquisition has scheduled its wake-up on the clock. */
    private void awaitPendingTasks(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (clock.pendingTasks() < count) {
            assertThat(System.nanoTime()).as("a waiter scheduled its wake-up in time").isLessThan(deadline);
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
