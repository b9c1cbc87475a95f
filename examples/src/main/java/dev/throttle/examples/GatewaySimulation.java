package dev.throttle.examples;

import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.adaptive.RateSwitch;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Drives an {@link LlmGateway} with a seeded stream of prompts on a manual clock, and simulates the providers behind
 * it: each answers with fewer tokens than estimated, after a latency that grows with the calls it already has in
 * flight; {@code provider-a} is three times slower between {@link #SLOW_FROM} and {@link #SLOW_UNTIL}.
 */
final class GatewaySimulation {

    /** The providers, each with the same limits. */
    static final String[] PROVIDERS = {"provider-a", "provider-b"};
    /** Simulated minutes. */
    static final int MINUTES = 6;
    /** When {@code provider-a}'s slow period starts, from the start of the simulation. */
    static final Duration SLOW_FROM = Duration.ofMinutes(2);
    /** When it ends. */
    static final Duration SLOW_UNTIL = Duration.ofMinutes(3).plusSeconds(30);

    private static final long TICK_NANOS = Duration.ofMillis(250).toNanos();
    /** The chance that a provider gets a prompt in a tick: about 96 offered per minute, over its 60 RPM. */
    private static final double ARRIVAL_CHANCE = 0.4;
    /** About a third of the prompts come from premium users, the rest from free ones. */
    private static final double PREMIUM_SHARE = 0.35;
    private static final int[] MAX_OUTPUT_TOKENS = {512, 1024, 2048};

    /** What one provider saw during one minute. */
    static final class Minute {
        /** Requests admitted, by tier ordinal. */
        final int[] admitted = new int[LlmGateway.Tier.values().length];
        /** Requests refused, by tier ordinal then reason ordinal. */
        final int[][] refused = new int[LlmGateway.Tier.values().length][LlmGateway.Reason.values().length];
        /** The estimates of the requests admitted this minute. */
        long estimated;
        /** The tokens settled this minute (calls that finished this minute). */
        long settled;
        /** The step enforced at the end of the minute. */
        int step;

        int refused(LlmGateway.Reason reason) {
            int sum = 0;
            for (int[] byReason : refused) {
                sum += byReason[reason.ordinal()];
            }
            return sum;
        }
    }

    /**
     * The outcome of a run.
     *
     * @param minutes per provider, what each minute saw
     * @param switches every step switch, in order
     * @param gateway the gateway, in its state at the end
     */
    record Report(Map<String, List<Minute>> minutes, List<RateSwitch> switches, LlmGateway gateway) {

        void print(PrintStream out) {
            out.println("Two providers, each 60 requests and 40,000 tokens per minute, 15,000 of them reserved for");
            out.println("premium. About 96 prompts a minute are offered to each, about a third premium.");
            out.println("provider-a is slow from 2:00 to 3:30.");
            for (Map.Entry<String, List<Minute>> provider : minutes.entrySet()) {
                out.println();
                out.println(provider.getKey());
                out.println("  min  admitted prem/free  refused rpm  tpm  reserve  step  tokens estimated  settled"
                        + "  step (rate)");
                int index = 0;
                for (Minute m : provider.getValue()) {
                    out.printf("  %3d  %8d / %-4d  %11d %4d %8d %5d  %16d %8d  %d (%d/min)%n", ++index,
                            m.admitted[0], m.admitted[1], m.refused(LlmGateway.Reason.RPM),
                            m.refused(LlmGateway.Reason.TPM), m.refused(LlmGateway.Reason.RESERVE),
                            m.refused(LlmGateway.Reason.STEP), m.estimated, m.settled, m.step,
                            perMinute(gateway.steps(provider.getKey()).steps().get(m.step).bucket().refill()));
                }
            }
            out.println();
            out.println("Step switches (p95 latency over the last 30 s; down at 3 s, up below 1.5 s):");
            for (RateSwitch s : switches) {
                long seconds = Duration.ofNanos(s.atNanos()).toSeconds();
                out.printf("  %d:%02d  %s  %-7s  step %d -> %d (%d/min)  p95 %.2f s%n", seconds / 60, seconds % 60,
                        s.limiterName(), s.cause(), s.fromLevel(), s.toLevel(), perMinute(s.to().refill()),
                        s.reading() / 1e9);
            }
        }

        private static long perMinute(Rate rate) {
            return rate.permits() * Duration.ofMinutes(1).toNanos() / rate.period().toNanos();
        }
    }

    /** An admitted call the provider is still answering. */
    private record InFlight(long dueNanos, long sequence, String provider, LlmGateway.Admission admission,
            long actualTokens, long latencyNanos) implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight other) {
            int byDue = Long.compare(dueNanos, other.dueNanos);
            return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
        }
    }

    private GatewaySimulation() {
    }

    /**
     * Runs {@link #MINUTES} simulated minutes.
     *
     * @param ticker a ticker at zero; the run moves it
     * @return what each provider saw, and the switches
     */
    static Report run(ManualClock ticker) {
        LlmGateway gateway = new LlmGateway(LocalEngine.builder().ticker(ticker).build(), PROVIDERS);
        Random random = new Random(42); // the same prompts on every run
        PriorityQueue<InFlight> inFlight = new PriorityQueue<>();
        Map<String, int[]> busy = new LinkedHashMap<>();
        Map<String, List<Minute>> minutes = new LinkedHashMap<>();
        for (String provider : PROVIDERS) {
            busy.put(provider, new int[1]);
            minutes.put(provider, new ArrayList<>());
        }
        long sequence = 0;
        for (int minute = 0; minute < MINUTES; minute++) {
            Map<String, Minute> now = new LinkedHashMap<>();
            for (String provider : PROVIDERS) {
                now.put(provider, new Minute());
            }
            long end = Duration.ofMinutes(minute + 1).toNanos();
            while (ticker.read() < end) {
                ticker.advance(TICK_NANOS);
                // Calls that have finished are settled first: their refunds are what the new prompts may use.
                while (!inFlight.isEmpty() && inFlight.peek().dueNanos() <= ticker.read()) {
                    InFlight done = inFlight.poll();
                    gateway.complete(done.provider(), done.admission(), done.actualTokens(),
                            Duration.ofNanos(done.latencyNanos()));
                    busy.get(done.provider())[0]--;
                    now.get(done.provider()).settled += done.actualTokens();
                }
                for (String provider : PROVIDERS) {
                    if (random.nextDouble() >= ARRIVAL_CHANCE) {
                        continue;
                    }
                    LlmGateway.Tier tier = random.nextDouble() < PREMIUM_SHARE ? LlmGateway.Tier.PREMIUM
                            : LlmGateway.Tier.FREE;
                    long promptTokens = (100 + random.nextInt(2_300)) / 4; // about four characters per token
                    int maxOutput = MAX_OUTPUT_TOKENS[random.nextInt(MAX_OUTPUT_TOKENS.length)];
                    long outputTokens = Math.round(maxOutput * (0.05 + 0.55 * random.nextDouble()));
                    Minute m = now.get(provider);
                    LlmGateway.Admission admission = gateway.admit(provider, tier, promptTokens + maxOutput);
                    if (!admission.admitted()) {
                        m.refused[tier.ordinal()][admission.refusedBy().ordinal()]++;
                        continue;
                    }
                    m.admitted[tier.ordinal()]++;
                    m.estimated += promptTokens + maxOutput;
                    long latency = latencyNanos(provider, ticker.read(), outputTokens, busy.get(provider)[0]++);
                    inFlight.add(new InFlight(ticker.read() + latency, sequence++, provider, admission,
                            promptTokens + outputTokens, latency));
                }
            }
            for (String provider : PROVIDERS) {
                now.get(provider).step = gateway.currentStep(provider);
                minutes.get(provider).add(now.get(provider));
            }
        }
        return new Report(minutes, gateway.switches(), gateway);
    }

    /**
     * The provider's latency: a base, a millisecond per token it writes, 100 ms more per call it already has in
     * flight (pushed hard, it queues), all three times longer during provider-a's slow period.
     */
    static long latencyNanos(String provider, long nowNanos, long outputTokens, int callsInFlight) {
        long millis = 300 + outputTokens / 2 + 100L * callsInFlight;
        boolean slow = provider.equals(PROVIDERS[0]) && nowNanos >= SLOW_FROM.toNanos()
                && nowNanos < SLOW_UNTIL.toNanos();
        return Duration.ofMillis(slow ? 4 * millis : millis).toNanos();
    }
}
