package dev.throttle.examples;

import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.local.LlmBudget;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.adaptive.HealthSignal;
import dev.throttle.local.adaptive.RateSwitch;
import dev.throttle.local.adaptive.StepRateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Example 5, an LLM gateway sketch. Two providers each have a budget of requests and tokens per minute (RPM, TPM)
 * with two tiers: {@code premium} has a reserved share of the tokens, {@code free} may only use the rest.
 * A call is admitted on an estimate (prompt tokens + the most it may answer) and settled with the tokens the provider
 * reports, so what it did not use goes back to the budget at once. In front of each budget a {@link StepRateLimiter}
 * watches the provider's p95 latency and lowers the request rate one step while the provider is slow, then restores
 * it once the latency has been back to normal for a while.
 *
 * <p>{@link GatewaySimulation} drives it with a seeded stream of prompts on a {@link ManualClock}: six simulated
 * minutes run in a moment, the same on every run. Run it from the repository root with {@code ./mvnw -B -ntp -pl
 * examples -am compile -Prun -Dexec.mainClass=dev.throttle.examples.LlmGateway}.
 */
public final class LlmGateway {

    /** Requests per minute of each provider's budget. */
    static final long REQUESTS_PER_MINUTE = 60;
    /** Tokens per minute of each provider's budget. */
    static final long TOKENS_PER_MINUTE = 40_000;
    /** Tokens per minute that only premium requests may use: free requests share the other 25,000. */
    static final long PREMIUM_RESERVE = 15_000;
    /** The step limiter lowers the rate when the p95 latency reaches this, and raises it below the next. */
    static final Duration DEGRADE_AT = Duration.ofSeconds(3);
    /** The latency under which the step limiter goes back up a step. */
    static final Duration RECOVER_BELOW = Duration.ofMillis(1_500);

    /** The two request classes of the gateway. */
    enum Tier {
        /** Paying users: a reserved share of every provider's tokens. */
        PREMIUM,
        /** Everyone else: only the tokens not reserved for premium. */
        FREE;

        String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Which limit refused a request, from the refusing limit's name. */
    enum Reason {
        /** The provider's requests per minute. */
        RPM,
        /** The provider's tokens per minute. */
        TPM,
        /** The unreserved share ran out: what is left is kept for premium. */
        RESERVE,
        /** The step limiter, lowered on the provider's latency. */
        STEP
    }

    /**
     * A gateway's answer to one request.
     *
     * @param permit the budget's permit when admitted: settle it with the tokens used, then close it
     * @param refusedBy the limit that refused, when refused
     */
    record Admission(Permit permit, Reason refusedBy) {
        boolean admitted() {
            return refusedBy == null;
        }
    }

    /** One provider: its token budget, the latency it is watched on and the step limiter steered by it. */
    private static final class Provider {
        final LlmBudget budget;
        final HealthSignal.LatencyPercentile p95;
        final StepRateLimiter steps;

        Provider(String name, LocalEngine engine, List<RateSwitch> switches) {
            // One budget per provider (not LlmBudget.keyed): keyed budgets all share one tier-less spec, and these
            // have a tier. Free requests use the budget's default tier, which draws from the unreserved share as
            // well as from the whole budget, so free traffic can never eat premium's reserve. (A tier could also
            // get a token limit of its own, tierTokensPerMinute; with two tiers it would only repeat the reserve.)
            this.budget = LlmBudget.builder(name).engine(engine)
                    .requestsPerMinute(REQUESTS_PER_MINUTE).tokensPerMinute(TOKENS_PER_MINUTE)
                    .reserveTokensPerMinute(Tier.PREMIUM.id(), PREMIUM_RESERVE)
                    .build();
            // p95 over the last 30 s; fewer than 5 calls in the window is no evidence, and holds the step.
            this.p95 = HealthSignal.latencyPercentile(engine.ticker(), Duration.ofSeconds(30), 6, 95.0, 5);
            // Step 0 is faster than the RPM limit, so it never binds while the provider is healthy. Down after 15 s
            // at the earliest (protect the provider quickly), up after 45 s (let it prove itself first).
            this.steps = StepRateLimiter.builder(name + "/step", engine)
                    .signal(p95)
                    .thresholds(DEGRADE_AT.toNanos(), RECOVER_BELOW.toNanos())
                    .step(Rate.perMinute(120)).step(Rate.perMinute(30)).step(Rate.perMinute(15))
                    .evaluationInterval(Duration.ofSeconds(5))
                    .cooldowns(Duration.ofSeconds(15), Duration.ofSeconds(45))
                    .listener(switches::add)
                    .build();
        }
    }

    private final Map<String, Provider> providers = new LinkedHashMap<>();
    private final List<RateSwitch> switches = new ArrayList<>(); // told on the only thread of the simulation

    /**
     * A gateway in front of providers, on an engine's clock.
     *
     * @param engine supplies the clock every limit reads
     * @param providerNames the providers, each with the same limits
     */
    LlmGateway(LocalEngine engine, String... providerNames) {
        for (String name : providerNames) {
            providers.put(name, new Provider(name, engine, switches));
        }
    }

    /**
     * Admits one request or names the limit that refused it. The step limiter is asked first, for one request: if
     * the budget then refuses, the step's permit is given back whole ({@code giveBack()}), so a refusal costs no limit
     * anything. The other way round could not be undone: a budget's permit gives back tokens, never its request.
     *
     * @param provider the provider's name
     * @param tier the request's tier
     * @param estimatedTokens prompt tokens plus the most the answer may use
     * @return the admission
     */
    Admission admit(String provider, Tier tier, long estimatedTokens) {
        Provider p = providers.get(provider);
        Permit step = p.steps.tryAcquire();
        if (!step.granted()) {
            return new Admission(null, Reason.STEP);
        }
        Limiter budget = tier == Tier.PREMIUM ? p.budget.tier(tier.id()) : p.budget;
        Permit permit = budget.tryAcquire(estimatedTokens);
        if (!permit.granted()) {
            step.giveBack();
            return new Admission(null, reasonOf(provider, permit.limiterName()));
        }
        return new Admission(permit, null);
    }

    /**
     * Ends an admitted request: settles the tokens the provider reported and feeds its latency to the step limiter's
     * signal.
     *
     * @param provider the provider's name
     * @param admission an admitted request
     * @param actualTokens the tokens the provider reported
     * @param latency how long the provider took
     */
    void complete(String provider, Admission admission, long actualTokens, Duration latency) {
        admission.permit().settle(actualTokens); // the difference to the estimate goes back to every token limit
        admission.permit().close();
        providers.get(provider).p95.record(latency);
    }

    /**
     * A refusal names its limit: {@code <provider>/rpm}, {@code <provider>/tpm}, or {@code <provider>/tpm-unreserved}
     * (the share free requests are kept to).
     */
    private static Reason reasonOf(String provider, String limiter) {
        if (limiter.equals(provider + "/rpm")) {
            return Reason.RPM;
        }
        return limiter.equals(provider + "/tpm") ? Reason.TPM : Reason.RESERVE;
    }

    /**
     * The step a provider's limiter enforces now: 0 is the fastest.
     *
     * @param provider the provider's name
     * @return the step's index
     */
    int currentStep(String provider) {
        return providers.get(provider).steps.currentStep();
    }

    /**
     * A provider's step limiter, to read its rates.
     *
     * @param provider the provider's name
     * @return the limiter
     */
    StepRateLimiter steps(String provider) {
        return providers.get(provider).steps;
    }

    /**
     * Every step switch so far, in order.
     *
     * @return a copy
     */
    List<RateSwitch> switches() {
        return List.copyOf(switches);
    }

    /**
     * Runs the simulation and prints a table per provider and the step switches.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        GatewaySimulation.Report report = GatewaySimulation.run(new ManualClock());
        report.print(System.out);
    }
}
