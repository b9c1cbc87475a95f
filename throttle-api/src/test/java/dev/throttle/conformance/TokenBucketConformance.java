package dev.throttle.conformance;

import static dev.throttle.conformance.Timeline.GRANT;
import static dev.throttle.conformance.Timeline.REFUSE;
import static dev.throttle.conformance.Timeline.at;
import static dev.throttle.conformance.Timeline.atNanos;
import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Conformance of {@link TokenBucket}: the bucket starts full, refills one permit per {@link Rate#intervalNanos()}
 * up to its capacity, and a refusal's retry time is the exact time the missing permits take to refill. Expectations
 * are computed by hand in the tables.
 */
public abstract class TokenBucketConformance extends RateConformance {

    @Override
    protected List<LimitSpec> sampleSpecs() {
        return List.of(
                TokenBucket.of(5, Rate.perSecond(10)),
                TokenBucket.of(3, Rate.perSecond(3)),
                TokenBucket.of(4, Rate.of(7, Duration.ofNanos(1000))));
    }

    @Override
    protected ReferenceModel model(LimitSpec spec) {
        TokenBucket bucket = (TokenBucket) spec;
        return new BucketModel(bucket.capacity(), bucket.refill().intervalNanos());
    }

    /** Capacity 5 at 10/s: the burst of 5 at once, then exactly one permit per 100 ms. */
    @Test
    public void burstThenSteadyRate() {
        Timeline.of(TokenBucket.of(5, Rate.perSecond(10))).steps(
                at(0).ask(1).expect(GRANT).remaining(4),
                at(0).ask(1).expect(GRANT).remaining(3),
                at(0).ask(1).expect(GRANT).remaining(2),
                at(0).ask(1).expect(GRANT).remaining(1),
                at(0).ask(1).expect(GRANT).remaining(0),
                at(0).ask(1).expect(REFUSE, 100),
                at(99).ask(1).expect(REFUSE, 1),
                atNanos(99_999_999).ask(1).expectNanos(REFUSE, 1),
                at(100).ask(1).expect(GRANT).remaining(0),
                at(100).ask(1).expect(REFUSE, 100),
                at(200).ask(1).expect(GRANT).remaining(0),
                at(300).ask(1).expect(GRANT).remaining(0),
                at(350).ask(1).expect(REFUSE, 50),
                at(400).ask(1).expect(GRANT).remaining(0))
            .verify(target());
    }

    /** A partly refilled bucket grants its whole permits only; the fraction counts toward the next one. */
    @Test
    public void partialRefill() {
        Timeline.of(TokenBucket.of(5, Rate.perSecond(10))).steps(
                at(0).ask(5).expect(GRANT).remaining(0),
                // 250 ms refill 2.5 permits.
                at(250).ask(3).expect(REFUSE, 50),
                at(250).ask(2).expect(GRANT).remaining(0),
                at(250).ask(1).expect(REFUSE, 50),
                at(300).ask(1).expect(GRANT).remaining(0),
                // 700 ms would refill 7, but the bucket holds 5.
                at(1000).ask(5).expect(GRANT).remaining(0),
                at(1000).ask(1).expect(REFUSE, 100))
            .verify(target());
    }

    /** Requests for several permits take them all or none, and wait for all of them to refill. */
    @Test
    public void weightedPermits() {
        Timeline.of(TokenBucket.of(5, Rate.perSecond(10))).steps(
                at(0).ask(3).expect(GRANT).remaining(2),
                at(0).ask(3).expect(REFUSE, 100),
                at(0).ask(2).expect(GRANT).remaining(0),
                at(0).ask(5).expect(REFUSE, 500),
                at(200).ask(5).expect(REFUSE, 300),
                at(200).ask(2).expect(GRANT).remaining(0),
                at(500).ask(5).expect(REFUSE, 200),
                at(500).ask(3).expect(GRANT).remaining(0),
                at(800).ask(4).expect(REFUSE, 100),
                at(900).ask(4).expect(GRANT).remaining(0))
            .verify(target());
    }

    /**
     * 3 per second: one permit per {@code ceil(1e9 / 3) = 333_333_334} ns (rounded up, so the rate is never
     * exceeded); the fourth permit after a first one at 0 comes 2 ns after the second is over.
     */
    @Test
    public void rateWhoseIntervalIsNotAWholeNumberOfNanoseconds() {
        assertThat(Rate.perSecond(3).intervalNanos()).isEqualTo(333_333_334L);
        Timeline.of(TokenBucket.of(1, Rate.perSecond(3))).steps(
                atNanos(0).ask(1).expect(GRANT).remaining(0),
                atNanos(0).ask(1).expectNanos(REFUSE, 333_333_334),
                atNanos(333_333_333).ask(1).expectNanos(REFUSE, 1),
                atNanos(333_333_334).ask(1).expect(GRANT).remaining(0),
                atNanos(666_666_668).ask(1).expect(GRANT).remaining(0),
                atNanos(1_000_000_000).ask(1).expectNanos(REFUSE, 2),
                atNanos(1_000_000_002).ask(1).expect(GRANT).remaining(0))
            .verify(target());
        Timeline.of(TokenBucket.of(3, Rate.perSecond(3))).steps(
                atNanos(0).ask(3).expect(GRANT).remaining(0),
                atNanos(1_000_000_000).ask(3).expectNanos(REFUSE, 2),
                atNanos(1_000_000_000).ask(2).expect(GRANT).remaining(0),
                // 1e9 - 2·333_333_334 = 333_333_332 ns of credit left: 2 ns short of one permit.
                atNanos(1_000_000_001).ask(1).expectNanos(REFUSE, 1),
                atNanos(1_000_000_002).ask(1).expect(GRANT).remaining(0))
            .verify(target());
    }
}
