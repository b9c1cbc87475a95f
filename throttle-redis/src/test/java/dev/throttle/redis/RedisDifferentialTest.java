package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One spec, two engines, the same decisions: random scripts of (time advance, permits, key) run on the local engine
 * and the Redis engine (client-time mode) on one manual clock, and every answer must match exactly: granted or not,
 * retry time, remaining. Some grants are settled later, at random (to fewer or more permits than estimated, in the
 * grant's window or after it has ended), so the scripts' adjust mode is checked too. Time advances mix small steps with window-sized jumps, so windows roll, buckets refill and
 * debts run out; the window length is an odd number of nanoseconds, so no arithmetic is helped by round numbers.
 */
class RedisDifferentialTest {

    private static final int STEPS = 600;
    private static final long[] SEEDS = {1L, 42L, 20_260_101L};
    private static final List<String> KEYS = List.of("alpha", "beta", "gamma");

    /** A spec, and the span of time over which its state goes from empty to full (a window, a bucket's drain). */
    record Case(String label, LimitSpec spec, long spanNanos, boolean settles) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Arguments> cases() {
        long window = 99_999_989L;
        List<Case> cases = List.of(
                new Case("token bucket", TokenBucket.of(10, Rate.perSecond(100)), 100_000_000L, true),
                new Case("leaky meter", LeakyBucket.meter(8, Rate.perSecond(50)), 160_000_000L, true),
                new Case("leaky shaping", LeakyBucket.shaping(Rate.perSecond(50), Duration.ofMillis(100)),
                        120_000_000L, true),
                new Case("fixed window", FixedWindow.of(10, Duration.ofNanos(window)), window, true),
                new Case("sliding window", SlidingWindow.of(10, Duration.ofNanos(window)), window, true),
                new Case("sliding log", SlidingLog.of(10, Duration.ofNanos(window)), window, true));
        List<Arguments> all = new ArrayList<>();
        for (Case c : cases) {
            for (long seed : SEEDS) {
                all.add(Arguments.of(c, seed));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, seed {1}")
    @MethodSource("cases")
    void bothEnginesDecideAlike(Case c, long seed) {
        SideBySide both = new SideBySide();
        KeyedLimiter<String>[] pair = both.keyed("diff", c.spec());
        KeyedLimiter<String> local = pair[0];
        KeyedLimiter<String> redis = pair[1];
        SplittableRandom random = new SplittableRandom(seed);
        long capacity = c.spec().capacity();
        int granted = 0;
        int refused = 0;
        int settled = 0;
        List<Permit[]> unsettled = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            both.clock.advance(advance(random, c.spanNanos()));
            String key = KEYS.get(random.nextInt(KEYS.size()));
            long permits = 1 + random.nextLong(capacity);
            Permit expected = local.tryAcquire(key, permits);
            Permit actual = redis.tryAcquire(key, permits);
            assertThat(SideBySide.outcome(actual))
                    .as("step %d at %d: %s asks %d", step, both.clock.read() - SideBySide.START, key, permits)
                    .isEqualTo(SideBySide.outcome(expected));
            if (!expected.granted()) {
                refused++;
            } else {
                granted++;
                if (c.settles() && random.nextInt(3) == 0) {
                    unsettled.add(new Permit[] {expected, actual});
                }
            }
            if (!unsettled.isEmpty() && random.nextInt(4) == 0) {
                // Settle a grant of this step or an earlier one (perhaps windows ago), to fewer or more permits.
                Permit[] grant = unsettled.remove(random.nextInt(unsettled.size()));
                long actualPermits = random.nextLong(2 * grant[0].permits() + 1);
                grant[0].settle(actualPermits);
                grant[1].settle(actualPermits);
                settled++;
            }
        }
        assertThat(granted).as("the script exercises grants").isGreaterThan(STEPS / 10);
        assertThat(refused).as("the script exercises refusals").isGreaterThan(STEPS / 20);
        assertThat(settled).isPositive();
    }

    /** Mostly small steps (within a window), some up to a window, some of exactly a window or more. */
    private static long advance(SplittableRandom random, long span) {
        int kind = random.nextInt(10);
        if (kind < 6) {
            return random.nextLong(span / 20 + 1);
        }
        if (kind < 9) {
            return random.nextLong(span + 1);
        }
        return span * (1 + random.nextInt(2)) + random.nextLong(3) - 1;
    }
}
