package dev.throttle.examples;

import dev.throttle.ManualClock;
import dev.throttle.local.LocalEngine;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every algorithm of the local engine fed the same bursty timeline, side by side: which request each one grants,
 * which it refuses and when a retry could succeed, and how long the shaping queue makes each request wait.
 *
 * <p>Time is a {@link ManualClock} moved from request to request, so the output is the same on every run and nothing
 * sleeps. Run it from the repository root with {@code ./mvnw -B -ntp -pl examples -am compile -Prun}.
 */
public final class AlgorithmsDemo {

    /** Every algorithm's budget: permits per second, or at once for the concurrency limiter. */
    static final long LIMIT = 5;

    /** The windows' length. */
    static final Duration WINDOW = Duration.ofSeconds(1);

    /** The longest a request waits for its slot in the shaping queue. */
    static final Duration SHAPING_MAX_DELAY = Duration.ofSeconds(1);

    /** How long each request granted by the concurrency limiter keeps its permit before closing it. */
    static final long HOLD_NANOS = Duration.ofMillis(200).toNanos();

    /**
     * The timeline: {@code {time in ms, requests at that time}}. A burst above the budget, stragglers, a burst
     * just before a window boundary and two just after it, then a quiet gap and a last burst.
     */
    private static final long[][] BURSTS = {{0, 6}, {50, 2}, {900, 3}, {1000, 4}, {1010, 3}, {2500, 6}};

    /**
     * Where the simulated clock starts: a whole number of windows, so fixed windows begin at the timeline's 0 ms,
     * and far from zero, as a real clock would be.
     */
    private static final long ORIGIN_NANOS = Duration.ofHours(1).toNanos();

    private static final long NANOS_PER_MILLI = 1_000_000L;

    private AlgorithmsDemo() {
    }

    /**
     * Prints the table of every algorithm's decisions.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        // The marks are not ASCII; do not let the platform's default charset turn them into '?'.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.println("Requests over time, each algorithm limited to " + LIMIT + " per second (concurrency: " + LIMIT
                + " at once, each request holding its permit " + HOLD_NANOS / NANOS_PER_MILLI + " ms).");
        out.println("✓ granted   ✓ +300ms granted after waiting 300 ms in the queue   ✗ 150ms refused, retry after"
                + " 150 ms");
        out.println();
        out.print(simulate(Arrays.asList(Algorithm.values())).render());
    }

    /**
     * The request times of the timeline, one entry per request, in milliseconds from the start.
     *
     * @return the times, in order
     */
    static List<Long> requestTimesMillis() {
        List<Long> times = new ArrayList<>();
        for (long[] burst : BURSTS) {
            for (int request = 0; request < burst[1]; request++) {
                times.add(burst[0]);
            }
        }
        return times;
    }

    /**
     * Feeds the timeline to one fresh limiter per algorithm, all on one engine with a manual clock.
     *
     * @param algorithms the columns
     * @return the decisions
     */
    static DecisionTable simulate(List<Algorithm> algorithms) {
        ManualClock ticker = new ManualClock(ORIGIN_NANOS);
        DemoScheduler scheduler = new DemoScheduler(ticker);
        LocalEngine engine = LocalEngine.builder().ticker(ticker).scheduler(scheduler).build();
        List<Lane> lanes = new ArrayList<>();
        for (Algorithm algorithm : algorithms) {
            lanes.add(new Lane(algorithm, engine, scheduler));
        }
        List<Long> times = requestTimesMillis();
        List<List<String>> cells = new ArrayList<>();
        for (long time : times) {
            long now = ORIGIN_NANOS + time * NANOS_PER_MILLI;
            ticker.advance(now - ticker.read());
            scheduler.runDue(now); // the shaping queue's earlier requests reach their slots
            List<String> row = new ArrayList<>();
            for (Lane lane : lanes) {
                row.add(lane.ask(now));
            }
            cells.add(row);
        }
        return new DecisionTable(times, algorithms, cells);
    }
}
