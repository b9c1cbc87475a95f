package dev.throttle.examples;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter;
import dev.throttle.local.adaptive.AimdAlgorithm;
import dev.throttle.local.adaptive.GradientAlgorithm;
import dev.throttle.local.adaptive.LimitAlgorithm;
import dev.throttle.local.adaptive.VegasAlgorithm;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Example 6: adaptive concurrency limits finding a backend's capacity, which nobody configured. A simulated backend
 * serves {@code capacity} requests at once in 10 ms; beyond that the excess queues and every request gets slower.
 * Twice as many requests arrive as it can serve. Each algorithm (AIMD, Vegas, Gradient) starts from a limit of 20
 * and learns from the latency of the requests it lets through; the capacity moves from 40 to 80 and back to 40.
 *
 * <p>Time is a {@link ManualClock}: the 30 simulated seconds run in well under a second, the same on every run. Run it
 * from the repository root with {@code ./mvnw -B -ntp -pl examples -am compile -Prun
 * -Dexec.mainClass=dev.throttle.examples.AdaptiveConcurrencyDemo}.
 */
public final class AdaptiveConcurrencyDemo {

    /** How long the backend takes for a request when it is not overloaded. */
    static final Duration BASE_LATENCY = Duration.ofMillis(10);

    /** The scenario: the backend's capacity during each phase of ten simulated seconds. */
    static final int[] CAPACITY_BY_PHASE = {40, 80, 40};

    /** Simulated seconds per phase. */
    static final int PHASE_SECONDS = 10;

    private static final long MS = 1_000_000L;

    private AdaptiveConcurrencyDemo() {
    }

    /**
     * Prints each algorithm's limit every second next to the true capacity.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        PrintStream out = System.out;
        List<int[]> aimd = simulate(aimd());
        List<int[]> vegas = simulate(VegasAlgorithm.builder().initialLimit(20).build());
        List<int[]> gradient = simulate(GradientAlgorithm.builder().initialLimit(20).build());
        out.println("A backend serving `capacity` requests at once in 10 ms, offered twice what it can serve;");
        out.println("each adaptive limiter starts at 20 and learns the capacity from latency alone.");
        out.println();
        out.println("  time  capacity   AIMD  Vegas  Gradient");
        for (int second = 0; second < aimd.size(); second++) {
            out.printf("  %3ds  %8d  %5d  %5d  %8d%n", second + 1, aimd.get(second)[0], aimd.get(second)[1],
                    vegas.get(second)[1], gradient.get(second)[1]);
        }
    }

    /** AIMD has no latency model of its own: it backs off when a request is slower than its timeout. */
    static LimitAlgorithm aimd() {
        return AimdAlgorithm.builder().initialLimit(20).timeout(Duration.ofMillis(11)).build();
    }

    /**
     * Runs the scenario through one algorithm.
     *
     * @param algorithm the algorithm
     * @return for each simulated second, {@code {capacity, limit at the end of the second}}
     */
    static List<int[]> simulate(LimitAlgorithm algorithm) {
        ManualClock ticker = new ManualClock();
        AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder("backend", algorithm).ticker(ticker)
                .build();
        Backend backend = new Backend(ticker, limiter);
        List<int[]> limits = new ArrayList<>();
        for (int capacity : CAPACITY_BY_PHASE) {
            backend.capacity = capacity;
            for (int second = 0; second < PHASE_SECONDS; second++) {
                backend.run(1_000);
                limits.add(new int[] {capacity, (int) limiter.limit()});
            }
        }
        return limits;
    }

    /** The simulated backend and the open-loop load in front of it. */
    private static final class Backend {

        private record Request(long due, long sequence, Permit permit) implements Comparable<Request> {
            @Override
            public int compareTo(Request other) {
                int byDue = Long.compare(due, other.due);
                return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
            }
        }

        private final ManualClock ticker;
        private final AdaptiveConcurrencyLimiter limiter;
        private final PriorityQueue<Request> inBackend = new PriorityQueue<>();
        private int capacity;
        private long sequence;

        Backend(ManualClock ticker, AdaptiveConcurrencyLimiter limiter) {
            this.ticker = ticker;
            this.limiter = limiter;
        }

        /** Runs {@code millis} simulated milliseconds: arrivals each millisecond, completions when they are due. */
        void run(int millis) {
            long baseNanos = BASE_LATENCY.toNanos();
            // The backend serves capacity / base per millisecond; offer twice that.
            int arrivalsPerMs = (int) Math.max(1, 2 * capacity * MS / baseNanos);
            long end = ticker.read() + millis * MS;
            long nextTick = ticker.read();
            while (true) {
                long nextDue = inBackend.isEmpty() ? Long.MAX_VALUE : inBackend.peek().due();
                long next = Math.min(nextDue, nextTick);
                if (next >= end) {
                    ticker.advance(end - ticker.read());
                    return;
                }
                ticker.advance(next - ticker.read());
                if (nextDue == next) {
                    inBackend.poll().permit().close(); // the latency of this request is what the limiter learns
                    continue;
                }
                for (int i = 0; i < arrivalsPerMs; i++) {
                    Permit permit = limiter.tryAcquire();
                    if (permit.granted()) {
                        int n = inBackend.size() + 1;
                        long latency = (long) (baseNanos * Math.max(1.0, (double) n / capacity));
                        inBackend.add(new Request(ticker.read() + latency, sequence++, permit));
                    }
                }
                nextTick += MS;
            }
        }
    }
}
