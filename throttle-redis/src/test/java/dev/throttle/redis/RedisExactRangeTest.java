package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Lua numbers are doubles, exact for integers up to 2^53: a count beyond that is rounded in the scripts, and a limit
 * of 2^60 + 200 once granted 2^60 + 250. So the Redis engine takes counts (limits, capacities) up to 2^52, where a
 * count plus a request still fits, decides exactly there, and refuses anything larger when the limiter is made, with
 * an {@link IllegalArgumentException} naming the parameter and the allowed range.
 */
class RedisExactRangeTest {

    private static final long MAX_COUNT = 1L << 52;
    private static final List<Long> BEYOND = List.of((1L << 53) - 1, 1L << 53, (1L << 53) + 1, 1L << 60,
            Long.MAX_VALUE);

    private static final SideBySide BOTH = new SideBySide();

    /** One spec of each kind whose count is {@code n}, and the parameter that count is. */
    private record Row(String what, String parameter, LongFunction<LimitSpec> spec) {

        /** A composite with a per-key part is made keyed; every other spec both ways. */
        boolean plainToo() {
            return !what.contains("per-key");
        }

        boolean keyedToo() {
            return !what.contains("shared");
        }
    }

    private static final List<Row> ROWS = List.of(
            new Row("token bucket", "capacity", n -> TokenBucket.of(n, Rate.of(1, Duration.ofNanos(1)))),
            new Row("leaky bucket meter", "capacity", n -> LeakyBucket.meter(n, Rate.of(1, Duration.ofNanos(1)))),
            new Row("fixed window", "limit", n -> FixedWindow.of(n, Duration.ofMinutes(1))),
            new Row("sliding window", "limit", n -> SlidingWindow.of(n, Duration.ofNanos(1))),
            new Row("sliding log", "limit", n -> SlidingLog.of(n, Duration.ofMinutes(1))),
            new Row("concurrency", "limit", Concurrency::of),
            new Row("all-of, shared part", "limit",
                    n -> AllOf.of(AllOf.shared("day", FixedWindow.of(n, Duration.ofDays(1))))),
            new Row("all-of, per-key part", "capacity",
                    n -> AllOf.of(AllOf.perKey("burst", TokenBucket.of(n, Rate.of(1, Duration.ofNanos(1)))))));

    @AfterAll
    static void close() {
        BOTH.redis.close();
        BOTH.local.close();
    }

    /**
     * Every count beyond 2^52 is refused by name before a decision: by the spec itself where its own range is
     * smaller (a concurrency limit is an {@code int}, a sliding log holds at most 2^20 entries, a bucket drains within
     * ten years), else by the Redis engine when the limiter is made, plain or keyed.
     */
    @Test
    void countsBeyondTwoToTheFiftyTwoAreRefusedBeforeAnyDecisionNamingTheParameterAndTheRange() {
        int refusedByTheEngine = 0;
        for (Row row : ROWS) {
            for (long n : BEYOND) {
                String name = "beyond-" + row.what.replace(' ', '-') + "-" + n;
                Throwable bySpec = catchThrowable(() -> row.spec.apply(n));
                if (bySpec != null) {
                    assertThat(bySpec).as("%s of %d", row.what, n).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageStartingWith(row.parameter + " = " + n).hasMessageContaining("allowed range");
                    continue;
                }
                LimitSpec spec = row.spec.apply(n);
                if (row.plainToo()) {
                    assertThatThrownBy(() -> BOTH.redis.limiter(name, spec)).as("%s of %d", row.what, n)
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageStartingWith(row.parameter + " = " + n)
                            .hasMessageContaining("allowed range is [1, " + MAX_COUNT + "]");
                }
                if (row.keyedToo()) {
                    assertThatThrownBy(() -> BOTH.redis.keyed(name + "-keyed", spec))
                            .as("keyed %s of %d", row.what, n).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageStartingWith(row.parameter + " = " + n)
                            .hasMessageContaining("allowed range is [1, " + MAX_COUNT + "]");
                }
                refusedByTheEngine++;
            }
        }
        // Fixed windows and all-of parts of them at all five counts; buckets and sliding windows at the counts
        // their specs accept. A change that lets the specs refuse everything would leave the engine untested.
        assertThat(refusedByTheEngine).isGreaterThanOrEqualTo(10);
    }

    @Test
    void everyKindTakesTheLargestCountItsSpecAllowsUpToTwoToTheFiftyTwo() {
        for (Row row : ROWS) {
            long n = largestCount(row);
            String name = "max-" + row.what.replace(' ', '-');
            if (row.plainToo()) {
                assertThat(BOTH.redis.limiter(name, row.spec.apply(n)).spec().capacity()).as(row.what).isEqualTo(n);
            }
            if (row.keyedToo()) {
                assertThat(BOTH.redis.keyed(name + "-keyed", row.spec.apply(n)).spec().capacity())
                        .as("keyed %s", row.what).isEqualTo(n);
            }
        }
    }

    /** 2^52, or the spec's own maximum where it is smaller (found by halving). */
    private static long largestCount(Row row) {
        for (long n = MAX_COUNT; ; n /= 2) {
            long count = n;
            if (catchThrowable(() -> row.spec.apply(count)) == null) {
                return count;
            }
        }
    }

    /**
     * The case moved to the top of the range: a request that fits is granted and one that does not is
     * refused, to the permit, on both engines alike.
     */
    @Test
    void atTwoToTheFiftyTwoTheLastPermitsAreCountedExactlyAsLocally() {
        List<LimitSpec> specs = List.of(
                FixedWindow.of(MAX_COUNT, Duration.ofMinutes(1)),
                SlidingWindow.of(MAX_COUNT, Duration.ofNanos(1)),
                TokenBucket.of(MAX_COUNT, Rate.of(1, Duration.ofNanos(1))),
                LeakyBucket.meter(MAX_COUNT, Rate.of(1, Duration.ofNanos(1))));
        for (int s = 0; s < specs.size(); s++) {
            SideBySide.Twin twin = BOTH.twin("exact-" + s, specs.get(s));
            assertThat(twin.tryAcquire(MAX_COUNT - 100).granted()).as("%s", specs.get(s)).isTrue();
            assertThat(twin.tryAcquire(150).granted()).as("%s", specs.get(s)).isFalse();
            assertThat(twin.tryAcquire(100).granted()).as("%s", specs.get(s)).isTrue();
            assertThat(twin.tryAcquire(1).granted()).as("%s", specs.get(s)).isFalse();
        }
    }

    @Test
    void theLargestConcurrencyLimitHoldsToThePermit() {
        long max = Integer.MAX_VALUE; // the spec's own range
        Limiter limiter = BOTH.redis.limiter("exact-concurrency", Concurrency.of(max));
        try (Permit most = limiter.tryAcquire(max - 100)) {
            assertThat(most.granted()).isTrue();
            assertThat(limiter.tryAcquire(101).granted()).isFalse();
            try (Permit rest = limiter.tryAcquire(100)) {
                assertThat(rest.granted()).isTrue();
                assertThat(limiter.tryAcquire(1).granted()).isFalse();
            }
        }
        try (Permit all = limiter.tryAcquire(max)) {
            assertThat(all.granted()).isTrue();
        }
    }
}
