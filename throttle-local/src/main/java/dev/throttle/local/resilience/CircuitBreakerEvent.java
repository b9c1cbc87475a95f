package dev.throttle.local.resilience;

/**
 * Something a {@link CircuitBreaker} did: a call outcome it recorded, a call it refused, or a change of state.
 *
 * @param breaker the breaker's name
 * @param kind what happened
 * @param state the state the event happened in; for a transition, the state left
 * @param newState for a transition, the state entered; otherwise the same as {@code state}
 * @param durationNanos for an outcome, the call's duration; otherwise 0
 * @param slow for an outcome, whether the call was slow
 * @param failure for {@link Kind#FAILURE} and {@link Kind#IGNORED_FAILURE}, what the call threw; otherwise null
 * @param atNanos the breaker's ticker reading when the event happened
 */
public record CircuitBreakerEvent(String breaker, Kind kind, CircuitBreaker.State state,
        CircuitBreaker.State newState, long durationNanos, boolean slow, Throwable failure, long atNanos) {

    /** What happened. */
    public enum Kind {
        /** A call succeeded. */
        SUCCESS,
        /** A call failed with a failure that counts against the service. */
        FAILURE,
        /** A call failed with a failure the breaker's predicate does not count: recorded as a success. */
        IGNORED_FAILURE,
        /** A call was refused: the breaker is open, or half-open with every probe taken. */
        NOT_PERMITTED,
        /** The breaker changed state. */
        STATE_TRANSITION
    }
}
