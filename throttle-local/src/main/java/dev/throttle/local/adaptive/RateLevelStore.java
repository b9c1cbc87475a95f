package dev.throttle.local.adaptive;

import dev.throttle.Ticker;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Shares a {@link StepRateLimiter}'s step across a fleet, so that health-driven throttling seen by one node slows
 * every node. The seam for a Redis implementation; {@link InProcessRateLevelStore} is the in-process one.
 *
 * <p>The contract:
 * <ul>
 *   <li><b>Who writes.</b> Every node votes: at each of its evaluations its limiter publishes the step its own signal
 *   decided (its <em>local</em> step), with hysteresis and cooldowns already applied. Re-publishing an unchanged vote
 *   each interval keeps it alive; a vote not refreshed within the store's time to live is dead, so a node that left
 *   stops holding the fleet down.</li>
 *   <li><b>What readers see.</b> {@link #fleetLevel()} is the most restrictive (highest) live vote. Each node runs
 *   at {@code max(local, fleet)}: within one evaluation interval, plus the store's propagation delay, every node is
 *   at least as slow as the slowest vote. Since every vote moves with hysteresis and cooldowns, the fleet level does
 *   not flap unless a node's vote does.</li>
 *   <li><b>When the store is unreachable</b> (or slow): {@link #publish} drops the vote without throwing and
 *   {@link #fleetLevel()} answers empty; the limiter then keeps its local decision. An exception thrown anyway is
 *   treated the same way. When the store returns, the next evaluation converges again.</li>
 *   <li><b>Cost.</b> Both methods run on the decision path of the one thread that evaluates in an interval, so they
 *   must not block: a remote store answers from a copy refreshed in the background and writes asynchronously.</li>
 *   <li><b>Levels</b> are step indexes; every node of the fleet must configure the same steps.</li>
 * </ul>
 */
public interface RateLevelStore {

    /**
     * Records a node's vote, replacing its previous one, and refreshes its time to live. Never throws for an
     * unreachable store.
     *
     * @param node the voting node's identity, stable for its lifetime
     * @param level the node's local step index, 0 or more
     */
    void publish(String node, int level);

    /**
     * The fleet's level: the highest live vote.
     *
     * @return the level, or empty when no vote is live or the store cannot be read
     */
    OptionalInt fleetLevel();

    /**
     * A store shared by the limiters of this JVM (for tests, and for several limiters of one process that must
     * throttle as one): a node's vote lasts {@code ttl} after its last publication, so a node that stops publishing
     * stops counting.
     *
     * @param ticker the clock the votes age on
     * @param ttl how long a vote lasts, from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
     * @return the store
     * @throws IllegalArgumentException if an argument is null or out of range
     */
    static RateLevelStore inProcess(Ticker ticker, Duration ttl) {
        return new InProcessRateLevelStore(ticker, ttl);
    }
}
