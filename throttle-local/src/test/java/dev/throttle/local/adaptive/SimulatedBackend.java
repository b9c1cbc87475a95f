package dev.throttle.local.adaptive;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A backend with a true capacity of {@code capacity} concurrent requests, driven by open-loop arrivals through an
 * adaptive limiter, all on a {@link ManualClock}: nothing sleeps and every run is the same.
 *
 * <p>A request's latency is fixed when it starts, from {@code n}, the requests in the backend then (itself
 * included): {@code base} while {@code n <= capacity}, {@code base × n / capacity} beyond (the excess queues, as a
 * processor-sharing server's would). So "capacity" is exactly the in-flight count at which latency starts rising.
 * Optionally requests beyond {@code dropAbove} in flight end with {@link Permit#dropped()}, and
 * {@code latencyGrows = false} makes drops the only overload signal (a backend that sheds load instead of queueing).
 *
 * <p>The driver offers {@code arrivalsPerMs} requests at every millisecond; a refused one is counted and forgotten.
 * Completions happen at their exact due times, so the latency a permit reports is exactly the one the backend gave
 * it. Every 10 ms it records the limiter's limit.
 */
final class SimulatedBackend {

    private static final long MS = 1_000_000L;

    /** One reading of the limit. */
    record Reading(long atNanos, int limit, boolean measuringNoLoad) {
    }

    private record Request(long due, long sequence, Permit permit, boolean drop) implements Comparable<Request> {
        @Override
        public int compareTo(Request other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
        }
    }

    final ManualClock clock;
    final AdaptiveConcurrencyLimiter limiter;
    int capacity;
    long baseNanos;
    long dropAbove = Long.MAX_VALUE;
    boolean latencyGrows = true;
    long granted;
    long refused;
    long drops;
    final List<Reading> readings = new ArrayList<>();
    private final PriorityQueue<Request> pending = new PriorityQueue<>();
    private long inBackend;
    private long sequence;

    SimulatedBackend(ManualClock clock, LimitAlgorithm algorithm, int capacity, Duration base) {
        this.clock = clock;
        this.limiter = AdaptiveConcurrencyLimiter.builder("backend", algorithm).ticker(clock).scheduler(clock).build();
        this.capacity = capacity;
        this.baseNanos = base.toNanos();
    }

    /** Offers {@code arrivalsPerMs} requests at every millisecond for {@code duration}. */
    void run(Duration duration, int arrivalsPerMs) {
        long end = clock.read() + duration.toNanos();
        long nextTick = clock.read();
        for (;;) {
            long nextDue = pending.isEmpty() ? Long.MAX_VALUE : pending.peek().due();
            long next = Math.min(nextDue, nextTick);
            if (next >= end) {
                clock.advance(end - clock.read());
                return;
            }
            clock.advance(next - clock.read());
            if (nextDue == next) {
                complete(pending.poll());
                continue;
            }
            for (int i = 0; i < arrivalsPerMs; i++) {
                offer();
            }
            if (nextTick % (10 * MS) == 0) {
                LimitAlgorithm.State state = limiter.limitState();
                readings.add(new Reading(nextTick, (int) limiter.limit(), state.measuringNoLoad()));
            }
            nextTick += MS;
        }
    }

    private void offer() {
        Permit permit = limiter.tryAcquire();
        if (!permit.granted()) {
            refused++;
            return;
        }
        granted++;
        long n = ++inBackend;
        double factor = latencyGrows ? Math.max(1.0, (double) n / capacity) : 1.0;
        long latency = (long) (baseNanos * factor);
        pending.add(new Request(clock.read() + latency, sequence++, permit, n > dropAbove));
    }

    private void complete(Request request) {
        inBackend--;
        if (request.drop()) {
            drops++;
            request.permit().dropped();
        } else {
            request.permit().close();
        }
    }

    /** The highest and lowest limit read in {@code [fromNanos, toNanos)}, outside no-load measurements. */
    Span span(long fromNanos, long toNanos) {
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        long sum = 0;
        int count = 0;
        int measuring = 0;
        for (Reading reading : readings) {
            if (reading.atNanos() < fromNanos || reading.atNanos() >= toNanos) {
                continue;
            }
            if (reading.measuringNoLoad()) {
                measuring++;
                continue;
            }
            min = Math.min(min, reading.limit());
            max = Math.max(max, reading.limit());
            sum += reading.limit();
            count++;
        }
        return new Span(min, max, count == 0 ? 0 : (double) sum / count, count, measuring);
    }

    /** The limits read over an interval. */
    record Span(int min, int max, double mean, int readings, int measuringReadings) {
        @Override
        public String toString() {
            return String.format("limit %d..%d (mean %.1f, %d readings, %d while measuring no-load latency)", min,
                    max, mean, readings, measuringReadings);
        }
    }
}
