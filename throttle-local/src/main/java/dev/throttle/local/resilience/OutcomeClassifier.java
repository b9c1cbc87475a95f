package dev.throttle.local.resilience;

import dev.throttle.kernel.Arguments;
import java.util.function.Predicate;

/**
 * Which call outcomes a circuit breaker counts, and how: a thrown failure is ignored (counted neither way, as an
 * exception of the caller's own making: a validation error, a cancellation) when {@code ignoreFailure} says so, else a
 * failure when {@code recordFailure} says so, else a success; a returned result is a failure when
 * {@code recordResult} says so (an HTTP 503 returned, not thrown), else a success. Ignoring takes precedence, as in
 * Resilience4j's {@code ignoreExceptions}. Immutable: each {@code with} method makes a new one.
 */
final class OutcomeClassifier {

    /** The call succeeded, or failed in a way that does not count against the service. */
    static final int SUCCESS = 0;
    /** The call failed in a way that counts against the service. */
    static final int FAILURE = 1;
    /** The outcome is counted neither as a success nor as a failure. */
    static final int IGNORED = 2;

    /** Every failure counts, none is ignored, every result is a success. */
    static final OutcomeClassifier DEFAULT = new OutcomeClassifier(failure -> true, failure -> false, result -> false);

    final Predicate<Throwable> recordFailure;
    final Predicate<Throwable> ignoreFailure;
    final Predicate<Object> recordResult;

    private OutcomeClassifier(Predicate<Throwable> recordFailure, Predicate<Throwable> ignoreFailure,
            Predicate<Object> recordResult) {
        this.recordFailure = recordFailure;
        this.ignoreFailure = ignoreFailure;
        this.recordResult = recordResult;
    }

    /**
     * Classifies one outcome.
     *
     * @param failure what the call threw, or null if it returned
     * @param result what it returned (null when it threw, or returned null)
     * @return {@link #SUCCESS}, {@link #FAILURE} or {@link #IGNORED}
     */
    int classify(Throwable failure, Object result) {
        if (failure != null) {
            if (ignoreFailure.test(failure)) {
                return IGNORED;
            }
            return recordFailure.test(failure) ? FAILURE : SUCCESS;
        }
        return recordResult.test(result) ? FAILURE : SUCCESS;
    }

    OutcomeClassifier withRecordFailure(Predicate<Throwable> predicate) {
        return new OutcomeClassifier(Arguments.requireNonNull("recordFailure", predicate), ignoreFailure,
                recordResult);
    }

    OutcomeClassifier withIgnoreFailure(Predicate<Throwable> predicate) {
        return new OutcomeClassifier(recordFailure, Arguments.requireNonNull("ignoreFailure", predicate),
                recordResult);
    }

    /** Results of {@code type} that {@code predicate} accepts are failures; null and other types are not. */
    <T> OutcomeClassifier withRecordResult(Class<T> type, Predicate<? super T> predicate) {
        Arguments.requireNonNull("type", type);
        Arguments.requireNonNull("recordResult", predicate);
        return new OutcomeClassifier(recordFailure, ignoreFailure,
                result -> type.isInstance(result) && predicate.test(type.cast(result)));
    }
}
