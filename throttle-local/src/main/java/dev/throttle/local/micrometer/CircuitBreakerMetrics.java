package dev.throttle.local.micrometer;

import dev.throttle.kernel.Arguments;
import dev.throttle.local.resilience.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Binds a {@link CircuitBreaker}'s meters, all tagged {@code breaker} with its name:
 * <ul>
 *   <li>{@value #STATE} (gauge), one per state, tagged {@code state} ({@code closed}, {@code open},
 *   {@code half_open}): 1 for the current state, 0 for the others. The gauges hold the breaker weakly.</li>
 *   <li>{@value #TRANSITIONS} (counter), tagged {@code from} and {@code to}: changes of state.</li>
 *   <li>{@value #CALLS} (counter), tagged {@code outcome} ({@code success}, {@code failure}: a failure that counts
 *   against the service, {@code ignored}: a failure the breaker's predicate does not count, {@code not_permitted}: a
 *   call refused) and {@code slow} ({@code true} for a call at or above the slow-call duration; {@code false} for a
 *   refused call).</li>
 * </ul>
 * Counts come from a listener added to the breaker ({@link CircuitBreaker#addListener}) and start at the binding.
 * Binding a breaker whose name is already bound in the registry does nothing, so a breaker bound twice counts once;
 * give breakers distinct names.
 */
public final class CircuitBreakerMetrics implements MeterBinder {

    /** Gauge of the breaker's state, 1 for the current one. */
    public static final String STATE = "throttle.breaker.state";
    /** Counter of the breaker's changes of state. */
    public static final String TRANSITIONS = "throttle.breaker.transitions";
    /** Counter of the calls the breaker saw, by outcome. */
    public static final String CALLS = "throttle.breaker.calls";
    /** The tag holding the breaker's name. */
    public static final String TAG_BREAKER = "breaker";

    private static final CircuitBreaker.State[] STATES = CircuitBreaker.State.values();

    private final CircuitBreaker breaker;
    private final Tags tags;

    /**
     * The meters of a breaker.
     *
     * @param breaker the breaker
     * @throws IllegalArgumentException if null
     */
    public CircuitBreakerMetrics(CircuitBreaker breaker) {
        this(breaker, Tags.empty());
    }

    /**
     * The meters of a breaker, with extra tags.
     *
     * @param breaker the breaker
     * @param tags extra tags, of bounded cardinality
     * @throws IllegalArgumentException if an argument is null
     */
    public CircuitBreakerMetrics(CircuitBreaker breaker, Iterable<Tag> tags) {
        this.breaker = Arguments.requireNonNull("breaker", breaker);
        this.tags = Tags.of(TAG_BREAKER, breaker.name()).and(Arguments.requireNonNull("tags", tags));
    }

    /**
     * Registers the meters and starts counting the breaker's events.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        if (registry.find(STATE).tags(tags).gauge() != null) {
            return; // bound already: a second listener would count every event twice
        }
        for (CircuitBreaker.State state : STATES) {
            Gauge.builder(STATE, breaker, b -> b.state() == state ? 1.0 : 0.0)
                    .description("1 for the breaker's current state, 0 for the others")
                    .tags(tags).tag("state", tag(state))
                    .register(registry);
        }
        breaker.addListener(new Listener(registry, tags));
    }

    static String tag(CircuitBreaker.State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    /** Turns events into counts: every counter is looked up once, so an event costs an array index and an add. */
    private static final class Listener implements Consumer<CircuitBreaker.Event> {

        private final MeterRegistry registry;
        private final Tags tags;
        private final Counter[][] transitions = new Counter[STATES.length][STATES.length];
        private final Counter[] calls = new Counter[CircuitBreaker.Event.Kind.values().length * 2];

        Listener(MeterRegistry registry, Tags tags) {
            this.registry = registry;
            this.tags = tags;
            // The breaker's four transitions, registered up front so that each series exists (at 0) from the start.
            transition(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN);
            transition(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);
            transition(CircuitBreaker.State.HALF_OPEN, CircuitBreaker.State.CLOSED);
            transition(CircuitBreaker.State.HALF_OPEN, CircuitBreaker.State.OPEN);
            callCounter(registry, tags, CircuitBreaker.Event.Kind.SUCCESS, "success", false);
            callCounter(registry, tags, CircuitBreaker.Event.Kind.SUCCESS, "success", true);
            callCounter(registry, tags, CircuitBreaker.Event.Kind.FAILURE, "failure", false);
            callCounter(registry, tags, CircuitBreaker.Event.Kind.FAILURE, "failure", true);
            callCounter(registry, tags, CircuitBreaker.Event.Kind.IGNORED_FAILURE, "ignored", false);
            callCounter(registry, tags, CircuitBreaker.Event.Kind.IGNORED_FAILURE, "ignored", true);
            callCounter(registry, tags, CircuitBreaker.Event.Kind.NOT_PERMITTED, "not_permitted", false);
        }

        /** The counter of a transition, registered on first use; a race registers it twice, harmlessly. */
        private Counter transition(CircuitBreaker.State from, CircuitBreaker.State to) {
            Counter counter = transitions[from.ordinal()][to.ordinal()];
            if (counter == null) {
                counter = Counter.builder(TRANSITIONS)
                        .description("Changes of the breaker's state")
                        .tags(tags).tag("from", tag(from)).tag("to", tag(to))
                        .register(registry);
                transitions[from.ordinal()][to.ordinal()] = counter;
            }
            return counter;
        }

        private void callCounter(MeterRegistry registry, Tags tags, CircuitBreaker.Event.Kind kind, String outcome,
                boolean slow) {
            calls[index(kind, slow)] = Counter.builder(CALLS)
                    .description("Calls seen by the breaker, by outcome")
                    .tags(tags).tag("outcome", outcome).tag("slow", Boolean.toString(slow))
                    .register(registry);
        }

        private static int index(CircuitBreaker.Event.Kind kind, boolean slow) {
            return kind.ordinal() * 2 + (slow ? 1 : 0);
        }

        @Override
        public void accept(CircuitBreaker.Event event) {
            if (event.kind() == CircuitBreaker.Event.Kind.STATE_TRANSITION) {
                transition(event.state(), event.newState()).increment();
                return;
            }
            Counter counter = calls[index(event.kind(), event.slow())];
            if (counter != null) {
                counter.increment();
            }
        }
    }
}
