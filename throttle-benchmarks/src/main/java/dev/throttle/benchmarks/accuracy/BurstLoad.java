package dev.throttle.benchmarks.accuracy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A bursty load in real time: a fixed, seeded schedule of bursts (each a number of requests sent back to back at a
 * given offset from the start), the same for every contender. Quiet gaps let buckets fill; bursts land just before
 * and just after whole seconds, where a fixed window admits twice its limit.
 */
final class BurstLoad {

    /** One burst: {@code requests} sent back to back at {@code offsetNanos} after the start. */
    record Burst(long offsetNanos, int requests) {
    }

    /**
     * What one run recorded, in order: the clock just before and just after each request's decision (the limiter read
     * its own clock somewhere in between), and whether it was granted.
     */
    record Outcome(long[] attemptNanos, long[] answerNanos, boolean[] granted) {

        /** The times just before the granted requests' decisions. */
        long[] grantsFrom() {
            return granted(attemptNanos);
        }

        /** The times just after the granted requests' decisions. */
        long[] grantsUntil() {
            return granted(answerNanos);
        }

        private long[] granted(long[] times) {
            int count = 0;
            for (boolean g : granted) {
                count += g ? 1 : 0;
            }
            long[] grants = new long[count];
            int next = 0;
            for (int i = 0; i < granted.length; i++) {
                if (granted[i]) {
                    grants[next++] = times[i];
                }
            }
            return grants;
        }
    }

    private static final long MILLI = 1_000_000L;

    private final List<Burst> bursts;

    private BurstLoad(List<Burst> bursts) {
        this.bursts = List.copyOf(bursts);
    }

    /**
     * The suite's schedule: {@code seconds} seconds; in each, bursts at 0, 250, 500 ms of random sizes up to 1.2 × the
     * limit, then 60% of the limit at 950 ms and again at 1000 ms (the fixed window's boundary), with a quiet second
     * in the middle.
     *
     * @param limit the contenders' budget per second
     * @param seconds how long the load lasts
     * @param seed the random seed
     * @return the schedule
     */
    static BurstLoad schedule(int limit, int seconds, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Burst> bursts = new ArrayList<>();
        for (int second = 0; second < seconds; second++) {
            if (second == seconds / 2) {
                continue; // a quiet second: buckets fill up, the next burst may use the whole burst allowance
            }
            long base = second * 1000L * MILLI;
            for (long at : new long[] {0, 250, 500}) {
                bursts.add(new Burst(base + at * MILLI, random.nextInt(limit * 6 / 5 + 1)));
            }
            bursts.add(new Burst(base + 950 * MILLI, limit * 3 / 5));
        }
        bursts.add(new Burst(seconds * 1000L * MILLI, limit * 3 / 5));
        return new BurstLoad(bursts);
    }

    /**
     * How many requests the schedule sends.
     *
     * @return the sum of the bursts
     */
    int requests() {
        return bursts.stream().mapToInt(Burst::requests).sum();
    }

    /**
     * Sends the schedule to a limiter in real time, from this thread, and records every answer.
     *
     * @param decision the limiter's boolean decision
     * @return when each request was sent, and whether it was granted
     */
    Outcome run(BooleanSupplier decision) {
        long[] attempts = new long[requests()];
        long[] answers = new long[attempts.length];
        boolean[] granted = new boolean[attempts.length];
        int next = 0;
        long start = System.nanoTime();
        for (Burst burst : bursts) {
            long due = start + burst.offsetNanos();
            for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            for (int i = 0; i < burst.requests(); i++) {
                attempts[next] = System.nanoTime() - start;
                granted[next] = decision.getAsBoolean();
                answers[next] = System.nanoTime() - start;
                next++;
            }
        }
        return new Outcome(attempts, answers, granted);
    }
}
