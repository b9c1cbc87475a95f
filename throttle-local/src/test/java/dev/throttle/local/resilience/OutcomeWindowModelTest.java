package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The windows against the simplest model of their meaning, over seeded random sequences of outcomes (and, for the
 * time window, of clock advances on a manual clock): after every record, the counts it returns and those a tally
 * reads must be those of the model.
 */
class OutcomeWindowModelTest {

    /** A verdict that always opens, so that every record returns its counts. */
    private static final OutcomeWindow.Verdict ALWAYS = (calls, failures, slowCalls) -> true;

    @ParameterizedTest(name = "size {0}, seed {1}")
    @CsvSource({"1, 1", "2, 2", "3, 3", "7, 4", "64, 5", "100, 6", "1000, 7"})
    void theCountWindowHoldsExactlyTheLastSizeOutcomes(int size, long seed) {
        Random random = new Random(seed);
        followsTheModel(size, 20 * size + 500, () -> random.nextInt(4));
    }

    @ParameterizedTest(name = "size {0}, seed {1}")
    @CsvSource({"1, 31", "2, 32", "5, 33", "20, 34", "100, 35"})
    void aMostlyHealthyCountWindowGoesQuietAndBackExactly(int size, long seed) {
        // 19 plain successes in 20: the window is often full of them (quiet, recorded without the lock) and often not.
        Random random = new Random(seed);
        followsTheModel(size, 200 * size + 2_000, () -> random.nextInt(20) == 0 ? 1 + random.nextInt(3) : 0);
    }

    /** Records {@code records} outcomes into a count window of {@code size}, checking each against the last-size list. */
    private static void followsTheModel(int size, int records, java.util.function.IntSupplier outcomes) {
        CountWindow window = new CountWindow(size, ALWAYS);
        Deque<Integer> model = new ArrayDeque<>();
        for (int i = 0; i < records; i++) {
            int outcome = outcomes.getAsInt();
            model.addLast(outcome);
            if (model.size() > size) {
                model.removeFirst();
            }
            Tally expected = counts(model);
            assertThat(window.record(outcome, 0L)).isEqualTo(expected);
            assertThat(window.tally(0L)).isEqualTo(expected);
        }
        Tally last = window.tally(0L);
        assertThat(window.recount()).containsExactly(last.calls(), last.failures(), last.slowCalls());
    }

    @ParameterizedTest(name = "{0} buckets of {1} ns, seed {2}")
    @CsvSource({"1, 10, 1", "2, 10, 2", "5, 7, 3", "10, 100, 4", "60, 1000, 5"})
    void theTimeWindowHoldsExactlyTheOutcomesOfItsLastBuckets(int buckets, long bucketNanos, long seed) {
        Random random = new Random(seed);
        ManualClock clock = new ManualClock();
        TimeWindow window = new TimeWindow(buckets * bucketNanos, bucketNanos, ALWAYS);
        List<long[]> model = new ArrayList<>(); // {bucket, outcome}
        for (int i = 0; i < 5_000; i++) {
            // Mostly several records per bucket, sometimes a jump over a few buckets or past the whole window.
            int step = random.nextInt(10);
            long advance = step < 6 ? 0L : step < 9 ? random.nextInt((int) bucketNanos * 3)
                    : random.nextInt((int) bucketNanos * (buckets + 2));
            clock.advance(Duration.ofNanos(advance));
            long now = clock.read();
            int outcome = random.nextInt(4);
            long bucket = Math.floorDiv(now, bucketNanos);
            model.removeIf(entry -> entry[0] <= bucket - 2L * buckets); // out of every window still asked about
            model.add(new long[] {bucket, outcome});
            Tally expected = counts(model, bucket, buckets);
            assertThat(window.record(outcome, now)).isEqualTo(expected);
            assertThat(window.tally(now)).isEqualTo(expected);
            // A tally later in time sees the outcomes that are still in the window then.
            long later = now + random.nextInt((int) bucketNanos * (buckets + 1));
            assertThat(window.tally(later)).isEqualTo(counts(model, Math.floorDiv(later, bucketNanos), buckets));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"11", "12", "13"})
    void aTimeWindowRecordWithAnOlderReadingIsCountedAndJudgedOverItsOwnWindow(long seed) {
        Random random = new Random(seed);
        int buckets = 10;
        long bucketNanos = 100;
        TimeWindow window = new TimeWindow(buckets * bucketNanos, bucketNanos, ALWAYS);
        List<long[]> model = new ArrayList<>();
        long newest = 0;
        for (int i = 0; i < 3_000; i++) {
            newest += random.nextInt(150);
            // Another thread's reading, up to most of a window behind the newest one: still in the window.
            long now = newest - random.nextInt((int) (bucketNanos * (buckets - 1)));
            long bucket = Math.floorDiv(now, bucketNanos);
            long newestBucket = Math.max(bucket, model.isEmpty() ? bucket : newestBucket(model));
            int outcome = random.nextInt(4);
            model.removeIf(entry -> entry[0] <= newestBucket - 3L * buckets); // out of every window still asked about
            if (bucket > newestBucket - buckets) {
                model.add(new long[] {bucket, outcome});
            }
            assertThat(window.record(outcome, now)).isEqualTo(counts(model, bucket, buckets));
        }
    }

    @Test
    void aTimeWindowRecordOlderThanTheWholeWindowIsDropped() {
        TimeWindow window = new TimeWindow(1_000, 100, ALWAYS);
        window.record(Outcomes.FAILURE, 5_000);
        // A reading from before the window that ends at 5 000 ns: its bucket has left every later judgement.
        window.record(Outcomes.FAILURE, 3_000);
        assertThat(window.tally(5_000)).isEqualTo(new Tally(1, 1, 0));
        assertThat(window.tally(3_000)).isEqualTo(new Tally(0, 0, 0));
    }

    private static long newestBucket(List<long[]> model) {
        return model.stream().mapToLong(entry -> entry[0]).max().orElseThrow();
    }

    private static Tally counts(Iterable<Integer> outcomes) {
        long calls = 0;
        long failures = 0;
        long slowCalls = 0;
        for (int outcome : outcomes) {
            calls++;
            failures += outcome & Outcomes.FAILURE;
            slowCalls += (outcome & Outcomes.SLOW) == 0 ? 0 : 1;
        }
        return new Tally(calls, failures, slowCalls);
    }

    /**
     * The outcomes whose bucket lies among the {@code buckets} ending at {@code last} and is still held: a bucket
     * gives its slot to a later one {@code buckets} apart (which only a reading of time older than the newest one can
     * tell).
     */
    private static Tally counts(List<long[]> model, long last, int buckets) {
        List<Integer> inWindow = new ArrayList<>();
        for (long[] entry : model) {
            if (entry[0] > last - buckets && entry[0] <= last && !replaced(model, entry[0], buckets)) {
                inWindow.add((int) entry[1]);
            }
        }
        return counts(inWindow);
    }

    private static boolean replaced(List<long[]> model, long bucket, int buckets) {
        return model.stream().anyMatch(entry -> entry[0] > bucket && Math.floorMod(entry[0] - bucket, buckets) == 0);
    }
}
