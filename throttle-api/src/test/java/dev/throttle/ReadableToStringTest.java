package dev.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.kernel.AllOfPermit;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.RatePermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What specs, permits and the API's own limiters print, for logs and debuggers: exact texts, so that a change to one
 * is a decision someone makes, not an accident.
 */
class ReadableToStringTest {

    @Test
    void ratesReadAsPermitsPerUnitOrPerPeriod() {
        assertThat(Rate.perSecond(100)).hasToString("100/s");
        assertThat(Rate.perMinute(6000)).hasToString("6000/min");
        assertThat(Rate.of(5, Duration.ofHours(1))).hasToString("5/h");
        assertThat(Rate.of(1, Duration.ofMillis(250))).hasToString("1/250 ms");
        assertThat(Rate.of(10, Duration.ofMillis(1500))).hasToString("10/1.5 s");
        assertThat(Rate.of(100, Duration.ofSeconds(10))).hasToString("100/10 s");
        assertThat(Rate.of(3, Duration.ofNanos(1000))).hasToString("3/µs");
    }

    @Test
    void specsNameTheirRecordAndParameters() {
        assertThat(TokenBucket.of(10, Rate.perSecond(100))).hasToString("TokenBucket[capacity=10, rate=100/s]");
        assertThat(FixedWindow.of(100, Duration.ofMinutes(1))).hasToString("FixedWindow[limit=100 per 1 min]");
        assertThat(SlidingLog.of(5, Duration.ofSeconds(30))).hasToString("SlidingLog[limit=5 per 30 s]");
        assertThat(SlidingWindow.of(100, Duration.ofMillis(500))).hasToString("SlidingWindow[limit=100 per 500 ms]");
        assertThat(LeakyBucket.meter(10, Rate.perSecond(100)))
                .hasToString("LeakyBucket[meter, capacity=10, rate=100/s]");
        assertThat(LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250)))
                .hasToString("LeakyBucket[shaping, capacity=3, rate=10/s, maxDelay=250 ms]");
        assertThat(Concurrency.of(20, 100)).hasToString("Concurrency[limit=20, queue 100 FIFO]");
        assertThat(Concurrency.of(20)).hasToString("Concurrency[limit=20, no queue]");
        assertThat(new Concurrency(4, 8, Concurrency.QueueOrder.PRIORITY))
                .hasToString("Concurrency[limit=4, queue 8 PRIORITY]");
        assertThat(ClientSideThrottling.defaults())
                .hasToString("ClientSideThrottling[k=2, window=2 min in 24 buckets]");
        assertThat(ClientSideThrottling.defaults().withK(1.5))
                .hasToString("ClientSideThrottling[k=1.5, window=2 min in 24 buckets]");
        assertThat(AllOf.of(AllOf.shared("global", TokenBucket.of(500, Rate.perSecond(500))),
                AllOf.perKey("per-client", SlidingWindow.of(100, Duration.ofMinutes(1)))))
                .hasToString("AllOf[global: TokenBucket[capacity=500, rate=500/s], "
                        + "per-client (per key): SlidingWindow[limit=100 per 1 min]]");
    }

    @Test
    void specsInWordsAreWhatLimitersPrint() {
        assertThat(SpecText.describe(TokenBucket.of(10, Rate.perSecond(100)))).isEqualTo("token bucket 10, 100/s");
        assertThat(SpecText.describe(FixedWindow.of(100, Duration.ofMinutes(1))))
                .isEqualTo("fixed window 100 per 1 min");
        assertThat(SpecText.describe(SlidingLog.of(5, Duration.ofSeconds(30)))).isEqualTo("sliding log 5 per 30 s");
        assertThat(SpecText.describe(SlidingWindow.of(100, Duration.ofMinutes(1))))
                .isEqualTo("sliding window 100 per 1 min");
        assertThat(SpecText.describe(LeakyBucket.meter(10, Rate.perSecond(100)))).isEqualTo("leaky bucket 10, 100/s");
        assertThat(SpecText.describe(LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250))))
                .isEqualTo("shaping queue 10/s, max delay 250 ms");
        assertThat(SpecText.describe(Concurrency.of(20))).isEqualTo("concurrency 20");
        assertThat(SpecText.describe(Concurrency.of(20, 100))).isEqualTo("concurrency 20, queue 100 FIFO");
        assertThat(SpecText.describe(ClientSideThrottling.defaults()))
                .isEqualTo("client-side throttling k=2 over 2 min");
        assertThat(SpecText.describe(AllOf.of(AllOf.shared("global", TokenBucket.of(500, Rate.perSecond(500))),
                AllOf.perKey("per-client", SlidingWindow.of(100, Duration.ofMinutes(1))),
                AllOf.shared("orders-db", Concurrency.of(16)))))
                .isEqualTo("all of global (token bucket 500, 500/s), per-client per key (sliding window 100 per 1 min),"
                        + " orders-db (concurrency 16)");
        assertThat(SpecText.percent(0.5)).isEqualTo("50%");
        assertThat(SpecText.percent(1.0 / 3.0)).isEqualTo("33.3%");
    }

    @Test
    void permitsSayWhatWasGrantedOrWhenToRetry() {
        assertThat(new RatePermit("api", 1, 7, 10, RatePermit.Account.NONE, 0L))
                .hasToString("Permit[api: granted 1, 7/10 left]");
        assertThat(RefusedPermit.of("api", 1, 250_000_000L, 0, 10))
                .hasToString("Permit[api: refused 1, retry after 250 ms]");
        assertThat(RefusedPermit.of("api", 11, Permit.NEVER, 0, 10))
                .hasToString("Permit[api: refused 11, can never be granted]");
        assertThat(RefusedPermit.untilReleased("db", 2, 0, 20))
                .hasToString("Permit[db: refused 2, retry when a permit is released]");

        HeldPermit held = new HeldPermit("db", 1, 19, 20, (permit, count, dropped) -> { }, 0L, 0L);
        assertThat(held).hasToString("Permit[db: granted 1, 19/20 left]");
        held.close();
        assertThat(held).hasToString("Permit[db: granted 1, 19/20 left, ended]");

        Permit[] parts = {new RatePermit("global", 2, 400, 500, RatePermit.Account.NONE, 0L),
                new RatePermit("per-client", 2, 7, 100, RatePermit.Account.NONE, 0L)};
        assertThat(AllOfPermit.of("checkout", 2, parts)).hasToString("Permit[checkout: granted 2, 7/100 left]");
    }

    @Test
    void composedAndShadowLimitersShowTheirParts() {
        Limiter global = new Fixed("global", TokenBucket.of(500, Rate.perSecond(500)), 400);
        Limiter db = new Fixed("orders-db", Concurrency.of(16), 13);
        Limiter checkout = Limiters.allOf("checkout", global, db);
        assertThat(checkout).hasToString(
                "Limiter[checkout: all of Fixed[global: 400 available], Fixed[orders-db: 13 available]]");

        ShadowLimiter shadow = Limiters.shadow(new Fixed("api", TokenBucket.of(1, Rate.perSecond(1)), 0));
        shadow.tryAcquire(1);
        assertThat(shadow).hasToString("Limiter[shadow of Fixed[api: 0 available]: 1 of 1 would have been refused]");
    }

    @Test
    void partsListTheirSharedOrPerKeyState() {
        assertThat(List.of(AllOf.shared("a", Concurrency.of(1)), AllOf.perKey("b", Concurrency.of(2))))
                .hasToString("[a: Concurrency[limit=1, no queue], b (per key): Concurrency[limit=2, no queue]]");
    }

    /** A limiter that grants while it has permits left, and says so; its spec is any. */
    private static final class Fixed extends ImmediateLimiter {
        private final String name;
        private final LimitSpec spec;
        private final long available;

        Fixed(String name, LimitSpec spec, long available) {
            this.name = name;
            this.spec = spec;
            this.available = available;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public LimitSpec spec() {
            return spec;
        }

        @Override
        public Permit tryAcquire(long permits) {
            return permits <= available
                    ? new RatePermit(name, permits, available - permits, spec.capacity(), RatePermit.Account.NONE, 0L)
                    : RefusedPermit.of(name, permits, 1_000_000L, available, spec.capacity());
        }

        @Override
        public long availablePermits() {
            return available;
        }

        @Override
        public String toString() {
            return "Fixed[" + name + ": " + available + " available]";
        }
    }
}
