package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.examples.GatewaySimulation.Minute;
import dev.throttle.examples.LlmGateway.Admission;
import dev.throttle.examples.LlmGateway.Reason;
import dev.throttle.examples.LlmGateway.Tier;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.adaptive.RateSwitch;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the gateway on a manual clock: each limit's effect is checked on the simulation and on a few calls by hand. */
class LlmGatewayTest {

    private static final String A = "provider-a";
    private static final String B = "provider-b";

    private final GatewaySimulation.Report report = GatewaySimulation.run(new ManualClock());

    @Test
    void noProviderIsChargedMoreThanItsBudgetAllows() {
        for (String provider : GatewaySimulation.PROVIDERS) {
            List<Minute> minutes = report.minutes().get(provider);
            assertThat(minutes).hasSize(GatewaySimulation.MINUTES);
            long settled = 0;
            long admitted = 0;
            for (int m = 0; m < minutes.size(); m++) {
                settled += minutes.get(m).settled;
                admitted += minutes.get(m).admitted[0] + minutes.get(m).admitted[1];
                // Each bucket starts full with one minute's worth and refills at its rate: by the end of minute
                // m + 1 no more than m + 2 minutes' worth can have been spent. Every call here used fewer tokens
                // than it estimated, so no settle went into debt.
                assertThat(settled).as("%s tokens by minute %d", provider, m + 1)
                        .isLessThanOrEqualTo(LlmGateway.TOKENS_PER_MINUTE * (m + 2));
                assertThat(admitted).as("%s requests by minute %d", provider, m + 1)
                        .isLessThanOrEqualTo(LlmGateway.REQUESTS_PER_MINUTE * (m + 2));
            }
        }
    }

    @Test
    void refundsLetFarMoreEstimatedTokensThroughThanTheBudgetHolds() {
        for (String provider : GatewaySimulation.PROVIDERS) {
            long estimated = report.minutes().get(provider).stream().mapToLong(m -> m.estimated).sum();
            // Without settling, the estimates alone could never pass this much in six minutes.
            assertThat(estimated).as(provider)
                    .isGreaterThan(LlmGateway.TOKENS_PER_MINUTE * (GatewaySimulation.MINUTES + 1));
        }
    }

    @Test
    void settlingBelowTheEstimateMakesALaterRequestFit() {
        LlmGateway gateway = new LlmGateway(LocalEngine.builder().ticker(new ManualClock()).build(), A);

        Admission big = gateway.admit(A, Tier.PREMIUM, 30_000);
        Admission tooMuch = gateway.admit(A, Tier.PREMIUM, 20_000);
        gateway.complete(A, big, 5_000, Duration.ofSeconds(1));
        Admission fits = gateway.admit(A, Tier.PREMIUM, 20_000);

        assertThat(big.admitted()).isTrue();
        assertThat(tooMuch.refusedBy()).isEqualTo(Reason.TPM); // 10,000 left of 40,000
        assertThat(fits.admitted()).isTrue(); // 25,000 came back: 35,000 left
    }

    @Test
    void premiumsReserveIsKeptFromFreeRequests() {
        LlmGateway gateway = new LlmGateway(LocalEngine.builder().ticker(new ManualClock()).build(), A);

        Admission free = gateway.admit(A, Tier.FREE, 25_000); // all the unreserved tokens
        Admission moreFree = gateway.admit(A, Tier.FREE, 1);
        Admission premium = gateway.admit(A, Tier.PREMIUM, 15_000);

        assertThat(free.admitted()).isTrue();
        assertThat(moreFree.refusedBy()).isEqualTo(Reason.RESERVE);
        assertThat(premium.admitted()).isTrue();
    }

    @Test
    void aRequestTheBudgetRefusesCostsTheStepLimiterNothing() {
        LlmGateway gateway = new LlmGateway(LocalEngine.builder().ticker(new ManualClock()).build(), A);
        gateway.admit(A, Tier.FREE, 25_000);

        // The step limiter holds 120 requests at once: had each refusal kept its step permit, the last 80 of these
        // would be refused by the step limiter instead.
        for (int i = 0; i < 200; i++) {
            assertThat(gateway.admit(A, Tier.FREE, 1).refusedBy()).as("request %d", i).isEqualTo(Reason.RESERVE);
        }
        assertThat(gateway.admit(A, Tier.PREMIUM, 1).admitted()).isTrue();
    }

    @Test
    void inTheSimulationFreeRequestsMetTheReserveWhilePremiumOnesWereAdmitted() {
        int freeRefusedByReserve = 0;
        for (String provider : GatewaySimulation.PROVIDERS) {
            for (Minute m : report.minutes().get(provider)) {
                assertThat(m.refused[Tier.PREMIUM.ordinal()][Reason.RESERVE.ordinal()]).isZero();
                int free = m.refused[Tier.FREE.ordinal()][Reason.RESERVE.ordinal()];
                if (free > 0) {
                    assertThat(m.admitted[Tier.PREMIUM.ordinal()]).isPositive();
                }
                freeRefusedByReserve += free;
            }
        }
        assertThat(freeRefusedByReserve).isEqualTo(28);
    }

    @Test
    void theStepLimiterSlowsTheSlowProviderDownAndRestoresItAfter() {
        List<RateSwitch> switches = report.switches();

        assertThat(switches).extracting(RateSwitch::limiterName).containsOnly(A + "/step");
        assertThat(switches).extracting(RateSwitch::cause).containsExactly(RateSwitch.Cause.DEGRADE,
                RateSwitch.Cause.DEGRADE, RateSwitch.Cause.RECOVER, RateSwitch.Cause.RECOVER);
        assertThat(switches).extracting(RateSwitch::toLevel).containsExactly(1L, 2L, 1L, 0L);
        // Since reconfiguring a bucket keeps the part of a permit already refilled (each step move used to lose up to
        // a permit), the recoveries come 5 and 6 s sooner than they did (242 and 290 s), the fourth minute ends at
        // step 1, and the step refuses fewer (28, 57, 39 a minute where it refused 29, 60, 45).
        assertThat(switches).extracting(s -> Duration.ofNanos(s.atNanos()).toSeconds())
                .containsExactly(137L, 153L, 237L, 284L);
        // Down while slow (2:00 to 3:30): at a p95 of 3 s or more; up after, below 1.5 s.
        long slowFrom = GatewaySimulation.SLOW_FROM.toNanos();
        long slowUntil = GatewaySimulation.SLOW_UNTIL.toNanos();
        for (RateSwitch s : switches) {
            if (s.cause() == RateSwitch.Cause.DEGRADE) {
                assertThat(s.atNanos()).isBetween(slowFrom, slowUntil);
                assertThat(s.reading()).isGreaterThanOrEqualTo(LlmGateway.DEGRADE_AT.toNanos());
            } else {
                assertThat(s.atNanos()).isGreaterThan(slowUntil);
                assertThat(s.reading()).isLessThan(LlmGateway.RECOVER_BELOW.toNanos());
            }
        }
        assertThat(report.minutes().get(A)).extracting(m -> m.step).containsExactly(0, 0, 2, 1, 0, 0);
        assertThat(report.minutes().get(A)).extracting(m -> m.refused(Reason.STEP))
                .containsExactly(0, 0, 28, 57, 39, 0);
        assertThat(report.minutes().get(B)).allSatisfy(m -> assertThat(m.refused(Reason.STEP)).isZero());
    }

    @Test
    void everyRunIsTheSame() {
        GatewaySimulation.Report again = GatewaySimulation.run(new ManualClock());

        for (String provider : GatewaySimulation.PROVIDERS) {
            List<Minute> first = report.minutes().get(provider);
            List<Minute> second = again.minutes().get(provider);
            for (int m = 0; m < first.size(); m++) {
                assertThat(second.get(m).admitted).isEqualTo(first.get(m).admitted);
                assertThat(second.get(m).refused).isEqualTo(first.get(m).refused);
                assertThat(second.get(m).settled).isEqualTo(first.get(m).settled);
            }
        }
        assertThat(again.switches()).isEqualTo(report.switches());
        assertThat(report.minutes().get(B)).extracting(m -> m.admitted[0] + m.admitted[1])
                .containsExactly(87, 87, 63, 62, 60, 60);
    }
}
