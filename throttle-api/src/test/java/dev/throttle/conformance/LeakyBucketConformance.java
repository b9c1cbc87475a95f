package dev.throttle.conformance;

import static dev.throttle.conformance.Timeline.GRANT;
import static dev.throttle.conformance.Timeline.REFUSE;
import static dev.throttle.conformance.Timeline.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link LeakyBucket}: a meter decides exactly like a {@link TokenBucket} of the same capacity and
 * rate; a shaping queue hands out slots of the outflow one interval apart, grants {@code tryAcquire} only when the
 * next slot is now, completes {@code acquireAsync} exactly at its slot, and refuses a slot beyond its maximum delay.
 */
public abstract class LeakyBucketConformance extends RateConformance {

    private static final long MS = 1_000_000L;

    @Override
    protected List<LimitSpec> sampleSpecs() {
        return List.of(
                LeakyBucket.meter(4, Rate.perSecond(10)),
                LeakyBucket.meter(3, Rate.perSecond(3)),
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250)),
                LeakyBucket.shaping(Rate.perSecond(3), Duration.ofSeconds(1)));
    }

    @Override
    protected ReferenceModel model(LimitSpec spec) {
        LeakyBucket bucket = (LeakyBucket) spec;
        long interval = bucket.outflow().intervalNanos();
        if (bucket.mode() == LeakyBucket.Mode.METER) {
            return new BucketModel(bucket.capacity(), interval);
        }
        return new QueueModel(interval, bucket.maxDelay().toNanos());
    }

    /** A meter of capacity 3 at 10/s, by hand: it admits bursts up to 3 and refills one per 100 ms. */
    @Test
    public void meterTimeline() {
        Timeline.of(LeakyBucket.meter(3, Rate.perSecond(10))).steps(
                at(0).ask(2).expect(GRANT).remaining(1),
                at(0).ask(2).expect(REFUSE, 100),
                at(0).ask(1).expect(GRANT).remaining(0),
                at(150).ask(1).expect(GRANT).remaining(0),
                at(150).ask(1).expect(REFUSE, 50),
                at(200).ask(1).expect(GRANT).remaining(0),
                at(1000).ask(3).expect(GRANT).remaining(0))
            .verify(target());
    }

    /** A meter and a token bucket of equal capacity and rate take the same decisions on seeded random traffic. */
    @Test
    public void meterDecidesLikeAnEqualTokenBucket() {
        for (long seed = 1; seed <= 3; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            ManualClock clock = new ManualClock(987_654_321L);
            RateLimiter meter = target().create(Timeline.uniqueName("meter"),
                    LeakyBucket.meter(6, Rate.perSecond(7)), clock);
            RateLimiter bucket = target().create(Timeline.uniqueName("bucket"),
                    TokenBucket.of(6, Rate.perSecond(7)), clock);
            int granted = 0;
            for (int i = 0; i < 400; i++) {
                clock.advance(random.nextInt(4) == 0 ? 0L : random.nextLong(200 * MS));
                long permits = 1 + random.nextLong(random.nextBoolean() ? 1 : 6);
                Permit fromMeter = meter.tryAcquire(permits);
                Permit fromBucket = bucket.tryAcquire(permits);
                String where = "seed " + seed + " request " + i + ": meter " + fromMeter + ", bucket " + fromBucket;
                assertThat(fromMeter.granted()).as(where).isEqualTo(fromBucket.granted());
                assertThat(fromMeter.retryAfterNanos()).as(where).isEqualTo(fromBucket.retryAfterNanos());
                assertThat(fromMeter.remaining()).as(where).isEqualTo(fromBucket.remaining());
                assertThat(meter.availablePermits()).as(where).isEqualTo(bucket.availablePermits());
                granted += fromMeter.granted() ? 1 : 0;
            }
            assertThat(granted).as("grants of seed %d", seed).isBetween(40, 360);
        }
    }

    /**
     * A shaping queue at 10/s with a maximum delay of 250 ms (a queue of 3 slots): {@code tryAcquire} is granted only
     * when the next slot is now, and a refusal says when that slot comes. {@code remaining} counts the free slots
     * within the maximum delay.
     */
    @Test
    public void shapingTryAcquireGrantsOnlyWhenTheSlotIsNow() {
        Timeline.of(LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250))).steps(
                at(0).ask(1).expect(GRANT).remaining(2),
                at(0).ask(1).expect(REFUSE, 100),
                at(50).ask(1).expect(REFUSE, 50),
                at(100).ask(2).expect(GRANT).remaining(1),
                at(250).ask(1).expect(REFUSE, 50),
                at(300).ask(3).expect(GRANT).remaining(0),
                at(599).ask(1).expect(REFUSE, 1),
                at(600).ask(1).expect(GRANT).remaining(2))
            .verify(target());
    }

    /**
     * A shaping queue completes each waiting request exactly at its slot, one interval after the previous, refuses
     * at once a request whose slot lies beyond the maximum delay (saying when that slot comes), and lets no
     * {@code tryAcquire} jump the queue.
     */
    @Test
    public void shapingQueueCompletesWaitersAtTheirExactSlots() {
        long start = 5_000_000_000L;
        ManualClock clock = new ManualClock(start);
        RateLimiter queue = target().create(Timeline.uniqueName("shaping"),
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250)), clock);

        CompletableFuture<Permit> first = queue.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(first).isDone();
        assertThat(first.join().granted()).isTrue();

        AtomicLong secondAt = new AtomicLong();
        AtomicLong thirdAt = new AtomicLong();
        CompletableFuture<Permit> second = queue.acquireAsync(1, Duration.ofSeconds(1));
        second.thenRun(() -> secondAt.set(clock.read()));
        CompletableFuture<Permit> third = queue.acquireAsync(1, Duration.ofMillis(200));
        third.thenRun(() -> thirdAt.set(clock.read()));
        assertThat(second).isNotDone();
        assertThat(third).isNotDone();

        // The next slot is 300 ms ahead, beyond the 250 ms maximum delay: refused at once, even to a caller that
        // accepts the whole maximum delay.
        CompletableFuture<Permit> beyond = queue.acquireAsync(1, Duration.ofMillis(250));
        assertThat(beyond).isDone();
        assertThat(beyond.join().granted()).isFalse();
        assertThat(beyond.join().retryAfterNanos()).isEqualTo(300 * MS);
        Permit blocking = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> queue.acquire(1, Duration.ofMillis(250)));
        assertThat(blocking.granted()).isFalse();
        assertThat(blocking.retryAfterNanos()).isEqualTo(300 * MS);
        assertThat(queue.tryAcquire(1).granted()).isFalse();

        clock.advance(100 * MS - 1);
        assertThat(second).isNotDone();
        clock.advance(1);
        assertThat(second).isDone();
        assertThat(second.join().granted()).isTrue();
        assertThat(secondAt.get()).isEqualTo(start + 100 * MS);
        assertThat(third).isNotDone();
        assertThat(queue.tryAcquire(1).granted()).as("tryAcquire may not take the third waiter's slot").isFalse();

        clock.advance(100 * MS - 1);
        assertThat(third).isNotDone();
        clock.advance(1);
        assertThat(third.join().granted()).isTrue();
        assertThat(thirdAt.get()).isEqualTo(start + 200 * MS);

        Permit tooEarly = queue.tryAcquire(1);
        assertThat(tooEarly.granted()).isFalse();
        assertThat(tooEarly.retryAfterNanos()).isEqualTo(100 * MS);
        clock.advance(100 * MS);
        assertThat(queue.tryAcquire(1).granted()).isTrue();
        assertThat(clock.pendingTasks()).isZero();
    }

    /** A waiter whose slot lies beyond its own maximum wait is refused at once; one whose slot lies within it waits. */
    @Test
    public void shapingRefusesAWaitLongerThanTheCallerAccepts() {
        ManualClock clock = new ManualClock(Timeline.DEFAULT_START_NANOS);
        RateLimiter queue = target().create(Timeline.uniqueName("shaping"),
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(500)), clock);
        assertThat(queue.tryAcquire(3).granted()).isTrue();
        CompletableFuture<Permit> impatient = queue.acquireAsync(1, Duration.ofMillis(299));
        assertThat(impatient).isDone();
        assertThat(impatient.join().granted()).isFalse();
        assertThat(impatient.join().retryAfterNanos()).isEqualTo(300 * MS);
        CompletableFuture<Permit> patient = queue.acquireAsync(1, Duration.ofMillis(300));
        assertThat(patient).isNotDone();
        clock.advance(300 * MS);
        assertThat(patient.join().granted()).isTrue();
    }

    /**
     * The shaping queue as a reference: the next free slot of the outflow; a request is granted when that slot is
     * now, and moves it on by its permits' intervals.
     */
    private static final class QueueModel implements ReferenceModel {
        private final long interval;
        private final long maxDelay;
        private long nextSlot = Long.MIN_VALUE;

        QueueModel(long interval, long maxDelay) {
            this.interval = interval;
            this.maxDelay = maxDelay;
        }

        @Override
        public Decision decide(long now, long permits) {
            if (nextSlot > now) {
                return Decision.refuse(nextSlot - now);
            }
            nextSlot = now + permits * interval;
            long ahead = nextSlot - now;
            return Decision.grant(ahead > maxDelay ? 0L : (maxDelay - ahead) / interval + 1);
        }
    }
}
