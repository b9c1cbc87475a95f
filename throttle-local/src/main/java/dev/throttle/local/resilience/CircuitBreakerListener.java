package dev.throttle.local.resilience;

/**
 * Receives a {@link CircuitBreaker}'s events, on the thread that caused them. It must be quick and must not call back
 * into the breaker's state changes; an exception it throws is ignored so that it cannot break the breaker.
 * Events of different threads may arrive in any order.
 */
@FunctionalInterface
public interface CircuitBreakerListener {

    /**
     * Handles one event.
     *
     * @param event the event
     */
    void onEvent(CircuitBreakerEvent event);
}
