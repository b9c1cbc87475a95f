package dev.throttle.local.resilience;

/**
 * The counts of a window of outcomes at one moment.
 *
 * @param calls the calls in the window, 0 or more
 * @param failures the failed calls among them, 0 to {@code calls}
 * @param slowCalls the slow calls among them, 0 to {@code calls}
 */
record Tally(long calls, long failures, long slowCalls) {
}
