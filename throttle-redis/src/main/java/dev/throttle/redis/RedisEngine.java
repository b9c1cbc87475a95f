package dev.throttle.redis;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.Engine;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.Ticker;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The Redis engine: every spec enforced atomically in Redis by Lua scripts (rate limits, concurrency limits with
 * leases, all-of composites), shared by every JVM that uses the same server and key prefix.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create();
 * try (RedisEngine engine = RedisEngine.builder(client, RedisURI.create("redis://localhost")).build()) {
 *     RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
 *     if (api.allow()) { ... }
 * }
 * }</pre>
 *
 * <p><b>One round trip.</b> A decision is at most one EVALSHA on one shared, thread-safe connection; scripts are
 * loaded when the engine is built and reloaded transparently after a NOSCRIPT error (a restart, a failover).
 * Concurrent rate decisions share one EVALSHA ({@link Builder#coalescing(boolean) coalescing}, on by default), on one
 * limit or across limits: any limits of the engine on a standalone or Sentinel server, limits whose keys lie in one
 * hash slot on a Cluster. A decision that finds no call of its group open goes out at once; those arriving before
 * the connection writes it go out in it (on a Cluster: those arriving while it is in flight go out together when it
 * is answered), each limit's decided in arrival order exactly as one by one at one clock reading (in client-time mode,
 * the ticker's reading when the batch is written).
 *
 * <p><b>Time.</b> By default the Redis server's clock (TIME inside the script), so client clocks are never trusted:
 * the scripts count whole microseconds, and periods are rounded up to whole microseconds; decisions equal the local
 * engine's when intervals and windows are whole microseconds. With {@link Builder#ticker(Ticker)} the client's
 * ticker is used instead (client-time mode, in nanoseconds; every client must then share the ticker's origin, and
 * readings must stay below 2^52).
 *
 * <p><b>Keys.</b> {@code prefix + "{" + tag + "}" + suffix}: the tag is the limiter's name, or the SHA-256 (hex) of
 * its UTF-8 bytes when the name is longer than 200 characters or contains a brace, so every key of one limiter lies
 * in one cluster slot whatever the name. Names and values reach the scripts only as KEYS and ARGV. Every key written
 * expires when its state has returned to rest (at least after {@link Builder#minExpiry(Duration)}).
 *
 * <p><b>Permits.</b> The kernel's permits, as every engine's: a rate grant is spent when granted, and
 * {@link dev.throttle.Permit#settle(long)} is one more round trip (the same script in its adjust mode), with the local
 * engine's semantics; a cancelled waiter's reserved slot, or a grant that arrives after its decision timed out, is
 * given back the same way without waiting. A concurrency grant holds a lease until it is closed.
 *
 * <p><b>Concurrency limits</b> ({@link Concurrency} specs, through {@link #limiter}) hold leases that expire one
 * {@link Builder#leaseTtl(Duration) lease TTL} after their grant, so a crashed client's permits come back by
 * themselves. Leases are not renewed (the TTL must exceed the longest use of a permit). Waiters are not queued: a
 * waiting acquisition polls (at the earliest lease expiry, at most every 10 ms) until its deadline, in no fair order;
 * a spec with {@code maxQueue} 0 does not wait, as in the local engine.
 *
 * <p><b>Composites.</b> An {@link AllOf} spec decides over several limits in one script call, all or nothing; its
 * refusal names the refusing part. Every key of one decision lies in one cluster slot: a composite's keys lie under
 * its name's hash tag; in a {@link #keyed keyed} composite, each key's per-key parts lie under the composite's name too
 * (next to the shared parts), or, when every part is per key, under {@code name + ":" + key} as any keyed limiter's.
 *
 * <p><b>Specs.</b> Each spec maps to its limiter in one place, a {@link LimitSpec.Visitor}: rate specs to a rate
 * limiter running the algorithm's script, {@link Concurrency} to a limiter of leases, {@link AllOf} to a composite.
 * {@link ClientSideThrottling} is refused: it decides in this JVM from its own calls, so only the local engine
 * enforces it.
 *
 * <p>Standalone and Sentinel servers are reached through the {@link RedisURI}; a Redis Cluster through a
 * {@link RedisClusterClient} or its connection. On a Cluster a decision is still one EVALSHA, sent to the master of
 * its keys' slot; SCRIPT LOAD goes to every node; a MOVED or ASK redirect (a slot migration, a failover) is followed
 * by Lettuce, at the cost of one more round trip until its view of the topology is refreshed (see
 * {@code ClusterTopologyRefreshOptions}). In server-time mode a key is timed by the clock of the node holding it, so
 * the nodes' clocks should be synchronised (NTP): a key that moves to another node moves to that node's clock.
 *
 * <p><b>When Redis fails.</b> A decision waits for a silent Redis at most the {@link Builder#decisionTimeout(Duration)
 * decision timeout} (default 50 ms) twice, and longer, up to the command timeout, only while Redis answers other calls
 * (a loaded client is not a dead server); a decision that fails or times out follows the
 * {@link Builder#failurePolicy(FailurePolicy) failure policy} (default {@link FailurePolicy#FAIL_CLOSED}). After
 * {@link Builder#breakerFailureThreshold(int)} consecutive failures (default 5; timeouts count once Redis has been
 * silent for the command timeout) a circuit breaker opens: for {@link Builder#breakerOpenDuration(Duration)} (default
 * 1 s) decisions follow the policy at once without asking Redis; then one decision probes Redis, and its success (or
 * any answer that arrives late) closes the breaker. An engine built while Redis cannot be reached starts all the same
 * and connects in the background. The engine recovers by itself when Redis returns: Lettuce reconnects the connection, scripts
 * lost in a restart are reloaded on NOSCRIPT. {@link #stats()} counts what happened. Decisions never call back into
 * the engine: every limiter is handed the engine's collaborators (the script runner, the breaker, the counters, the
 * policy, the clocks) when it is made.
 *
 * <p><b>Logs.</b> Through {@link System.Logger}, logger {@code dev.throttle.redis}, never a line per decision: WARN
 * when the failure policy starts answering for want of Redis, and when the breaker opens; INFO when Redis answers
 * again (with how long it was unavailable and how many decisions the policy answered meanwhile), and when a script
 * lost by the server is loaded again. Each kind of line is written at most once every ten seconds, with a count of
 * those left out, so a flapping server cannot flood the log.
 *
 * <p><b>Lettuce while disconnected.</b> By default Lettuce queues commands issued while the connection is down
 * ({@code ClientOptions.disconnectedBehavior} DEFAULT, {@code requestQueueSize} unbounded) and sends them on
 * reconnect; the decision timeout frees the caller, but queued commands would pile up. So the engine built from a
 * {@link RedisClient} and {@link RedisURI} opens its connection with {@code disconnectedBehavior(REJECT_COMMANDS)}
 * and {@code autoReconnect(true)}: decisions fail fast while Redis is down, and the connection comes back by itself.
 * The client's own options are set only for that connect and restored at once (do not connect the same client from
 * another thread while an engine is being built). Given a connection ({@link #builder(StatefulRedisConnection)}),
 * the engine keeps its options: configure them so, or bound {@code requestQueueSize}. While connected but slow
 * (a paused or busy server), commands in flight are bounded by the callers' concurrency until the breaker opens.
 *
 * <p><b>Refusal cache.</b> In server-time mode the engine remembers each limiter's latest refusal and refuses, in this
 * JVM and without a round trip, requests for as many permits or more before its retry time
 * ({@link Builder#refusalCache(boolean)}): conservative, as a refusal is then served for its whole retry time even if
 * capacity frees up early through a refund from another JVM. A composite caches its rate parts' refusals the same way
 * (never a concurrency part's, whose retry time is unknown).
 */
public final class RedisEngine implements Engine {

    /** Where Redis is, for the toStrings of an engine on a Cluster (its nodes are Lettuce's to know). */
    private static final String CLUSTER = "redis cluster";
    /** Where Redis is, for the toStrings of an engine on a connection it was given (whose address it cannot see). */
    private static final String SHARED_CONNECTION = "a shared connection";
    /** The most replicas {@link Builder#replicaAcknowledgement(int, Duration)} may ask for. */
    private static final long MAX_ACK_REPLICAS = 1_000L;

    /** The connection: the caller's, or the engine's own, which may not exist yet (built during an outage). */
    private final RedisLink link;
    private final long commandTimeoutNanos;
    private final Stats stats = new Stats();
    private final RedisBreaker breaker;
    /** What every limiter of this engine works with; limiters never call back into the engine. */
    private final RedisContext context;
    /**
     * The leased limiters made by this engine, whose leases it gives back when it closes; weakly held, so that a
     * limiter dropped by the application is not kept (its lease then stays counted, which never over-admits).
     */
    private final Set<LeasedRateLimiter> leasedLimiters = Collections.newSetFromMap(new WeakHashMap<>());

    private RedisEngine(Builder builder) {
        this.commandTimeoutNanos = builder.commandTimeout.toNanos();
        // Outages are measured in real time, whatever clock the decisions use.
        this.breaker = new RedisBreaker(builder.breakerFailureThreshold, builder.breakerOpenDuration.toNanos(),
                Ticker.system(), stats);
        boolean cache = builder.refusalCache == null ? builder.ticker == null : builder.refusalCache;
        RedisHealth health = new RedisHealth(builder.subject, builder.failurePolicy,
                builder.decisionTimeout.toNanos(), builder.breakerOpenDuration.toNanos(), builder.logger,
                builder.logClock);
        this.link = builder.connection != null ? RedisLink.given(builder.connection, health)
                : RedisLink.opened(builder.opener, Scheduler.shared(), health, RedisLink.FIRST_ATTEMPT_MAX_NANOS);
        ScriptRunner runner = new ScriptRunner(link, builder.commandTimeout, health, builder.ackReplicas,
                builder.ackTimeoutMillis);
        this.context = new RedisContext(runner, breaker, health, builder.where, stats,
                cache ? new RefusalCache(RefusalCache.DEFAULT_MAX_ENTRIES) : null,
                builder.failurePolicy,
                builder.ticker == null ? Timebase.server() : Timebase.client(builder.ticker),
                builder.ticker == null ? Ticker.system() : builder.ticker,
                builder.scheduler, builder.prefix, builder.minExpiryMillis, builder.leaseTtlNanos,
                builder.decisionTimeout.toNanos());
        if (builder.coalescing) {
            context.coalesce(commandTimeoutNanos, CLUSTER.equals(builder.where));
        }
        // Loads the scripts on the connection now, or once the engine connects.
        EvictionPolicy eviction = new EvictionPolicy(health, stats);
        link.onConnected(commands -> {
            ScriptRunner.preload(commands);
            eviction.read(commands);
        });
    }

    /**
     * Starts connecting with commands rejected while disconnected (so they fail fast instead of queueing without
     * bound) and automatic reconnection; the client's options are restored once the connection's endpoint is made,
     * which keeps its own.
     */
    private static CompletableFuture<StatefulRedisConnection<String, String>> connectFailingFast(RedisClient client,
            RedisURI uri) {
        ClientOptions original = client.getOptions();
        client.setOptions(original.mutate()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .autoReconnect(true)
                .build());
        try {
            return client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        } finally {
            client.setOptions(original);
        }
    }

    /**
     * A builder on a client and the server's address; the engine opens one connection, and closes it on
     * {@link #close()}.
     *
     * @param client the Lettuce client (owned by the caller)
     * @param uri the server: standalone, or Sentinel
     * @return a new builder
     * @throws IllegalArgumentException if an argument is null
     */
    public static Builder builder(RedisClient client, RedisURI uri) {
        Arguments.requireNonNull("client", client);
        Arguments.requireNonNull("uri", uri);
        String address = RedisHealth.address(uri);
        return new Builder(() -> connectFailingFast(client, uri), null, address, "Redis at " + address);
    }

    /**
     * A builder on a Redis Cluster client; the engine opens one cluster connection (Lettuce keeps a connection per
     * node beneath it), and closes it on {@link #close()}.
     *
     * @param client the Lettuce cluster client, created with the cluster's seed addresses (owned by the caller)
     * @return a new builder
     * @throws IllegalArgumentException if the client is null
     */
    public static Builder builder(RedisClusterClient client) {
        Arguments.requireNonNull("client", client);
        // A Cluster client connects once it knows the cluster's slots; its blocking connect loads them first.
        return new Builder(() -> client.refreshPartitionsAsync().toCompletableFuture()
                .thenCompose(loaded -> client.connectAsync(StringCodec.UTF8)), null, CLUSTER, "Redis cluster");
    }

    /**
     * A builder on an open Redis Cluster connection, shared with the caller, who closes it.
     *
     * @param connection a cluster connection with string keys and values
     * @return a new builder
     * @throws IllegalArgumentException if the connection is null
     */
    public static Builder builder(StatefulRedisClusterConnection<String, String> connection) {
        return new Builder(null, Arguments.requireNonNull("connection", connection), CLUSTER, "Redis cluster");
    }

    /**
     * A builder on an open connection, shared with the caller, who closes it.
     *
     * @param connection a connection with string keys and values
     * @return a new builder
     * @throws IllegalArgumentException if the connection is null
     */
    public static Builder builder(StatefulRedisConnection<String, String> connection) {
        return new Builder(null, Arguments.requireNonNull("connection", connection), SHARED_CONNECTION,
                "Redis (on a shared connection)");
    }

    /**
     * Creates a limiter whose state lives in Redis under this engine's prefix and the name: a rate limiter for a rate
     * spec (a {@link RateLimiter}), a concurrency limiter with leases for a {@link Concurrency} spec, an all-of
     * composite for an {@link AllOf} of shared parts (a {@link RateLimiter} when every part is a rate spec). Limiters
     * of the same name and spec share their state, in this JVM and every other.
     *
     * @param name the limiter's name, the base of its keys
     * @param spec the limit
     * @return the limiter
     * @throws IllegalArgumentException if the name is null or empty, or the spec is null, {@link ClientSideThrottling}
     *     (or holds it), an {@link AllOf} with a per-key part (use {@link #keyed}), or too large for the scripts'
     *     exact arithmetic
     */
    @Override
    public Limiter limiter(String name, LimitSpec spec) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        return spec.accept(new RedisLimiters(name, null, null, null));
    }

    /**
     * Creates a rate limiter whose state lives in Redis under this engine's prefix and the name: a rate spec, or an
     * all-of composite of rate specs decided in one script call. Limiters of the same name and spec share their
     * state, in this JVM and every other.
     *
     * @param name the limiter's name, the base of its keys
     * @param spec a rate spec ({@link LimitSpec#isRate()}): fixed window, sliding log, sliding window, token bucket,
     *     leaky bucket, or an {@link AllOf} of them without per-key parts
     * @return the limiter
     * @throws IllegalArgumentException if the name is null or empty, or the spec is null, not a rate spec, has a
     *     per-key part, or is too large for the scripts' exact arithmetic
     */
    @Override
    public RateLimiter rateLimiter(String name, LimitSpec spec) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        if (!spec.isRate()) {
            throw new IllegalArgumentException("spec = " + spec + " is not supported by rateLimiter(): it is not a"
                    + " rate spec, its permits are held until closed; use limiter()");
        }
        return (RateLimiter) spec.accept(new RedisLimiters(name, null, null, null));
    }

    /**
     * Creates a rate limiter like {@link #rateLimiter(String, LimitSpec)} whose rate follows a factor shared through
     * Redis, published by {@link #sharedRate(String, Duration)} of the same name on any node: each decision reads the
     * factor in the same script call (no extra round trip) and scales the spec's rate by it (see
     * {@link RedisSharedRate}). Such a limiter keeps no refusal cache, since a raised factor may end a refusal early;
     * its fallback during an outage enforces the spec's full rate. Only single limiters follow a shared rate: a keyed
     * limiter's keys lie in many Cluster slots, which one shared key cannot share.
     *
     * @param name the limiter's name, the base of its keys and of the shared factor's key
     * @param spec a token bucket or a leaky bucket
     * @return the limiter
     * @throws IllegalArgumentException if the name is null or empty, or the spec is null, not a token or leaky
     *     bucket, or too large for the scripts' exact arithmetic
     */
    public RateLimiter sharedRateLimiter(String name, LimitSpec spec) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        Plan own = plan(name, spec);
        if (own.script() != Script.BUCKET) {
            throw new IllegalArgumentException("spec = " + spec + " cannot follow a shared rate: only a TokenBucket"
                    + " or a LeakyBucket can");
        }
        String factorKey = RedisSharedRate.key(context.prefix(), name);
        Plan shared = new Plan(own.script(), new String[] {own.keys()[0], factorKey}, own.params(), own.reserves());
        return new RedisRateLimiter(name, spec, shared, context, context.fallback(name, spec));
    }

    /**
     * Creates a rate limiter like {@link #rateLimiter(String, LimitSpec)} that takes its permits from Redis
     * {@code batch} at a time and spends each batch (a lease) in this JVM: while a lease lasts, a decision is one
     * compare-and-set in memory, with no round trip, so one process makes millions of decisions a second on one hot
     * limit. A lease may be spent for {@code lifetime}; then, or when a new lease replaces it, or when the engine
     * closes, what is left of it is given back to Redis for every other process to use. When Redis refuses a whole
     * batch, each decision asks Redis for exactly its own permits, as the plain limiter does.
     *
     * <p>The limit holds in count, not exactly in time: a leased permit is counted in Redis when its lease is taken and
     * may be spent up to {@code lifetime} later, in a later window. In any window (any interval, for a bucket), the
     * permits admitted by a fleet of {@code E} engines leasing this limit exceed it by at most {@code E × batch}: the
     * leases still live when the window began. Choose {@code batch} small beside the limit, and {@code lifetime}
     * short beside the window.
     *
     * @param name the limiter's name, the base of its keys (shared with plain limiters of the same name and spec)
     * @param spec a fixed window, sliding window, sliding log, token bucket, or leaky bucket meter
     * @param batch the permits of each lease, from 1 to the spec's capacity
     * @param lifetime how long a lease may be spent, from 1 ms to 1 hour
     * @return the limiter; its {@link Permit}s settle below their grant into the lease while it lasts
     * @throws IllegalArgumentException if the name is null or empty, the spec is null, not one of those above (an
     *     all-of composite, a shaping leaky bucket, whose permits are slots in time, or a concurrency limit), or too
     *     large for the scripts' exact arithmetic, or {@code batch} or {@code lifetime} is out of range
     */
    public RateLimiter leasedRateLimiter(String name, LimitSpec spec, long batch, Duration lifetime) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        if (!spec.isRate() || spec instanceof AllOf
                || spec instanceof LeakyBucket bucket && bucket.mode() == LeakyBucket.Mode.SHAPING) {
            throw new IllegalArgumentException("spec = " + spec + " cannot be leased: only a FixedWindow,"
                    + " SlidingWindow, SlidingLog, TokenBucket or metering LeakyBucket can");
        }
        Arguments.requireInRange("batch", batch, 1L, spec.capacity());
        long lifetimeNanos = Arguments.toNanos("lifetime", lifetime, TimeUnit.MILLISECONDS.toNanos(1),
                TimeUnit.HOURS.toNanos(1));
        RedisRateLimiter redis = (RedisRateLimiter) spec.accept(new RedisLimiters(name, null, null, null));
        LeasedRateLimiter leased = new LeasedRateLimiter(redis, batch, lifetimeNanos, context.waitClock(),
                context.scheduler());
        synchronized (leasedLimiters) {
            leasedLimiters.add(leased);
        }
        return leased;
    }

    /**
     * The publisher of the shared rate factor of the limiters named {@code name} (made by
     * {@link #sharedRateLimiter(String, LimitSpec)} on any node), on this engine's connection.
     *
     * @param name the limiters' name
     * @param ttl how long a published factor holds unless published again; once it expires, the full rate applies
     * @return the publisher
     * @throws IllegalArgumentException if the name is null or empty, or {@code ttl} is not in [1 ms, 3650 days]
     */
    public RedisSharedRate sharedRate(String name, Duration ttl) {
        requireName(name);
        long ttlNanos = Arguments.toNanos("ttl", ttl, 1_000_000L, Arguments.MAX_DURATION_NANOS);
        return new RedisSharedRate(name, RedisSharedRate.key(context.prefix(), name), link::commands,
                TimeUnit.NANOSECONDS.toMillis(ttlNanos), commandTimeoutNanos);
    }

    /**
     * Creates a limiter per key. For a single spec, key {@code k}'s limiter is this engine's limiter named
     * {@code name + ":" + String.valueOf(k)}, so the key rule applies to the whole name (it is the cluster hash tag,
     * or its SHA-256 when longer than 200 characters or holding a brace: any key, 10 kB or braced, gives a bounded
     * key). For an {@link AllOf}, every key's composite (named {@code name + ":" + k} in its permits) has its own
     * state for the per-key parts and one state for the shared parts, all decided in one script call: with a shared
     * part, every key lies under the composite's name (the per-key parts' keys add the key, or its SHA-256 when long
     * or braced), so one decision touches one cluster slot; with every part per key, under the key's own name. No
     * per-key state is kept in this JVM ({@link KeyedLimiter#estimatedSize()} is 0): each key's state lives in Redis
     * and expires once it has returned to rest.
     *
     * @param name the name shared by every key's limiter
     * @param spec the limit
     * @param <K> the key type; keys with equal string forms share a limiter
     * @return the keyed limiter; its calls throw {@link IllegalArgumentException} for a null key
     * @throws IllegalArgumentException if the name is null or empty, or the spec is null, {@link ClientSideThrottling}
     *     (or holds it), or too large for the scripts' exact arithmetic
     */
    @Override
    public <K> KeyedLimiter<K> keyed(String name, LimitSpec spec) {
        requireName(name);
        Arguments.requireNonNull("spec", spec);
        spec.accept(new RedisLimiters(name + ":", name, "", null)); // checks the spec once, before any key is used
        FailurePolicy policy = context.failurePolicy();
        Supplier<KeyedLimiter<String>> local = null;
        if (policy.kind() == FailurePolicy.Kind.FALLBACK) {
            LimitSpec localSpec = policy.localSpec(spec); // checked now, not during an outage
            // One keyed limiter of the policy's engine for every key, made on first use: its engine bounds its memory.
            local = RedisContext.once(() -> policy.localKeyed(name, localSpec));
        }
        Supplier<KeyedLimiter<String>> fallbacks = local;
        Function<String, Limiter> limiters;
        if (spec.isRate() && !(spec instanceof AllOf)) {
            // A call makes its key's limiter afresh: the spec's script, numbers and ARGV are worked out once, here,
            // so that a call only names the key's Redis keys.
            RateShape shape = RateShape.keyed(plan(UnaryOperator.identity(), spec), context);
            String prefix = context.prefix();
            limiters = key -> {
                String limiterName = name + ":" + key;
                return new RedisRateLimiter(limiterName, spec, shape, shape.keys(prefix, limiterName), context,
                        fallbacks == null ? null : () -> fallbacks.get().forKey(key));
            };
        } else {
            limiters = key -> spec.accept(new RedisLimiters(name + ":" + key, name, key,
                    fallbacks == null ? null : () -> fallbacks.get().forKey(key)));
        }
        return new RedisKeyedLimiter<>(name, spec, limiters, context.where());
    }

    /**
     * The counters of this engine's decisions and failures.
     *
     * @return the live counters
     */
    public Stats stats() {
        return stats;
    }

    /**
     * Whether the engine's circuit breaker around Redis is open or probing: decisions follow the failure policy
     * without asking Redis (except the probe). For health checks and gauges.
     *
     * @return true unless the breaker is closed
     */
    public boolean breakerOpen() {
        return breaker.mode() != RedisBreaker.Mode.CLOSED;
    }

    /** The breaker, for tests. */
    RedisBreaker breaker() {
        return breaker;
    }

    /** Whether the engine's connection is up now, for tests that wait for Lettuce to notice a server gone. */
    boolean connected() {
        return link.isOpen();
    }

    /**
     * Gives back what is left of every lease of its leased limiters (waiting for Redis, at most the command timeout
     * each), then closes the connection if the engine opened it; limiters must not be used afterwards. Never throws.
     */
    @Override
    public void close() {
        List<LeasedRateLimiter> leased;
        synchronized (leasedLimiters) {
            leased = new ArrayList<>(leasedLimiters);
        }
        for (LeasedRateLimiter limiter : leased) {
            try {
                limiter.close();
            } catch (RuntimeException failure) {
                // Redis did not take the rest back: it stays counted until its window passes, which never over-admits.
            }
        }
        link.close();
    }

    /**
     * The engine in one line, for logs: where Redis is (never with credentials), its key prefix, its clock and its
     * failure policy, for example {@code RedisEngine[redis://127.0.0.1:6379, prefix throttle:, server time, fail
     * closed]}. Asks nothing of Redis.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "RedisEngine[" + context.where() + ", prefix " + context.prefix() + ", "
                + (context.timebase().clientTime() ? "client time" : "server time") + ", "
                + context.failurePolicy().text() + "]";
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
    }

    /** The plan of a single limit of this name, its keys under the name's hash tag. */
    private Plan plan(String name, LimitSpec spec) {
        return plan(suffix -> Keys.key(context.prefix(), name, suffix), spec);
    }

    private Plan plan(UnaryOperator<String> key, LimitSpec spec) {
        return Plan.of(key, spec, context.timebase(), context.leaseTtlNanos());
    }

    /**
     * The engine's one mapping of every spec to its limiter. A limiter of a keyed limiter's key is named
     * {@code name + ":" + key}; it falls back to the key's limiter of the keyed fallback, and a composite's per-key
     * parts are placed by the key.
     */
    private final class RedisLimiters implements LimitSpec.Visitor<Limiter> {

        /** The limiter's name, for its permits (and its keys, but for a keyed composite with shared parts). */
        private final String name;
        /** The keyed limiter's name, or null for a limiter of its own. */
        private final String keyedName;
        /** The key, or null for a limiter of its own. */
        private final String key;
        /** A key's fallback, or null (for a limiter of its own, which makes its own if the policy has one). */
        private final Supplier<Limiter> keyFallback;

        RedisLimiters(String name, String keyedName, String key, Supplier<Limiter> keyFallback) {
            this.name = name;
            this.keyedName = keyedName;
            this.key = key;
            this.keyFallback = keyFallback;
        }

        @Override
        public Limiter fixedWindow(FixedWindow spec) {
            return rate(spec);
        }

        @Override
        public Limiter slidingLog(SlidingLog spec) {
            return rate(spec);
        }

        @Override
        public Limiter slidingWindow(SlidingWindow spec) {
            return rate(spec);
        }

        @Override
        public Limiter tokenBucket(TokenBucket spec) {
            return rate(spec);
        }

        @Override
        public Limiter leakyBucket(LeakyBucket spec) {
            return rate(spec);
        }

        @Override
        public Limiter concurrency(Concurrency spec) {
            return new RedisConcurrencyLimiter(name, spec, plan(name, spec), context, fallback(spec));
        }

        /**
         * A composite: every part's plan, its keys placed so that one decision touches one slot. A keyed composite
         * with a shared part keeps every key under its own name, each key's per-key parts told apart by the key; one
         * of per-key parts only lies under the key's limiter's name, as a composite of its own would.
         */
        @Override
        public Limiter allOf(AllOf spec) {
            boolean shared = false;
            for (AllOf.Part part : spec.parts()) {
                if (part.perKey() && key == null) {
                    throw new IllegalArgumentException("part " + part.name() + " of " + name + " is per key: make"
                            + " the composite with keyed()");
                }
                shared |= !part.perKey();
            }
            boolean byKey = key != null && shared;
            String prefix = context.prefix();
            String tag = byKey ? keyedName : name;
            String keyInfix = byKey ? ":" + Keys.tag(key) : "";
            Plan[] plans = new Plan[spec.parts().size()];
            for (int i = 0; i < plans.length; i++) {
                AllOf.Part part = spec.parts().get(i);
                String partTag = "#" + i + (part.perKey() ? keyInfix : "");
                plans[i] = plan(suffix -> Keys.key(prefix, tag, partTag + suffix), part.spec());
            }
            Supplier<Limiter> fallback = key != null ? keyFallback : context.compositeFallback(name, spec);
            return spec.isRate()
                    ? new RedisAllOfRateLimiter(name, spec, plans, context, fallback)
                    : new RedisAllOfLimiter(name, spec, plans, context, fallback);
        }

        @Override
        public Limiter clientSideThrottling(ClientSideThrottling spec) {
            throw new IllegalArgumentException("spec = " + spec + Plan.CLIENT_SIDE_ONLY);
        }

        private Limiter rate(LimitSpec spec) {
            return new RedisRateLimiter(name, spec, plan(name, spec), context, fallback(spec));
        }

        /** A key's fallback, or this limiter's own, made on first use; null unless the policy falls back. */
        private Supplier<Limiter> fallback(LimitSpec spec) {
            return key != null ? keyFallback : context.fallback(name, spec);
        }
    }

    /**
     * Counters of one {@link RedisEngine}'s decisions and of how Redis failures were handled, for metrics and alerts.
     * Every counter only grows, from the engine's creation; reading is cheap and never blocks a decision.
     */
    public static final class Stats {

        private final LongAdder decisions = new LongAdder();
        private final LongAdder redisFailures = new LongAdder();
        private final LongAdder timeouts = new LongAdder();
        private final LongAdder failOpenGrants = new LongAdder();
        private final LongAdder failClosedRefusals = new LongAdder();
        private final LongAdder fallbackDecisions = new LongAdder();
        private final LongAdder breakerOpens = new LongAdder();
        private final LongAdder shortCircuits = new LongAdder();
        private final LongAdder refusalCacheHits = new LongAdder();
        private final LongAdder unacknowledgedWrites = new LongAdder();
        private volatile String evictionPolicy;

        Stats() {
        }

        /**
         * Decisions asked of the engine's limiters (each attempt of a waiting acquisition counts), however answered.
         *
         * @return the count
         */
        public long decisions() {
            return decisions.sum();
        }

        /**
         * Round trips that failed with an error (connection lost, commands rejected while disconnected, a server
         * error).
         *
         * @return the count
         */
        public long redisFailures() {
            return redisFailures.sum();
        }

        /**
         * Round trips not answered within the decision timeout.
         *
         * @return the count
         */
        public long timeouts() {
            return timeouts.sum();
        }

        /**
         * Requests granted by {@link FailurePolicy#FAIL_OPEN} because Redis was unavailable.
         *
         * @return the count
         */
        public long failOpenGrants() {
            return failOpenGrants.sum();
        }

        /**
         * Requests refused by {@link FailurePolicy#FAIL_CLOSED} because Redis was unavailable.
         *
         * @return the count
         */
        public long failClosedRefusals() {
            return failClosedRefusals.sum();
        }

        /**
         * Requests decided by a {@link FailurePolicy#fallback(dev.throttle.Engine) fallback} limiter because Redis was
         * unavailable.
         *
         * @return the count
         */
        public long fallbackDecisions() {
            return fallbackDecisions.sum();
        }

        /**
         * Times the circuit breaker opened (after consecutive failures, or a failed probe).
         *
         * @return the count
         */
        public long breakerOpens() {
            return breakerOpens.sum();
        }

        /**
         * Decisions that followed the failure policy without asking Redis, because the breaker was open.
         *
         * @return the count
         */
        public long shortCircuits() {
            return shortCircuits.sum();
        }

        /**
         * Requests refused from the refusal cache, without a round trip.
         *
         * @return the count
         */
        public long refusalCacheHits() {
            return refusalCacheHits.sum();
        }

        /**
         * Round trips whose writes fewer replicas acknowledged within the timeout than
         * {@link Builder#replicaAcknowledgement(int, Duration)} asks: Redis answered, but the failure policy answered
         * their decisions. Always 0 when the option is off.
         *
         * @return the count
         */
        public long unacknowledgedWrites() {
            return unacknowledgedWrites.sum();
        }

        /**
         * The server's {@code maxmemory-policy}, read once when the engine connected: empty until then, or when the
         * server refuses {@code CONFIG GET}. Any policy but {@code noeviction} may evict limiter keys (every one has a
         * TTL), and a limit whose keys are evicted no longer holds; the engine logs a warning then.
         *
         * @return the policy, such as {@code "noeviction"} or {@code "allkeys-lru"}
         */
        public Optional<String> evictionPolicy() {
            return Optional.ofNullable(evictionPolicy);
        }

        /**
         * Whether the server may evict limiter keys, as far as the engine knows: its {@link #evictionPolicy()} is known
         * and is not {@code noeviction}.
         *
         * @return true if limits may silently stop holding under memory pressure
         */
        public boolean limiterKeysMayBeEvicted() {
            String policy = evictionPolicy;
            return policy != null && EvictionPolicy.mayEvict(policy);
        }

        void evictionPolicy(String policy) {
            this.evictionPolicy = policy;
        }

        void decision() {
            decisions.increment();
        }

        void redisFailure() {
            redisFailures.increment();
        }

        void timeout() {
            timeouts.increment();
        }

        void failOpenGrant() {
            failOpenGrants.increment();
        }

        void failClosedRefusal() {
            failClosedRefusals.increment();
        }

        void fallbackDecision() {
            fallbackDecisions.increment();
        }

        void breakerOpened() {
            breakerOpens.increment();
        }

        void shortCircuit() {
            shortCircuits.increment();
        }

        void refusalCacheHit() {
            refusalCacheHits.increment();
        }

        void unacknowledgedWrite() {
            unacknowledgedWrites.increment();
        }

        /**
         * Every counter in one line, for logs.
         *
         * @return the text
         */
        @Override
        public String toString() {
            return "RedisEngine.Stats[decisions " + decisions() + ", redis failures " + redisFailures() + ", timeouts "
                    + timeouts() + ", fail-open grants " + failOpenGrants() + ", fail-closed refusals "
                    + failClosedRefusals() + ", fallback decisions " + fallbackDecisions() + ", breaker opens "
                    + breakerOpens() + ", short circuits " + shortCircuits() + ", refusal cache hits "
                    + refusalCacheHits()
                    + (unacknowledgedWrites() == 0L ? "" : ", unacknowledged writes " + unacknowledgedWrites())
                    + evictionPolicy().map(policy -> ", maxmemory-policy " + policy).orElse("")
                    + "]";
        }
    }

    /** Builds a {@link RedisEngine}. */
    public static final class Builder {
        private final Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> opener;
        private final StatefulConnection<String, String> connection;
        private String prefix = "throttle:";
        private Ticker ticker;
        private Duration commandTimeout = Duration.ofSeconds(1);
        private Scheduler scheduler = Scheduler.shared();
        private long minExpiryMillis = 1L;
        private long leaseTtlNanos = Duration.ofSeconds(30).toNanos();
        private FailurePolicy failurePolicy = FailurePolicy.FAIL_CLOSED;
        private Duration decisionTimeout = Duration.ofMillis(50);
        private int breakerFailureThreshold = 5;
        private Duration breakerOpenDuration = Duration.ofSeconds(1);
        private Boolean refusalCache;
        private boolean coalescing = true;
        /** The replicas a write must reach before its decision is answered; 0 (the default) for none. */
        private int ackReplicas;
        private long ackTimeoutMillis;
        private final String where;
        private final String subject;
        private System.Logger logger = RedisHealth.LOGGER;
        private Ticker logClock = Ticker.system();

        /**
         * Either opens a connection the engine owns ({@code opener}, retried while Redis cannot be reached), or uses
         * the caller's.
         *
         * @param where where Redis is, for toStrings
         * @param subject Redis as the log lines name it
         */
        private Builder(Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> opener,
                StatefulConnection<String, String> connection, String where, String subject) {
            this.opener = opener;
            this.connection = connection;
            this.where = where;
            this.subject = subject;
        }

        /**
         * Sets the prefix of every key (default {@code "throttle:"}).
         *
         * @param prefix the prefix; may be empty, must not contain braces (they would change the cluster hash tag)
         * @return this builder
         * @throws IllegalArgumentException if the prefix is null or contains a brace
         */
        public Builder keyPrefix(String prefix) {
            Arguments.requireNonNull("prefix", prefix);
            if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException("prefix = " + prefix + " must not contain '{' or '}'");
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * Decides on this ticker's time instead of the server's (client-time mode). Every client of the same keys
         * must read the same clock; readings must lie in {@code [0, 2^52]} nanoseconds.
         *
         * @param ticker the ticker
         * @return this builder
         * @throws IllegalArgumentException if the ticker is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Arguments.requireNonNull("ticker", ticker);
            return this;
        }

        /**
         * Sets how long a round trip may take at most (default 1 s): a settlement's bound, and a decision's while Redis
         * keeps answering other calls (see {@link #decisionTimeout(Duration)}); Redis silent this long counts its
         * timeouts towards the breaker.
         *
         * @param timeout from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if the timeout is null or out of range
         */
        public Builder commandTimeout(Duration timeout) {
            Arguments.periodNanos("timeout", timeout);
            this.commandTimeout = timeout;
            return this;
        }

        /**
         * Sets what waiting acquisitions wait on (default {@link Scheduler#shared()}).
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws IllegalArgumentException if the scheduler is null
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
            return this;
        }

        /**
         * Waiting acquisitions wait on this executor (owned by the caller).
         *
         * @param executor the executor
         * @return this builder
         * @throws IllegalArgumentException if the executor is null
         */
        public Builder scheduler(ScheduledExecutorService executor) {
            this.scheduler = Scheduler.of(executor);
            return this;
        }

        /**
         * Sets the least expiry of a written key (default 1 ms). Keys expire in real time; a client-time ticker
         * that runs slower than real time (a manual test clock) needs a floor so state outlives its gaps. Expiry
         * only collects state at rest, so a longer one never changes a decision.
         *
         * @param expiry from 1 ms to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if the expiry is null or out of range
         */
        public Builder minExpiry(Duration expiry) {
            long nanos = Arguments.toNanos("minExpiry", expiry, 1_000_000L, Arguments.MAX_DURATION_NANOS);
            this.minExpiryMillis = nanos / 1_000_000L;
            return this;
        }

        /**
         * Sets how long a concurrency permit's lease lasts (default 30 s): a permit never closed (its client crashed)
         * is free again this long after its grant. Leases are not renewed, so it must exceed the longest use of a
         * permit: a permit held longer loses its slot to others.
         *
         * @param ttl from 1 ms to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if the TTL is null or out of range
         */
        public Builder leaseTtl(Duration ttl) {
            this.leaseTtlNanos = Arguments.toNanos("leaseTtl", ttl, 1_000_000L, Arguments.MAX_DURATION_NANOS);
            return this;
        }

        /**
         * Sets what decisions answer when Redis fails, times out, or the breaker is open. The default is
         * {@link FailurePolicy#FAIL_CLOSED}: the library's promise is that an exact limit is never exceeded, and only
         * refusing keeps it without Redis; failing open silently removes the limit (and turns a Redis outage into a
         * flood on what the limit protects). Choose {@link FailurePolicy#FAIL_OPEN} or a
         * {@link FailurePolicy#fallback(Engine) fallback} when availability matters more.
         *
         * @param policy the policy
         * @return this builder
         * @throws IllegalArgumentException if the policy is null
         */
        public Builder failurePolicy(FailurePolicy policy) {
            this.failurePolicy = Arguments.requireNonNull("policy", policy);
            return this;
        }

        /**
         * Sets how long a decision waits for a silent Redis before it follows the failure policy (default 50 ms). It
         * bounds each round trip of a decision, including the one of a waiting acquisition; settling keeps the
         * {@link #commandTimeout(Duration) command timeout}. It tells a slow client from a dead server: a decision past
         * this timeout waits on, up to the command timeout, while Redis answers other calls within the timeout (a
         * loaded client reads answers late) or the client's timer itself runs late; a stopped server answers nothing,
         * so its decisions follow the policy within two timeouts of their start (50 to 100 ms by default). Timeouts
         * open the breaker only once Redis has been silent for the whole command timeout, and an answer arriving
         * after its decision timed out closes it. A decision that timed out may still be applied by Redis later: a
         * grant whose answer still reaches this JVM is given back at once; otherwise it only counts permits nobody
         * uses (a concurrency lease is released by its id right away).
         *
         * @param timeout from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if the timeout is null or out of range
         */
        public Builder decisionTimeout(Duration timeout) {
            Arguments.periodNanos("timeout", timeout);
            this.decisionTimeout = timeout;
            return this;
        }

        /**
         * Sets how many consecutive failed or timed-out round trips open the circuit breaker (default 5).
         *
         * @param failures from 1 to {@link Integer#MAX_VALUE}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder breakerFailureThreshold(int failures) {
            this.breakerFailureThreshold = (int) Arguments.requireInRange("failures", failures, 1L,
                    Integer.MAX_VALUE);
            return this;
        }

        /**
         * Sets how long the open breaker answers by the failure policy without asking Redis, before one decision
         * probes it (default 1 s).
         *
         * @param duration from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if the duration is null or out of range
         */
        public Builder breakerOpenDuration(Duration duration) {
            Arguments.periodNanos("duration", duration);
            this.breakerOpenDuration = duration;
            return this;
        }

        /**
         * Turns the refusal cache on or off. Default: on in server-time mode, off in client-time mode (where tests
         * drive the clock and must see every decision made by Redis). With it on, a limiter's refusal of {@code p}
         * permits with retry time {@code R} refuses further requests for {@code p} or more permits in this JVM,
         * without a round trip, until {@code R} has passed (at most 10,000 limiters are remembered). Conservative: a
         * refusal may be served for the whole of {@code R} even if capacity frees up early through a refund (a
         * settle below the estimate) from another JVM; this JVM's own refunds clear the limiter's entry.
         *
         * @param enabled whether to cache refusals
         * @return this builder
         */
        public Builder refusalCache(boolean enabled) {
            this.refusalCache = enabled;
            return this;
        }

        /**
         * Turns coalescing of rate decisions on or off (default on). With it on, concurrent decisions on rate limiters
         * (token or leaky bucket, fixed window, sliding window, sliding log; a keyed limiter's key too) of one group
         * from this engine share script calls. A group is every rate limit of the engine on a standalone or Sentinel
         * server, and the limits whose keys lie in one hash slot on a Cluster (a script call touches one slot), so
         * concurrent decisions on different keys share calls too. On a standalone or Sentinel server a call is
         * dispatched at once and takes every decision that arrives until the connection writes it; the next decision
         * opens the next call, pipelined behind it without waiting for its answer. On a Cluster, where Lettuce routes
         * a call before writing it, the decisions that arrive while a call of their group is in flight go out
         * together as soon as it is answered. A call decides each limit's decisions in arrival order, exactly as if
         * they had come one by one at the same clock reading, and answers each its own decision (at most 256 per
         * call). A decision that finds no call open goes out at once, so a lone decision waits for nothing; one that
         * waits in line is still bounded by the
         * {@link #decisionTimeout(Duration) decision timeout} from its start, and a failed call fails each of its
         * decisions to the failure policy. Composites, concurrency limits, settlements and
         * {@code availablePermits()} always go out alone. Off, every decision is a call of its own.
         *
         * @param enabled whether to coalesce
         * @return this builder
         */
        public Builder coalescing(boolean enabled) {
            this.coalescing = enabled;
            return this;
        }

        /**
         * Makes every script call wait until {@code replicas} replicas have acknowledged its writes (off by default).
         * Replication is asynchronous: a master that fails over may lose the writes its replicas had not received yet,
         * and with them permits it granted, which the promoted replica grants again (permits over the limit). With
         * this option every script call that writes limiter state (a decision, a coalesced or batched call, a
         * concurrency acquire or release, a settlement or give-back, a lease taken or returned; estimates such as
         * {@code availablePermits()} too) is followed on the same connection by {@code WAIT replicas timeout}, sent
         * pipelined right behind it (Redis does not allow WAIT in a script), and its decisions are answered only when
         * the WAIT replies. If fewer replicas acknowledged than asked within the timeout, the call's decisions are
         * answered as a failed call's, by the {@link #failurePolicy(FailurePolicy) failure policy}: a grant whose
         * write may be lost is not handed out. The write still happened on the master, and stays counted there, so
         * this only ever under-admits.
         *
         * <p><b>What it guarantees.</b> A grant handed out was on {@code replicas} replicas when it was answered: a
         * failover to one of them keeps it. WAIT is not strong consistency: with several replicas, a failover may
         * promote one that did not acknowledge (Sentinel and Cluster prefer the most up-to-date replica, but do not
         * promise it), and a write acknowledged by a replica's memory is lost if that replica fails too.
         *
         * <p><b>What it costs.</b> One WAIT per script call, and a wait for the replica's round trip; Redis answers
         * a connection's commands in order and a WAIT blocks its connection, so every call sent behind it on the
         * engine's one connection waits for it too. {@link #coalescing(boolean) Coalescing} amortises that: the
         * decisions that arrive meanwhile share the next call, and its WAIT. While replicas lag or are down, each
         * call holds the connection up to {@code timeout}; such calls count towards the breaker as failures (the
         * master answered, but every call would wait in vain), so after {@link #breakerFailureThreshold(int)} of them
         * decisions follow the policy at once until a probe finds the replicas back. A decision waits at most its
         * {@link #decisionTimeout(Duration) decision timeout} (or up to the command timeout while Redis answers other
         * calls): choose {@code timeout} below it, or decisions whose replicas are slow follow the policy at the
         * decision timeout (a grant acknowledged after that is given back).
         *
         * <p>Standalone and Sentinel only: on a Cluster Lettuce routes a script by its keys' slot and follows MOVED
         * and ASK redirects by itself, so a WAIT sent beside it could reach another master than the one that ran the
         * script (during the very failovers and migrations the option is for) and report another node's
         * acknowledgements; {@link #build()} refuses the option there. On a connection the caller gives, Lettuce must
         * not resend commands after a reconnect (a WAIT resent to a new master would count acknowledgements of other
         * writes): its {@code ClientOptions} must reject commands while disconnected
         * ({@code disconnectedBehavior(REJECT_COMMANDS)}, or {@code DEFAULT} without auto-reconnect), as the engine's
         * own connection does.
         *
         * @param replicas the replicas that must acknowledge, from 1 to 1,000
         * @param timeout how long a WAIT waits for them, from 1 ms to {@link dev.throttle.LimitSpec#MAX_DURATION},
         *     rounded up to whole milliseconds; at most the {@link #commandTimeout(Duration) command timeout}
         *     (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException if {@code replicas} or {@code timeout} is out of range, or the timeout null
         */
        public Builder replicaAcknowledgement(int replicas, Duration timeout) {
            Arguments.requireInRange("replicas", replicas, 1L, MAX_ACK_REPLICAS);
            long nanos = Arguments.toNanos("timeout", timeout, 1_000_000L, Arguments.MAX_DURATION_NANOS);
            this.ackReplicas = replicas;
            this.ackTimeoutMillis = (nanos + 999_999L) / 1_000_000L;
            return this;
        }

        /**
         * Where the engine logs its outages, recoveries and lost scripts instead of the package's logger, and the
         * clock that times them and rate-limits the lines: for tests, which capture the lines without touching the
         * global logging configuration and drive the clock by hand.
         *
         * @param logger the logger
         * @param clock the clock of the log
         * @return this builder
         */
        Builder log(System.Logger logger, Ticker clock) {
            this.logger = Arguments.requireNonNull("logger", logger);
            this.logClock = Arguments.requireNonNull("clock", clock);
            return this;
        }

        /**
         * Builds the engine, opening its connection if it was given a client. The build waits for that first attempt
         * to connect, but does not fail when Redis cannot be reached (an outage while the application starts): the
         * engine then keeps trying in the background (every 100 ms at first, backing off to every second), its
         * decisions follow the failure policy meanwhile, and they go to Redis as soon as it connects. A WARNING line
         * says so, and an INFO line when it connects.
         *
         * @return the engine
         * @throws IllegalArgumentException if {@link #replicaAcknowledgement(int, Duration) replica acknowledgement} is
         *     asked of a Cluster, of a given connection that may resend commands after a reconnect, or with a timeout
         *     longer than the command timeout
         */
        public RedisEngine build() {
            if (ackReplicas != 0) {
                checkReplicaAcknowledgement();
            }
            return new RedisEngine(this);
        }

        private void checkReplicaAcknowledgement() {
            if (CLUSTER.equals(where)) {
                throw new IllegalArgumentException("replicaAcknowledgement is not supported on a Redis Cluster: Lettuce"
                        + " routes a script by its slot and follows redirects by itself, so a WAIT sent beside it may"
                        + " reach another master than the one that ran it");
            }
            if (ackTimeoutMillis * 1_000_000L > commandTimeout.toNanos()) {
                throw new IllegalArgumentException("replicaAcknowledgement timeout = " + ackTimeoutMillis
                        + " ms must not exceed the command timeout " + commandTimeout
                        + ": a WAIT would outlive every call");
            }
            if (connection != null && resendsAfterReconnect(connection.getOptions())) {
                throw new IllegalArgumentException("replicaAcknowledgement needs a connection that does not resend"
                        + " commands after a reconnect (a WAIT resent to a new master would count acknowledgements of"
                        + " other writes): set ClientOptions.disconnectedBehavior(REJECT_COMMANDS)");
            }
        }

        /** Whether Lettuce requeues the commands in flight on a lost connection and sends them after reconnecting. */
        private static boolean resendsAfterReconnect(ClientOptions options) {
            switch (options.getDisconnectedBehavior()) {
                case REJECT_COMMANDS:
                    return false;
                case ACCEPT_COMMANDS:
                    return true;
                default:
                    return options.isAutoReconnect();
            }
        }
    }
}
