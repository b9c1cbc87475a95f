package dev.throttle.micrometer;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.ObservedPermit;
import dev.throttle.kernel.Permits;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The counters and timers that record the decisions of one limiter name in one registry
 * ({@value ThrottleMetrics#PERMITS}, {@value ThrottleMetrics#WAIT}, {@value ThrottleMetrics#PERMITS_DROPPED},
 * {@value ThrottleMetrics#PERMITS_RETURNED}), looked
 * up once so that recording a decision is an array index and an add: no map lookup, no allocation. Shared by every
 * decorator of that name (the registry hands back the same meters for the same id, so the counts add up instead of
 * clashing). It observes the granted permits it hands out, to count those ended by {@link Permit#dropped()}. The
 * gauges, which read a limiter's state rather than its decisions, are {@link LimiterGauges}.
 */
final class DecisionMeters implements ObservedPermit.Observer {

    private static final Reason[] REASONS = Reason.values();

    final MeterRegistry registry;
    private final Clock clock;
    private final Counter[] permits = new Counter[REASONS.length];
    private final Timer waitGranted;
    private final Timer waitRefused;
    private final Counter dropped;
    private final Counter returned;

    DecisionMeters(MeterRegistry registry, Tags base) {
        this.registry = registry;
        this.clock = registry.config().clock();
        for (Reason reason : REASONS) {
            String outcome = reason == Reason.NONE ? ThrottleMetrics.GRANTED : ThrottleMetrics.REFUSED;
            permits[reason.ordinal()] = MeterOwners.remember(registry, base, Counter.builder(ThrottleMetrics.PERMITS)
                    .description("Permits asked of the limiter, by outcome and reason")
                    .baseUnit(ThrottleMetrics.UNIT_PERMITS)
                    .tags(base).tag(ThrottleMetrics.TAG_OUTCOME, outcome).tag(ThrottleMetrics.TAG_REASON, reason.tag())
                    .register(registry));
        }
        this.waitGranted = waitTimer(registry, base, ThrottleMetrics.GRANTED);
        this.waitRefused = waitTimer(registry, base, ThrottleMetrics.REFUSED);
        this.returned = Counter.builder(ThrottleMetrics.PERMITS_RETURNED)
                .description("Granted permits given back unused: settled below the grant, or given back whole when a"
                        + " later limit of the request refused")
                .baseUnit(ThrottleMetrics.UNIT_PERMITS)
                .tags(base)
                .register(registry);
        this.dropped = Counter.builder(ThrottleMetrics.PERMITS_DROPPED)
                .description("Granted permits ended by dropped(): the work failed from overload")
                .baseUnit(ThrottleMetrics.UNIT_PERMITS)
                .tags(base)
                .register(registry);
    }

    private static Timer waitTimer(MeterRegistry registry, Tags base, String outcome) {
        return Timer.builder(ThrottleMetrics.WAIT)
                .description("Time from an acquire call to its decision")
                .tags(base).tag(ThrottleMetrics.TAG_OUTCOME, outcome)
                .register(registry);
    }

    /** A reading of the registry's clock, to time a wait with. */
    long start() {
        return clock.monotonicTime();
    }

    /** Counts an answer to a request that did not wait (a try), wrapping a grant to count its dropping. */
    Permit tried(Permit permit) {
        return counted(permit, permit.granted() ? Reason.NONE : permit.never() ? Reason.NEVER : Reason.LIMIT);
    }

    /** Counts and times the answer of a blocking acquisition started at {@code start}. */
    Permit waited(Permit permit, Duration maxWait, long start) {
        Reason reason = blockingReason(permit, maxWait);
        (permit.granted() ? waitGranted : waitRefused).record(clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
        return counted(permit, reason);
    }

    /** Counts and times the permit an asynchronous acquisition started at {@code start} completed with. */
    Permit completed(Permit permit, Duration maxWait, long start) {
        (permit.granted() ? waitGranted : waitRefused).record(clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
        return counted(permit, permit.granted() ? Reason.NONE
                : permit.never() ? Reason.NEVER : maxWait.isZero() ? Reason.LIMIT : Reason.TIMEOUT);
    }

    /**
     * Counts and times an asynchronous acquisition of {@code requested} permits, started at {@code start}, that ended
     * without a permit for its caller: cancelled (above all), or failed.
     */
    void failed(Throwable failure, long requested, long start) {
        waitRefused.record(clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
        Reason reason = unwrap(failure) instanceof CancellationException ? Reason.CANCELLED : Reason.ERROR;
        permits[reason.ordinal()].increment(requested);
    }

    /**
     * Counts the answer of a boolean fast path, which cannot tell a "never" from a plain refusal.
     *
     * @return {@code granted}, so that a decorator can count and answer in one expression
     */
    boolean allowed(boolean granted, long requested) {
        permits[(granted ? Reason.NONE : Reason.LIMIT).ordinal()].increment(requested);
        return granted;
    }

    /**
     * The caller's side of an engine's pending acquisition of {@code requested} permits, started at {@code start}:
     * completes with the counted (and, when granted, wrapped) permit. The caller holds this future, not the engine's:
     * its cancel (or any early completion) must still reach the engine, which withdraws the request and gives back
     * what it reserved.
     */
    CompletableFuture<Permit> pending(CompletableFuture<Permit> engine, long requested, Duration maxWait,
            long start) {
        CompletableFuture<Permit> result = new CompletableFuture<>();
        result.whenComplete((ignored, failure) -> {
            if (failure != null) {
                engine.cancel(false);
            }
        });
        engine.whenComplete((permit, failure) -> {
            if (failure != null) {
                failed(failure, requested, start);
                result.completeExceptionally(failure);
            } else if (result.isDone()) {
                failed(new CancellationException(), requested, start);
                Permits.withdraw(permit);
            } else {
                // Counted before the caller sees the permit, so a caller reading the meters on completion sees it.
                Permit counted = completed(permit, maxWait, start);
                if (!result.complete(counted)) {
                    Permits.withdraw(permit); // the caller gave up in the meantime; counted as granted all the same
                }
            }
        });
        return result;
    }

    /**
     * Counts what a settle gave back: the permits granted beyond what was used (all of them for a give-back, which
     * settles at zero). A settle above the grant takes more and gives nothing back.
     */
    @Override
    public void settled(ObservedPermit permit, Object context, long actualPermits) {
        long unused = permit.permits() - actualPermits;
        if (unused > 0L) {
            returned.increment(unused);
        }
    }

    /** Counts a granted permit ended by {@link Permit#dropped()}: once, whatever else ends it. */
    @Override
    public void ended(ObservedPermit permit, Object context, boolean wasDropped) {
        if (wasDropped) {
            dropped.increment(permit.permits());
        }
    }

    private Permit counted(Permit permit, Reason reason) {
        permits[reason.ordinal()].increment(permit.permits());
        return permit.granted() ? new ObservedPermit(permit, this, null) : permit;
    }

    /**
     * A blocking acquisition refused after an interrupt sets the flag again (the {@link Limiter#acquire} contract),
     * so the flag tells a withdrawn wait from a timeout.
     */
    private static Reason blockingReason(Permit permit, Duration maxWait) {
        if (permit.granted()) {
            return Reason.NONE;
        }
        if (permit.never()) {
            return Reason.NEVER;
        }
        if (Thread.currentThread().isInterrupted()) {
            return Reason.INTERRUPTED;
        }
        return maxWait.isZero() ? Reason.LIMIT : Reason.TIMEOUT;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
