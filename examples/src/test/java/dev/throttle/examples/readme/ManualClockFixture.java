package dev.throttle.examples.readme;

/**
 * What most snippets take as given: {@code engine}, a local engine deciding on a manual {@code clock}, so that a test
 * moves time itself, never sleeps, and counts exactly.
 */
abstract class ManualClockFixture {

    /** The time of every decision; only the test moves it. */
    final dev.throttle.ManualClock clock = new dev.throttle.ManualClock();
    /** The engine the snippets call {@code engine}. */
    final dev.throttle.local.LocalEngine engine =
            dev.throttle.local.LocalEngine.builder().ticker(clock).scheduler(clock).build();
}
