package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AimdRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final List<String> changes = new ArrayList<>();
    private volatile double reading;

    private AimdRateLimiter limiter(long min, long initial, long max) {
        return AimdRateLimiter.builder("aimd", engine)
                .rates(min, initial, max).increase(10).decreaseFactor(0.5)
                .evaluationInterval(Duration.ofSeconds(1)).cooldown(Duration.ofSeconds(3))
                .signal(now -> reading, 0.5)
                .burst(5)
                .listener(c -> changes.add(c.atNanos() / (SECOND / 10) / 10.0 + "s " + c.cause() + " "
                        + c.fromLevel() + "->" + c.toLevel()))
                .build();
    }

    /** Moves the clock to an absolute time in tenths of a second and asks once. */
    private Permit at(double seconds, AimdRateLimiter limiter) {
        clock.advance(Math.round(seconds * SECOND) - clock.read());
        return limiter.tryAcquire();
    }

    @Test
    void theRateAfterAScriptedSequenceOfHealthyIntervalsDropsAndBadReadingsIsExact() {
        AimdRateLimiter limiter = limiter(10, 100, 200);
        at(1, limiter);
        at(2, limiter);
        at(3, limiter);
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(130);
        at(3.5, limiter).dropped();                 // acted on at once
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(65);
        at(4, limiter);                             // the interval had a drop: no increase
        at(4.5, limiter).dropped();                 // inside the cooldown: no second decrease
        at(5, limiter);                             // a drop again in this interval
        at(6, limiter);                             // healthy
        reading = 0.7;
        at(7, limiter);                             // unhealthy reading, cooled down since 3.5 s
        at(8, limiter);                             // unhealthy, within the cooldown: holds
        reading = 0.1;
        at(9, limiter);
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(47);
        assertThat(limiter.currentRate()).isEqualTo(Rate.perSecond(47));
        assertThat(limiter.spec()).isEqualTo(TokenBucket.of(5, Rate.perSecond(47)));
        assertThat(changes).containsExactly("1.0s INCREASE 100->110", "2.0s INCREASE 110->120",
                "3.0s INCREASE 120->130", "3.5s DECREASE 130->65", "6.0s INCREASE 65->75",
                "7.0s DECREASE 75->37", "9.0s INCREASE 37->47");
        assertThat(limiter.evaluations()).isEqualTo(9);
    }

    @Test
    void theRateStaysWithinItsBounds() {
        AimdRateLimiter limiter = limiter(10, 100, 200);
        for (int second = 1; second <= 30; second++) {
            at(second, limiter);
        }
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(200);
        for (int second = 31; second <= 80; second += 3) {
            at(second, limiter).dropped();
        }
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(10);
        assertThat(changes).filteredOn(c -> c.contains("DECREASE")).hasSize(5); // 200, 100, 50, 25, 12, 10
    }

    @Test
    void anIncreaseAsLargeAsTheBuilderTakesStopsAtTheMaximumRate() {
        // rate + increase would overflow a long: it must stop at maxRate, not wrap negative and break the next request.
        AimdRateLimiter limiter = AimdRateLimiter.builder("aimd", engine).rates(1, 100, 1000).increase(Long.MAX_VALUE)
                .evaluationInterval(Duration.ofSeconds(1)).build();
        at(1, limiter);
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(1000);
        assertThat(at(2, limiter).granted()).isTrue();
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(1000);
    }

    @Test
    void grantsFollowTheRateAndAClosedPermitIsNoDrop() {
        AimdRateLimiter limiter = AimdRateLimiter.builder("aimd", engine)
                .rates(1, 10, 100).increase(10).decreaseFactor(0.5).build();
        int granted = 0;
        for (int i = 0; i < 10; i++) {
            try (Permit permit = limiter.tryAcquire()) {
                granted += permit.granted() ? 1 : 0;
            }
            clock.advance(SECOND / 10);
        }
        assertThat(granted).isEqualTo(10);
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(10); // the first evaluation is due at 1 s
        Permit permit = limiter.tryAcquire();
        assertThat(permit.granted()).isTrue();
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(20); // healthy: closed permits are no drops
        permit.dropped();
        permit.dropped();
        assertThat(limiter.currentPermitsPerPeriod()).isEqualTo(10);
        assertThat(limiter.tryAcquire().granted()).isFalse(); // one burst permit, refilled 100 ms after the last
    }
}
