package dev.throttle.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input is refused with an {@link IllegalArgumentException} whose message names the parameter and, where a range
 * applies, states it exactly as {@link dev.throttle.Arguments} words it; a bad call on a limiter leaves its state
 * exactly as a twin's that never saw the call.
 */
class BadInputTest {

    private static final String POSITIVE = "[1, 9223372036854775807]";
    private static final String NON_NEGATIVE = "[0, 9223372036854775807]";
    private static final String PERIOD = "[PT0.000000001S, PT87600H]";
    private static final String WAIT = "[PT0S, PT87600H]";
    /** Ten years of seconds: the largest bucket refilling at one permit per second. */
    private static final String TEN_YEARS_OF_SECONDS = "[1, 315360000]";

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final Duration NEGATIVE = Duration.ofNanos(-1);
    private static final Duration OVERFLOWING = Duration.ofSeconds(Long.MAX_VALUE);
    private static final Duration OVER_TEN_YEARS = Duration.ofDays(3651);
    private static final Rate TEN_PER_SECOND = Rate.perSecond(10);
    private static final TokenBucket BUCKET = TokenBucket.of(5, TEN_PER_SECOND);

    /** A call expected to fail, the parameter its message must name, and the range it must state (or null). */
    record Bad(String label, ThrowingCallable call, String parameter, String range) {
        @Override
        public String toString() {
            return label;
        }
    }

    /** A bad call on a limiter already holding one granted permit ({@code held}). */
    record BadCall(String label, LimitSpec spec, BiConsumer<RateLimiter, Permit> call, String parameter,
            String range) {
        @Override
        public String toString() {
            return label + " on " + spec;
        }
    }

    static Stream<Bad> invalidSpecsAndEngineCalls() {
        LocalEngine engine = LocalEngine.create();
        return Stream.of(
                bad("FixedWindow limit 0", () -> FixedWindow.of(0, SECOND), "limit", POSITIVE),
                bad("FixedWindow limit -1", () -> FixedWindow.of(-1, SECOND), "limit", POSITIVE),
                bad("FixedWindow window 0", () -> FixedWindow.of(1, Duration.ZERO), "window", PERIOD),
                bad("FixedWindow window -1 ns", () -> FixedWindow.of(1, NEGATIVE), "window", PERIOD),
                bad("FixedWindow window overflowing nanos", () -> FixedWindow.of(1, OVERFLOWING), "window", PERIOD),
                bad("FixedWindow window over 10 years", () -> FixedWindow.of(1, OVER_TEN_YEARS), "window", PERIOD),
                bad("FixedWindow window null", () -> FixedWindow.of(1, null), "window", null),
                bad("SlidingLog limit 0", () -> SlidingLog.of(0, SECOND), "limit", "[1, 1048576]"),
                bad("SlidingLog limit 2^20 + 1", () -> SlidingLog.of((1L << 20) + 1, SECOND), "limit",
                        "[1, 1048576]"),
                bad("SlidingLog window 0", () -> SlidingLog.of(1, Duration.ZERO), "window", PERIOD),
                bad("SlidingLog window over 10 years", () -> SlidingLog.of(1, OVER_TEN_YEARS), "window", PERIOD),
                bad("SlidingLog window null", () -> SlidingLog.of(1, null), "window", null),
                bad("SlidingWindow limit 0", () -> SlidingWindow.of(0, SECOND), "limit", POSITIVE),
                bad("SlidingWindow window -1 ns", () -> SlidingWindow.of(1, NEGATIVE), "window", PERIOD),
                bad("SlidingWindow window overflowing nanos", () -> SlidingWindow.of(1, OVERFLOWING), "window",
                        PERIOD),
                bad("SlidingWindow window null", () -> SlidingWindow.of(1, null), "window", null),
                bad("TokenBucket capacity 0", () -> TokenBucket.of(0, TEN_PER_SECOND), "capacity", POSITIVE),
                bad("TokenBucket capacity -1", () -> TokenBucket.of(-1, TEN_PER_SECOND), "capacity", POSITIVE),
                bad("TokenBucket refill null", () -> TokenBucket.of(1, null), "refill", null),
                bad("TokenBucket taking over 10 years to refill", () -> TokenBucket.of(Long.MAX_VALUE,
                        Rate.perSecond(1)), "capacity", TEN_YEARS_OF_SECONDS),
                bad("Rate permits 0", () -> Rate.perSecond(0), "permits", POSITIVE),
                bad("Rate permits -1", () -> Rate.of(-1, SECOND), "permits", POSITIVE),
                bad("Rate period 0", () -> Rate.of(1, Duration.ZERO), "period", PERIOD),
                bad("Rate period -1 ns", () -> Rate.of(1, NEGATIVE), "period", PERIOD),
                bad("Rate period overflowing nanos", () -> Rate.of(1, OVERFLOWING), "period", PERIOD),
                bad("Rate period over 10 years", () -> Rate.of(1, OVER_TEN_YEARS), "period", PERIOD),
                bad("Rate period null", () -> Rate.of(1, null), "period", null),
                bad("Rate 2 per ns", () -> Rate.of(2, Duration.ofNanos(1)), "permits", "[1, 1]"),
                bad("Rate faster than 1 per ns", () -> Rate.perSecond(1_000_000_001), "permits",
                        "[1, 1000000000]"),
                bad("LeakyBucket capacity 0", () -> LeakyBucket.meter(0, TEN_PER_SECOND), "capacity", POSITIVE),
                bad("LeakyBucket outflow null", () -> LeakyBucket.meter(1, null), "outflow", null),
                bad("LeakyBucket mode null", () -> new LeakyBucket(1, TEN_PER_SECOND, null, Duration.ZERO), "mode",
                        null),
                bad("LeakyBucket meter with a delay", () -> new LeakyBucket(1, TEN_PER_SECOND,
                        LeakyBucket.Mode.METER, SECOND), "maxDelay", "[PT0S, PT0S]"),
                bad("LeakyBucket taking over 10 years to drain", () -> LeakyBucket.meter(Long.MAX_VALUE,
                        Rate.perSecond(1)), "capacity", TEN_YEARS_OF_SECONDS),
                bad("LeakyBucket shaping capacity above its queue", () -> new LeakyBucket(4, TEN_PER_SECOND,
                        LeakyBucket.Mode.SHAPING, Duration.ofMillis(250)), "capacity", "[3, 3]"),
                bad("LeakyBucket shaping capacity below its queue", () -> new LeakyBucket(2, TEN_PER_SECOND,
                        LeakyBucket.Mode.SHAPING, Duration.ofMillis(250)), "capacity", "[3, 3]"),
                bad("LeakyBucket shaping maxDelay -1 ns", () -> LeakyBucket.shaping(TEN_PER_SECOND, NEGATIVE),
                        "maxDelay", WAIT),
                bad("LeakyBucket shaping maxDelay overflowing nanos", () -> LeakyBucket.shaping(TEN_PER_SECOND,
                        OVERFLOWING), "maxDelay", WAIT),
                bad("LeakyBucket shaping maxDelay over 10 years", () -> LeakyBucket.shaping(TEN_PER_SECOND,
                        OVER_TEN_YEARS), "maxDelay", WAIT),
                bad("LeakyBucket shaping maxDelay null", () -> LeakyBucket.shaping(TEN_PER_SECOND, null),
                        "maxDelay", null),
                bad("LeakyBucket shaping outflow null", () -> LeakyBucket.shaping(null, SECOND), "outflow", null),
                bad("Concurrency limit 0", () -> Concurrency.of(0), "limit", "[1, 2147483647]"),
                bad("Concurrency limit 2^31", () -> Concurrency.of(1L << 31), "limit", "[1, 2147483647]"),
                bad("Concurrency maxQueue -1", () -> Concurrency.of(1, -1), "maxQueue", "[0, 2147483647]"),
                bad("Concurrency order null", () -> new Concurrency(1, 0, null), "order", null),
                bad("rateLimiter name null", () -> engine.rateLimiter(null, BUCKET), "name", null),
                bad("rateLimiter name empty", () -> engine.rateLimiter("", BUCKET), "name", null),
                bad("rateLimiter spec null", () -> engine.rateLimiter("x", null), "spec", null),
                bad("limiter name null", () -> engine.limiter(null, BUCKET), "name", null),
                bad("limiter name empty", () -> engine.limiter("", BUCKET), "name", null),
                bad("limiter spec null", () -> engine.limiter("x", null), "spec", null),
                bad("builder ticker null", () -> LocalEngine.builder().ticker(null), "ticker", null),
                bad("builder scheduler null", () -> LocalEngine.builder().scheduler(null), "scheduler", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecsAndEngineCalls")
    void invalidSpecOrEngineCallIsRefused(Bad bad) {
        assertRefused(bad.call(), bad.parameter(), bad.range());
    }

    static Stream<BadCall> invalidLimiterCalls() {
        List<LimitSpec> specs = List.of(
                BUCKET,
                LeakyBucket.meter(5, TEN_PER_SECOND),
                LeakyBucket.shaping(TEN_PER_SECOND, Duration.ofMillis(250)),
                FixedWindow.of(5, SECOND),
                SlidingLog.of(5, SECOND),
                SlidingWindow.of(5, SECOND));
        List<BadCall> calls = new ArrayList<>();
        for (LimitSpec spec : specs) {
            long over = spec.capacity() + 1;
            String permits = "[1, " + spec.capacity() + "]";
            calls.add(call("tryAcquire(0)", spec, (l, held) -> l.tryAcquire(0), "permits", permits));
            calls.add(call("tryAcquire(-1)", spec, (l, held) -> l.tryAcquire(-1), "permits", permits));
            calls.add(call("tryAcquire(MIN_VALUE)", spec, (l, held) -> l.tryAcquire(Long.MIN_VALUE), "permits",
                    permits));
            calls.add(call("tryAcquire(capacity + 1)", spec, (l, held) -> l.tryAcquire(over), "permits", permits));
            calls.add(call("tryAcquire(MAX_VALUE)", spec, (l, held) -> l.tryAcquire(Long.MAX_VALUE), "permits",
                    permits));
            calls.add(call("allow(0)", spec, (l, held) -> l.allow(0), "permits", permits));
            calls.add(call("allow(-1)", spec, (l, held) -> l.allow(-1), "permits", permits));
            calls.add(call("allow(capacity + 1)", spec, (l, held) -> l.allow(over), "permits", permits));
            calls.add(call("acquire(0, 1 s)", spec, (l, held) -> l.acquire(0, SECOND), "permits", permits));
            calls.add(call("acquire(capacity + 1, 1 s)", spec, (l, held) -> l.acquire(over, SECOND), "permits",
                    permits));
            calls.add(call("acquire(1, -1 ns)", spec, (l, held) -> l.acquire(1, NEGATIVE), "maxWait", WAIT));
            calls.add(call("acquire(1, overflowing)", spec, (l, held) -> l.acquire(1, OVERFLOWING), "maxWait",
                    WAIT));
            calls.add(call("acquire(1, over 10 years)", spec, (l, held) -> l.acquire(1, OVER_TEN_YEARS), "maxWait",
                    WAIT));
            calls.add(call("acquire(1, null)", spec, (l, held) -> l.acquire(1, null), "maxWait", null));
            calls.add(call("acquireAsync(0, 1 s)", spec, (l, held) -> l.acquireAsync(0, SECOND), "permits",
                    permits));
            calls.add(call("acquireAsync(capacity + 1, 1 s)", spec, (l, held) -> l.acquireAsync(over, SECOND),
                    "permits", permits));
            calls.add(call("acquireAsync(1, -1 ns)", spec, (l, held) -> l.acquireAsync(1, NEGATIVE), "maxWait",
                    WAIT));
            calls.add(call("acquireAsync(1, overflowing)", spec, (l, held) -> l.acquireAsync(1, OVERFLOWING),
                    "maxWait", WAIT));
            calls.add(call("acquireAsync(1, over 10 years)", spec, (l, held) -> l.acquireAsync(1, OVER_TEN_YEARS),
                    "maxWait", WAIT));
            calls.add(call("acquireAsync(1, null)", spec, (l, held) -> l.acquireAsync(1, null), "maxWait", null));
            calls.add(call("settle(-1)", spec, (l, held) -> held.settle(-1), "actualPermits", NON_NEGATIVE));
        }
        return calls.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidLimiterCalls")
    void invalidCallIsRefusedAndChangesNothing(BadCall bad) {
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        RateLimiter limiter = rateLimiterFor(engine, bad.spec());
        RateLimiter twin = engine.rateLimiter("twin", bad.spec());
        // Both hold one permit, so the state under test is not the initial one.
        Permit held = limiter.tryAcquire(1);
        Permit twinHeld = twin.tryAcquire(1);
        assertThat(held.granted()).isTrue();
        assertThat(twinHeld.granted()).isTrue();

        assertRefused(() -> bad.call().accept(limiter, held), bad.parameter(), bad.range());

        assertThat(clock.pendingTasks()).as("nothing scheduled").isZero();
        assertThat(limiter.availablePermits()).isEqualTo(twin.availablePermits());
        // The held permit can still be settled once (a refused settle does not count).
        held.settle(1);
        twinHeld.settle(1);
        long capacity = bad.spec().capacity();
        long step = Math.max(1L, bad.spec().restNanos() / capacity / 2);
        for (int i = 0; i < 4 * capacity; i++) {
            long permits = 1 + i % capacity;
            Permit mine = limiter.tryAcquire(permits);
            Permit theirs = twin.tryAcquire(permits);
            String where = "decision " + i + " after the bad call: " + mine + " vs twin " + theirs;
            assertThat(mine.granted()).as(where).isEqualTo(theirs.granted());
            assertThat(mine.retryAfterNanos()).as(where).isEqualTo(theirs.retryAfterNanos());
            assertThat(mine.remaining()).as(where).isEqualTo(theirs.remaining());
            clock.advance(i % 3 == 0 ? 0L : step);
        }
    }

    /** Builds the limiter: every valid rate spec is supported by the local engine. */
    private static RateLimiter rateLimiterFor(LocalEngine engine, LimitSpec spec) {
        return engine.rateLimiter("limiter", spec);
    }

    private static void assertRefused(ThrowingCallable call, String parameter, String range) {
        var refusal = assertThatThrownBy(call)
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(parameter + " ");
        if (range != null) {
            refusal.hasMessageContaining("; allowed range is " + range);
        }
    }

    private static Bad bad(String label, ThrowingCallable call, String parameter, String range) {
        return new Bad(label, call, parameter, range);
    }

    private static BadCall call(String label, LimitSpec spec, BiConsumer<RateLimiter, Permit> call,
            String parameter, String range) {
        return new BadCall(label, spec, call, parameter, range);
    }
}
