package dev.throttle.local.adaptive;

import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link RateLevelStore} in this JVM's memory, for several limiters of one process (one per tenant, or a test's
 * simulated fleet). Votes live in an immutable map swapped by CAS: no lock, and a write costs a copy of the map,
 * which is small (one entry per node) and written once per evaluation interval per node.
 */
final class InProcessRateLevelStore implements RateLevelStore {

    private record Vote(int level, long at) {
    }

    private final Ticker ticker;
    private final long ttlNanos;
    private final AtomicReference<Map<String, Vote>> votes = new AtomicReference<>(Map.of());

    /**
     * A store whose votes live for a while after their last publication.
     *
     * @param ticker the clock votes are stamped with
     * @param ttl how long a vote lives unless refreshed; longer than the voters' evaluation interval
     * @throws IllegalArgumentException if an argument is null, or {@code ttl} is not positive or too long
     */
    InProcessRateLevelStore(Ticker ticker, Duration ttl) {
        this.ticker = Arguments.requireNonNull("ticker", ticker);
        this.ttlNanos = Arguments.periodNanos("ttl", ttl);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code node} is null or {@code level} is negative
     */
    @Override
    public void publish(String node, int level) {
        Arguments.requireNonNull("node", node);
        Arguments.requireNonNegative("level", level);
        long now = ticker.read();
        for (;;) {
            Map<String, Vote> current = votes.get();
            Map<String, Vote> next = new HashMap<>();
            current.forEach((voter, vote) -> {
                if (now - vote.at() < ttlNanos) {
                    next.put(voter, vote); // dead votes are swept on the way
                }
            });
            next.put(node, new Vote(level, now));
            if (votes.compareAndSet(current, Map.copyOf(next))) {
                return;
            }
        }
    }

    @Override
    public OptionalInt fleetLevel() {
        long now = ticker.read();
        int highest = -1;
        for (Vote vote : votes.get().values()) {
            if (now - vote.at() < ttlNanos) {
                highest = Math.max(highest, vote.level());
            }
        }
        return highest < 0 ? OptionalInt.empty() : OptionalInt.of(highest);
    }
}
