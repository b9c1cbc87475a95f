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
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

class StepRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MILLI = 1_000_000L;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final List<RateSwitch> switches = new ArrayList<>();
    private volatile double reading;

    private StepRateLimiter.Builder fourSteps() {
        return StepRateLimiter.builder("api", engine)
                .signal(now -> reading)
                .thresholds(0.5, 0.1)
                .step(Rate.perSecond(1000)).step(Rate.perSecond(500)).step(Rate.perSecond(100))
                .step(Rate.perSecond(10))
                .evaluationInterval(Duration.ofSeconds(1))
                .listener(switches::add);
    }

    /** Moves to the next whole second and asks once, which evaluates when due; returns the step after. */
    private int secondWith(StepRateLimiter limiter, double value) {
        reading = value;
        clock.advance(SECOND);
        limiter.allow();
        return limiter.currentStep();
    }

    private static List<String> timeline(List<RateSwitch> switches) {
        List<String> lines = new ArrayList<>();
        for (RateSwitch s : switches) {
            lines.add(s.atNanos() / SECOND + "s " + s.cause() + " " + s.fromLevel() + "->" + s.toLevel());
        }
        return lines;
    }

    @Test
    void switchesDownAtTheDegradeThresholdAndBackUpStepByStepAfterEachCooldown() {
        StepRateLimiter limiter = fourSteps().cooldowns(Duration.ofSeconds(1), Duration.ofSeconds(5)).build();
        assertThat(secondWith(limiter, 0.2)).isZero();          // 1 s: inside the band
        assertThat(secondWith(limiter, 0.4999)).isZero();       // 2 s: just below the threshold
        assertThat(secondWith(limiter, 0.5)).isEqualTo(1);      // 3 s: at it
        assertThat(secondWith(limiter, 0.9)).isEqualTo(2);      // 4 s: the down cooldown (1 s) has passed
        assertThat(secondWith(limiter, 0.9)).isEqualTo(3);      // 5 s
        assertThat(secondWith(limiter, 0.9)).isEqualTo(3);      // 6 s: the slowest step holds
        for (int second = 7; second <= 9; second++) {
            assertThat(secondWith(limiter, 0.05)).as("%s s, up cooldown", second).isEqualTo(3);
        }
        assertThat(secondWith(limiter, 0.05)).isEqualTo(2);     // 10 s: five seconds after the move at 5 s
        for (int second = 11; second <= 25; second++) {
            secondWith(limiter, 0.05);
        }
        assertThat(timeline(switches)).containsExactly(
                "3s DEGRADE 0->1", "4s DEGRADE 1->2", "5s DEGRADE 2->3",
                "10s RECOVER 3->2", "15s RECOVER 2->1", "20s RECOVER 1->0");
        assertThat(limiter.switches()).isEqualTo(6);
        assertThat(limiter.currentRate()).isEqualTo(Rate.perSecond(1000));
        RateSwitch first = switches.get(0);
        assertThat(first.reading()).isEqualTo(0.5);
        assertThat(first.from()).isEqualTo(TokenBucket.of(1000, Rate.perSecond(1000)));
        assertThat(first.to()).isEqualTo(TokenBucket.of(500, Rate.perSecond(500)));
    }

    @Test
    void holdsInsideTheHysteresisBandAndRecoversOnlyStrictlyBelowIt() {
        StepRateLimiter limiter = fourSteps().cooldowns(Duration.ZERO, Duration.ZERO).build();
        assertThat(secondWith(limiter, 0.7)).isEqualTo(1);
        for (double value : new double[] {0.49, 0.3, 0.1, 0.1, 0.45, 0.1}) {
            assertThat(secondWith(limiter, value)).as("reading %s", value).isEqualTo(1);
        }
        assertThat(secondWith(limiter, 0.0999)).isZero();
        assertThat(limiter.switches()).isEqualTo(2);
    }

    @Test
    void neverFlapsOnASignalOscillatingInsideTheBandForAnHour() {
        StepRateLimiter limiter = fourSteps().initialStep(1).cooldowns(Duration.ZERO, Duration.ZERO).build();
        Random random = new Random(42);
        for (int second = 0; second < 3600; second++) {
            // Swings across the whole band, touching both of its edges now and then.
            double value = second % 2 == 0 ? 0.1 + 0.3999 * random.nextDouble() : (second % 7 == 0 ? 0.1 : 0.4999);
            secondWith(limiter, value);
        }
        assertThat(limiter.switches()).isZero();
        assertThat(switches).isEmpty();
        assertThat(limiter.currentStep()).isEqualTo(1);
        assertThat(limiter.evaluations()).isEqualTo(3600);
    }

    @Test
    void aSignalSwingingAcrossBothThresholdsMovesNoFasterThanTheCooldownsAllow() {
        StepRateLimiter limiter = fourSteps().cooldowns(Duration.ofSeconds(3), Duration.ofSeconds(7)).build();
        for (int second = 1; second <= 100; second++) {
            secondWith(limiter, second % 2 == 0 ? 1.0 : 0.0);
        }
        for (int i = 1; i < switches.size(); i++) {
            RateSwitch previous = switches.get(i - 1);
            RateSwitch next = switches.get(i);
            long cooldown = next.cause() == RateSwitch.Cause.DEGRADE ? 3 * SECOND : 7 * SECOND;
            assertThat(next.atNanos() - previous.atNanos()).isGreaterThanOrEqualTo(cooldown);
        }
        // Each move waits for its cooldown and the signal's next matching second; degrading is checked first, so a
        // signal that is bad every other second walks the rate down and keeps it near the bottom.
        assertThat(timeline(switches).subList(0, 6)).containsExactly(
                "2s DEGRADE 0->1", "6s DEGRADE 1->2", "10s DEGRADE 2->3", "17s RECOVER 3->2", "20s DEGRADE 2->3",
                "27s RECOVER 3->2");
        assertThat(limiter.switches()).isEqualTo(switches.size()).isLessThanOrEqualTo(100 / 10 * 2 + 1);
    }

    @Test
    void grantedPermitsPerSecondFollowTheActiveStep() {
        // The signal is scripted on the clock: bad during seconds 2-4, well from 5 on.
        LongToDoubleFunction script = now -> now >= 2 * SECOND && now < 5 * SECOND ? 1.0 : 0.0;
        StepRateLimiter limiter = StepRateLimiter.builder("api", engine)
                .signal(script::applyAsDouble)
                .thresholds(0.5, 0.1)
                .step(TokenBucket.of(1, Rate.perSecond(1000))).step(TokenBucket.of(1, Rate.perSecond(500)))
                .step(TokenBucket.of(1, Rate.perSecond(100))).step(TokenBucket.of(1, Rate.perSecond(10)))
                .cooldowns(Duration.ZERO, Duration.ofSeconds(1))
                .build();
        long[] perSecond = new long[9];
        int[] stepOfSecond = new int[9];
        for (int millis = 0; millis < 9000; millis++) {
            while (limiter.allow()) {
                perSecond[millis / 1000]++;
            }
            if (millis % 1000 == 0) {
                stepOfSecond[millis / 1000] = limiter.currentStep();
            }
            clock.advance(MILLI);
        }
        assertThat(stepOfSecond).containsExactly(0, 0, 1, 2, 3, 2, 1, 0, 0);
        assertThat(perSecond).containsExactly(1000, 1000, 500, 100, 10, 100, 500, 1000, 1000);
    }

    @Test
    void aRequestAboveTheCurrentStepsBurstIsRefusedForNowNotRejected() {
        StepRateLimiter limiter = StepRateLimiter.builder("api", engine)
                .signal(now -> reading).thresholds(0.5, 0.1)
                .step(TokenBucket.of(10, Rate.perSecond(100))).step(TokenBucket.of(2, Rate.perSecond(10)))
                .cooldowns(Duration.ZERO, Duration.ZERO).build();
        assertThat(limiter.allow(10)).isTrue();
        reading = 1.0;
        clock.advance(SECOND);
        Permit big = limiter.tryAcquire(5);
        assertThat(limiter.currentStep()).isEqualTo(1);
        assertThat(big.granted()).isFalse();
        assertThat(big.never()).isTrue();
        assertThat(limiter.allow(5)).isFalse();
        assertThat(limiter.acquire(5, Duration.ofSeconds(1)).never()).isTrue();
        assertThat(limiter.acquireAsync(5, Duration.ofSeconds(1)).join().never()).isTrue();
        assertThat(limiter.allow(2)).isTrue();
        assertThat(limiter.spec()).isEqualTo(TokenBucket.of(2, Rate.perSecond(10)));
    }

    @Test
    void droppedPermitsFeedTheErrorRatioThatStepsTheRateDown() {
        HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(clock, Duration.ofSeconds(10), 10, 10);
        StepRateLimiter limiter = StepRateLimiter.builder("api", engine)
                .signal(errors).thresholds(0.5, 0.1).feedOutcomes(errors)
                .step(Rate.perSecond(100)).step(Rate.perSecond(10))
                .cooldowns(Duration.ZERO, Duration.ZERO).build();
        for (int i = 0; i < 10; i++) {
            Permit permit = limiter.tryAcquire();
            if (i < 5) {
                permit.dropped();
                permit.close(); // ended once: the drop stands
            } else {
                permit.close();
                permit.dropped();
            }
        }
        limiter.tryAcquire().settle(0); // neither closed nor dropped: records nothing
        assertThat(errors.calls(clock.read())).isEqualTo(10);
        assertThat(errors.failures(clock.read())).isEqualTo(5);
        clock.advance(SECOND);
        assertThat(limiter.allow()).isTrue();
        assertThat(limiter.currentStep()).isEqualTo(1);
    }

    @Test
    void waitingAcquisitionsAreWatchedAndCancellingOneGivesItsReservationBack() {
        HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(clock, Duration.ofSeconds(10), 10, 1);
        StepRateLimiter limiter = StepRateLimiter.builder("api", engine)
                .signal(errors).thresholds(0.5, 0.1).feedOutcomes(errors)
                .step(TokenBucket.of(1, Rate.perSecond(10))).step(TokenBucket.of(1, Rate.perSecond(1)))
                .build();
        assertThat(limiter.allow()).isTrue();
        CompletableFuture<Permit> cancelled = limiter.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(cancelled).isNotDone();
        cancelled.cancel(false);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofSeconds(1));
        clock.advance(100 * MILLI); // the cancelled reservation's slot went to the second waiter
        assertThat(waiting).isCompleted();
        waiting.join().dropped();
        assertThat(errors.failures(clock.read())).isEqualTo(1);
        Permit tooShort = limiter.acquire(1, Duration.ofMillis(50)); // the next slot is 100 ms away: refused at once
        assertThat(tooShort.granted()).isFalse();
        assertThat(tooShort.retryAfterNanos()).isEqualTo(100 * MILLI);
    }

    @Test
    void aFailingListenerOrSignalBreaksNoDecision() {
        List<RateSwitch> heard = new ArrayList<>();
        boolean[] broken = {false};
        StepRateLimiter limiter = StepRateLimiter.builder("api", engine)
                .signal(now -> {
                    if (broken[0]) {
                        throw new IllegalStateException("metrics backend down");
                    }
                    return reading;
                })
                .thresholds(0.5, 0.1)
                .step(Rate.perSecond(100)).step(Rate.perSecond(10))
                .listener(change -> {
                    throw new IllegalStateException("listener bug");
                })
                .listener(heard::add)
                .cooldowns(Duration.ZERO, Duration.ZERO).build();
        reading = 1.0;
        clock.advance(SECOND);
        assertThat(limiter.allow()).isTrue();
        assertThat(limiter.currentStep()).isEqualTo(1);
        assertThat(heard).hasSize(1);
        assertThat(limiter.listenerFailures()).isEqualTo(1);
        broken[0] = true;
        clock.advance(SECOND);
        assertThat(limiter.allow()).isTrue();
        assertThat(limiter.currentStep()).isEqualTo(1);
        assertThat(limiter.evaluations()).isEqualTo(2);
    }

    @Test
    void aNanReadingHoldsTheStep() {
        StepRateLimiter limiter = fourSteps().initialStep(2).cooldowns(Duration.ZERO, Duration.ZERO).build();
        for (int second = 0; second < 10; second++) {
            assertThat(secondWith(limiter, Double.NaN)).isEqualTo(2);
        }
        assertThat(limiter.currentRate()).isEqualTo(Rate.perSecond(100));
    }

    @Test
    void theFleetRunsAtTheSlowestNodesStepAndForgetsANodeThatLeft() {
        RateLevelStore store = RateLevelStore.inProcess(clock, Duration.ofSeconds(3));
        double[] readings = {0.0, 0.0};
        StepRateLimiter a = fleetNode(store, "a", readings, 0);
        StepRateLimiter b = fleetNode(store, "b", readings, 1);
        readings[0] = 1.0;
        clock.advance(SECOND);
        a.allow();
        b.allow();
        assertThat(a.currentStep()).isEqualTo(1);
        assertThat(b.localStep()).isZero();
        assertThat(b.currentStep()).isEqualTo(1);
        assertThat(store.fleetLevel()).hasValue(1);
        readings[0] = 0.0;
        clock.advance(SECOND);
        a.allow();
        b.allow();
        assertThat(a.currentStep()).isZero();
        assertThat(b.currentStep()).isZero();
        // Node a degrades, then stops asking (it left): its vote holds the fleet only until it expires.
        readings[0] = 1.0;
        clock.advance(SECOND);
        a.allow();
        b.allow();
        assertThat(b.currentStep()).isEqualTo(1);
        clock.advance(SECOND);
        b.allow();
        clock.advance(SECOND);
        b.allow();
        assertThat(b.currentStep()).isEqualTo(1);
        clock.advance(SECOND);
        b.allow();
        assertThat(store.fleetLevel()).hasValue(0);
        assertThat(b.currentStep()).isZero();
    }

    @Test
    void anUnreachableStoreLeavesTheLocalDecision() {
        RateLevelStore down = new RateLevelStore() {
            @Override
            public void publish(String node, int level) {
                throw new IllegalStateException("connection refused");
            }

            @Override
            public OptionalInt fleetLevel() {
                throw new IllegalStateException("connection refused");
            }
        };
        StepRateLimiter limiter = fourSteps().shareThrough(down, "a").cooldowns(Duration.ZERO, Duration.ZERO).build();
        assertThat(secondWith(limiter, 1.0)).isEqualTo(1);
        assertThat(secondWith(limiter, 0.0)).isZero();
    }

    private StepRateLimiter fleetNode(RateLevelStore store, String node, double[] readings, int index) {
        return StepRateLimiter.builder(node, engine)
                .signal(now -> readings[index]).thresholds(0.5, 0.1)
                .step(Rate.perSecond(100)).step(Rate.perSecond(10))
                .cooldowns(Duration.ZERO, Duration.ZERO)
                .shareThrough(store, node)
                .listener(switches::add)
                .build();
    }
}
