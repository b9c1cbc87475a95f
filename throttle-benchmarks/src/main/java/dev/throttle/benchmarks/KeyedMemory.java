package dev.throttle.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.function.Predicate;

/**
 * Bytes per key held by each keyed implementation of {@link KeyedLimiterBenchmark}: fills {@code n} keys (made up
 * front, so the keys themselves are not counted), one granted decision each, and measures the heap in use after
 * garbage collection before and after, through {@link MemoryMXBean}.
 *
 * <p>Run: {@code java -cp throttle-benchmarks/target/benchmarks.jar dev.throttle.benchmarks.KeyedMemory 1000000
 * throttle bucket4j floor}.
 */
public final class KeyedMemory {

    private KeyedMemory() {
    }

    /**
     * Prints the bytes per key of each implementation named.
     *
     * @param args the number of keys, then implementation names as {@link KeyedLimiterBenchmark.Keyed#impl} takes
     */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        String[] keys = new String[n];
        for (int k = 0; k < n; k++) {
            keys[k] = "client-" + k;
        }
        for (int i = 1; i < args.length; i++) {
            String impl = args[i];
            long before = usedAfterGc();
            Predicate<String> decision = KeyedLimiterBenchmark.Keyed.create(impl);
            int granted = 0;
            for (String key : keys) {
                if (decision.test(key)) {
                    granted++;
                }
            }
            long after = usedAfterGc();
            System.out.printf("%-12s %,d keys (%,d granted): %.1f bytes per key%n", impl, n, granted,
                    (after - before) / (double) n);
            // Keeps the limiter reachable through the measurement.
            if (decision.test(keys[0]) && decision.hashCode() == 42) {
                System.out.println();
            }
        }
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            memory.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
