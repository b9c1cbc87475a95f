package dev.throttle.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Counts each thread's granted and refused decisions, so a granted-path figure is known to time grants: JMH reports
 * the two public fields as secondary results, and a warning is printed when less than 99% of an iteration's
 * requests were granted. Counting costs a thread-local increment per operation, the same in every benchmark.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Outcomes {

    /** Below this fraction of grants, a granted-path benchmark is timing something else. */
    private static final double MIN_GRANTED = 0.99;

    /** Requests granted in this iteration; reported by JMH. */
    public long granted;

    /** Requests refused in this iteration; reported by JMH. */
    public long refused;

    private long trialGranted;
    private long trialRefused;

    /** Creates the counters; JMH makes one per thread. */
    public Outcomes() {
    }

    /** Starts an iteration's count from zero, so each iteration's figures stand alone. */
    @Setup(Level.Iteration)
    public void reset() {
        granted = 0;
        refused = 0;
    }

    /**
     * Warns when an iteration granted less than 99% of its requests.
     *
     * @param params the running benchmark, to name it
     */
    @TearDown(Level.Iteration)
    public void checkIteration(BenchmarkParams params) {
        trialGranted += granted;
        trialRefused += refused;
        if (fraction(granted, refused) < MIN_GRANTED) {
            System.out.printf("%nWARNING: %s %s granted only %.3f%% of %d requests in this iteration: "
                            + "the figure does not measure the granted path%n",
                    params.getBenchmark(), describe(params), 100 * fraction(granted, refused),
                    granted + refused);
        }
    }

    /**
     * Prints the fraction granted over the whole trial, warmup iterations included.
     *
     * @param params the running benchmark, to name it
     */
    @TearDown(Level.Trial)
    public void report(BenchmarkParams params) {
        System.out.printf("%n%s %s: granted %.3f%% of %d requests (one thread, warmup included)%n",
                params.getBenchmark(), describe(params), 100 * fraction(trialGranted, trialRefused),
                trialGranted + trialRefused);
    }

    /** Counts one decision and hands it back, so the benchmark can return it to JMH. */
    boolean record(boolean grantedNow) {
        if (grantedNow) {
            granted++;
        } else {
            refused++;
        }
        return grantedNow;
    }

    /** The benchmark's parameters, {@code name=value} joined by spaces, to say which case a line is about. */
    private static String describe(BenchmarkParams params) {
        StringBuilder text = new StringBuilder();
        for (String key : params.getParamsKeys()) {
            if (text.length() > 0) {
                text.append(' ');
            }
            text.append(key).append('=').append(params.getParam(key));
        }
        return text.toString();
    }

    private static double fraction(long yes, long no) {
        long total = yes + no;
        return total == 0 ? 1.0 : (double) yes / total;
    }
}
