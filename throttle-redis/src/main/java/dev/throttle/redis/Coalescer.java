package dev.throttle.redis;

import dev.throttle.kernel.Acquisition;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiConsumer;

/**
 * Coalesces one engine's concurrent rate decisions into shared script calls. Decisions go through groups: on a
 * standalone or Sentinel server a few stripes for the whole engine (a limit's stripe is fixed by its first key), on a
 * Cluster one group per hash slot (every key of a limit lies in its slot, and a call may only touch keys of one slot).
 * A limit always lands in the same group, so its requests keep their arrival order. A call decides requests all of
 * one limit by the limit's batch script ({@link Script#batch}), requests of several limits by the multi-key script
 * ({@link Script#MULTI}), which takes each limit's requests together, in their arrival order, and a lone request by
 * its single script; each decides every request as the single script would, one after the other, at one clock
 * reading, and answers each its own decision ({@link #plan}). At most {@link #MAX_BATCH} requests share a call.
 *
 * <p>On a single connection (standalone or Sentinel) a group's calls are {@link OpenCall}s, pipelined:
 * <ul>
 *   <li>a request that finds no open call opens one and dispatches it at once (no added latency for a lone request:
 *   the connection's thread writes it as soon as it would have written the request alone);</li>
 *   <li>a request that finds a call open (dispatched, not yet written) joins it (one compare-and-set, no lock);</li>
 *   <li>a call's requests are fixed when the connection's thread writes it; the next request opens the next call,
 *   which goes out at once, without waiting for an answer.</li>
 * </ul>
 * So a burst goes out in as many calls as the connection's thread takes turns to write while it arrives, all in one
 * round trip, and the calls reach Redis in arrival order.
 *
 * <p>On a Cluster, where Lettuce routes a call by its first key on the caller's thread (so its content cannot wait
 * for the write), a group has at most one call in flight:
 * <ul>
 *   <li>a request that finds its group idle goes out at once, alone;</li>
 *   <li>a request that finds a call in flight joins the group's pending list (one compare-and-set, no lock);</li>
 *   <li>when the call in flight is answered, every pending request goes out in arrival order.</li>
 * </ul>
 * Every request is its own future, timed by the decision timeout from its arrival (waiting in the group counts), so
 * the failure policy answers it within the same bound as a lone call; a request whose deadline passed before its
 * batch left is not sent at all. A batch's answer arriving after a request timed out is handed to that request's late
 * recipient, which gives the grant back, as for a lone call. A batch that fails fails each of its requests, each then
 * counted by the breaker and answered by the policy as a lone call's failure would be.
 *
 * <p>Groups are made on first use and kept: a few per engine on a standalone server, at most one per hash slot on a
 * Cluster, each a few fields.
 */
final class Coalescer {

    /** The most requests one batch call decides, so that a script call stays short on the server. */
    static final int MAX_BATCH = 256;

    /** The groups of an engine on a standalone or Sentinel server: a power of two. */
    static final int STRIPES = 1;

    /** The hash slots of a Cluster: its groups. */
    private static final int SLOTS = 16384;

    /** How a request asks Redis for its limit: the single script of a lone request, the batch scripts of several. */
    interface Limit {

        /**
         * The limit's single script; its name names the algorithm in the multi-key script.
         *
         * @return the script
         */
        Script script();

        /**
         * The keys of every call of the limit.
         *
         * @return the keys
         */
        String[] keys();

        /**
         * Whether another limit is this one (the same keys, script and parameters): requests of one limit keep
         * their arrival order, and a call describes them together.
         *
         * @param other the other limit
         * @return true if they are one limit
         */
        boolean sameLimit(Limit other);

        /**
         * The ARGV of a lone request.
         *
         * @param now the clock argument read when the request arrived
         * @param permits the permits asked for
         * @param waitUnits the longest wait accepted, in clock units
         * @return the arguments
         */
        String[] single(String now, long permits, long waitUnits);

        /**
         * The ARGV of a batch of requests, in arrival order.
         *
         * @param now the clock argument of the whole batch
         * @param requests the requests, {@code requests[from]} first
         * @param from the first request's index
         * @param count how many requests, 2 to {@link #MAX_BATCH}
         * @return the arguments
         */
        String[] batch(String now, Request[] requests, int from, int count);

        /**
         * The limit's parameters as the multi-key script takes them (see {@code multi.lua}): equal for limits of one
         * spec, which a call then describes once.
         *
         * @return the parameters
         */
        String[] multiParams();

        /**
         * Reads one request's answer from a batch or multi-key script's answer (the same shape per request), widened
         * to the common shape.
         *
         * @param flat the script's answer
         * @param at where the request's answer starts
         * @param into where to put the widened answer
         * @param index its index in {@code into}
         * @return where the next answer starts, or -1 if {@code flat} holds no answer at {@code at}
         */
        int answer(long[] flat, int at, long[][] into, int index);
    }

    /** A group's state while a call is in flight and nothing waits. */
    private static final Request BUSY = new Request(null, 0L, 0L, "", null);

    private final ScriptRunner runner;
    private final Timebase timebase;
    private final long decisionTimeoutNanos;
    private final long commandTimeoutNanos;
    /** The least expiry of a key, in milliseconds, as the multi-key script takes it. */
    private final String minExpiryMillis;
    /** Whether groups are hash slots (a Cluster) rather than stripes. */
    private final boolean cluster;
    private final AtomicReferenceArray<Group> groups;

    /**
     * @param decisionTimeoutNanos each request's bound, from its arrival
     * @param commandTimeoutNanos a call's bound: a group whose call Redis never answers moves on after it
     * @param minExpiryMillis the least expiry of a key written, in milliseconds
     * @param cluster whether the engine is on a Cluster, where a call's keys must share a hash slot
     */
    Coalescer(ScriptRunner runner, Timebase timebase, long decisionTimeoutNanos, long commandTimeoutNanos,
            long minExpiryMillis, boolean cluster) {
        this.runner = runner;
        this.timebase = timebase;
        this.decisionTimeoutNanos = decisionTimeoutNanos;
        this.commandTimeoutNanos = commandTimeoutNanos;
        this.minExpiryMillis = Long.toString(minExpiryMillis);
        this.cluster = cluster;
        this.groups = new AtomicReferenceArray<>(cluster ? SLOTS : STRIPES);
    }

    /**
     * The group of a limit's keys: on a Cluster the hash slot of its first key (all of a limit's keys share it), else
     * the stripe of its first key.
     *
     * @param keys the limit's keys
     * @param cluster whether the engine is on a Cluster
     * @return the group's index
     */
    static int groupOf(String[] keys, boolean cluster) {
        if (cluster) {
            return SlotHash.getSlot(keys[0]);
        }
        if (STRIPES == 1) {
            return 0; // a constant: no hashing of a key that a keyed limiter built afresh for this call
        }
        int h = keys[0].hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    /**
     * Decides one request on a limit: at once if its group is idle, else with the requests that arrive while the
     * group's call is in flight.
     *
     * @param limit how to ask Redis for the limit; requests of one limit ({@link Limit#sameLimit}) keep their order
     * @param permits the permits asked for, at least 1
     * @param waitUnits the longest wait accepted for a reserved slot, in clock units
     * @param late told of this request's answer if it arrives after the request timed out
     * @param nowNanos a reading of {@link System#nanoTime()} taken as the request arrived: its timeout runs from it
     * @return the request's answer in the common shape, or its failure or timeout
     * @throws IllegalStateException if a client ticker's reading is out of the scripts' range
     */
    CompletableFuture<long[]> decide(Limit limit, long permits, long waitUnits, ScriptRunner.Late late,
            long nowNanos) {
        Request request = new Request(limit, permits, waitUnits, timebase.nowArgument(), late);
        runner.track(request, decisionTimeoutNanos, nowNanos);
        int index = groupOf(limit.keys(), cluster);
        Group group = groups.get(index);
        if (group == null) {
            groups.compareAndSet(index, null, new Group());
            group = groups.get(index);
        }
        if (!cluster) {
            OpenCall.decide(this, group.open, request);
            return request;
        }
        while (true) {
            Request state = group.state.get();
            if (state == null) {
                if (group.state.compareAndSet(null, BUSY)) {
                    if (send(group, request)) {
                        next(group);
                    }
                    return request;
                }
            } else {
                request.next = state == BUSY ? null : state;
                if (group.state.compareAndSet(state, request)) {
                    return request;
                }
            }
        }
    }

    /**
     * Sends a lone request by its limit's single script. Called holding the group; the call's answer sends what waits
     * next, unless the call was over at once (no connection): then this returns true and the caller still holds the
     * group, so a group that fails fast loops instead of recursing.
     */
    private boolean send(Group group, Request request) {
        Limit limit = request.limit;
        CompletableFuture<long[]> call;
        try {
            call = runner.run(limit.script(), limit.keys(), limit.single(request.now, request.permits,
                    request.waitUnits), commandTimeoutNanos, request);
        } catch (RuntimeException | Error failure) {
            request.fail(failure);
            return true;
        }
        if (call.isDone()) {
            call.whenComplete(request::settle);
            return true;
        }
        call.whenComplete((answer, failure) -> {
            // What waits goes out first, so Redis decides it while this thread completes the request.
            try {
                next(group);
            } finally {
                request.settle(answer, failure);
            }
        });
        return false;
    }

    /**
     * The group's call was answered (or failed): sends the next batch (the rest of the last drained list first, then
     * everything that arrived meanwhile), or leaves the group idle. Called holding the group.
     */
    private void next(Group group) {
        while (true) {
            if (group.backlogFrom < group.backlogTo) {
                Request[] backlog = group.backlog;
                int from = group.backlogFrom;
                int count = Math.min(MAX_BATCH, group.backlogTo - from);
                group.backlogFrom = from + count;
                if (group.backlogFrom == group.backlogTo) {
                    group.backlog = null;
                }
                boolean over;
                if (count == 1) {
                    over = send(group, backlog[from]);
                } else {
                    over = sendBatch(group, backlog, from, count);
                }
                if (over) {
                    continue;
                }
                return;
            }
            Request state = group.state.get();
            if (state == BUSY) {
                if (group.state.compareAndSet(BUSY, null)) {
                    return;
                }
                continue;
            }
            if (!group.state.compareAndSet(state, BUSY)) {
                continue;
            }
            // The list is newest first: in arrival order, without the requests whose deadline already passed.
            int live = 0;
            for (Request r = state; r != null; r = r.next) {
                if (!r.isDone()) {
                    live++;
                }
            }
            Request[] ordered = new Request[live];
            int at = live;
            for (Request r = state; r != null; ) {
                Request older = r.next;
                if (!r.isDone()) {
                    ordered[--at] = r;
                }
                r.next = null; // nothing in the list keeps an answered request reachable
                r = older;
            }
            group.backlog = ordered;
            group.backlogFrom = 0;
            group.backlogTo = live;
        }
    }

    /** Whether the requests are all of one limit. */
    private static boolean oneLimit(Request[] requests, int from, int count) {
        Limit first = requests[from].limit;
        for (int i = from + 1; i < from + count; i++) {
            if (!first.sameLimit(requests[i].limit)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sends requests of one limit in one call of its batch script, or of several limits in one call of the multi-key
     * script; returns as {@link #send(Group, Request)} does. Called holding the group.
     */
    private boolean sendBatch(Group group, Request[] requests, int from, int count) {
        Planned plan;
        try {
            plan = plan(requests, from, count);
        } catch (RuntimeException | Error failure) {
            new Batch(group, requests, from, count).settle(null, failure);
            return true;
        }
        Batch batch = new Batch(group, plan.requests, plan.from, plan.count);
        CompletableFuture<long[]> call;
        try {
            call = runner.runBatch(plan.script, plan.keys, plan.args, commandTimeoutNanos, batch);
        } catch (RuntimeException | Error failure) {
            batch.settle(null, failure);
            return true;
        }
        return sent(call, batch);
    }

    /**
     * What one call sends for requests in arrival order: a lone request's single script; several requests of one
     * limit in one call of its batch script ({@link Script#batch}); requests of several limits in one call of the
     * multi-key script ({@link Script#MULTI}), each limit's requests together in their arrival order, the limits in the
     * order of their first request. Either decides each request as the single script would, one after the other, at
     * one clock reading.
     *
     * @param requests the requests, {@code requests[from]} first
     * @param from the first request's index
     * @param count how many requests, 1 to {@link #MAX_BATCH}
     * @return the call's content and its requests in the order of their answers
     */
    Planned plan(Request[] requests, int from, int count) {
        if (count == 1) {
            Request request = requests[from];
            Limit limit = request.limit;
            return new Planned(limit.script(), limit.keys(),
                    limit.single(request.now, request.permits, request.waitUnits), requests, from, 1);
        }
        if (oneLimit(requests, from, count)) {
            Limit limit = requests[from].limit;
            return new Planned(limit.script().batch, limit.keys(),
                    limit.batch(timebase.nowArgument(), requests, from, count), requests, from, count);
        }
        // Each limit's requests, chained in arrival order: its first request heads the chain. Limits are found by
        // their first key; the rare limits that share it (two specs under one name) are chained from the first.
        HashMap<String, Request> headOf = new HashMap<>(count * 4 / 3 + 1); // sized for every request: no resizing
        Request[] heads = new Request[count];
        int limits = 0;
        for (int i = from; i < from + count; i++) {
            Request request = requests[i];
            request.next = null;
            String firstKey = request.limit.keys()[0];
            Request first = headOf.get(firstKey);
            Request head = first;
            while (head != null && !head.limit.sameLimit(request.limit)) {
                head = head.otherLimit;
            }
            if (head == null) {
                heads[limits++] = request;
                request.tail = request;
                if (first == null) {
                    headOf.put(firstKey, request);
                } else {
                    request.otherLimit = first.otherLimit;
                    first.otherLimit = request;
                }
            } else {
                head.tail.next = request;
                head.tail = request;
            }
        }
        for (int l = 0; l < limits; l++) {
            heads[l].tail = null;
            heads[l].otherLimit = null;
        }
        // The requests in answer order, and the specs each described once.
        Request[] ordered = new Request[count];
        List<String> keys = new ArrayList<>(limits);
        List<Limit> specs = new ArrayList<>(4);
        List<String> entries = new ArrayList<>(limits * 5);
        int n = 0;
        // Compact entries of one spec in a row, not yet added: how many, and their spec's index.
        int compact = 0;
        int compactSpec = -1;
        for (int l = 0; l < limits; l++) {
            Request head = heads[l];
            Limit limit = head.limit;
            int spec = specIndex(specs, limit);
            for (String key : limit.keys()) {
                keys.add(key);
            }
            if (head.next == null && head.permits == 1L && head.waitUnits == 0L) {
                // The commonest entry, one request of 1 permit that waits for nothing: compact, and a row of them of
                // one spec (a keyed limiter's burst over many keys) is described once for the whole row.
                if (compact > 0 && compactSpec != spec) {
                    addCompact(entries, compact, compactSpec);
                    compact = 0;
                }
                compact++;
                compactSpec = spec;
                ordered[n++] = head;
                continue;
            }
            if (compact > 0) {
                addCompact(entries, compact, compactSpec);
                compact = 0;
            }
            entries.add(Numerals.of(spec + 1));
            int runsAt = entries.size();
            entries.add(null);
            int runs = 0;
            for (Request r = head; r != null; ) {
                Request s = r.next;
                int run = 1;
                ordered[n++] = r;
                while (s != null && s.permits == r.permits && s.waitUnits == r.waitUnits) {
                    ordered[n++] = s;
                    run++;
                    s = s.next;
                }
                entries.add(Numerals.of(run));
                entries.add(Numerals.of(r.permits));
                entries.add(Numerals.of(r.waitUnits));
                runs++;
                r = s;
            }
            entries.set(runsAt, Numerals.of(runs));
        }
        if (compact > 0) {
            addCompact(entries, compact, compactSpec);
        }
        for (int i = 0; i < count; i++) {
            ordered[i].next = null; // nothing links answered requests
        }
        List<String> args = new ArrayList<>(4 + specs.size() * 6 + entries.size());
        args.add(null); // the clock argument, read last
        args.add(Long.toString(timebase.unitsPerMilli()));
        args.add(minExpiryMillis);
        args.add(Numerals.of(specs.size()));
        for (Limit spec : specs) {
            String[] params = spec.multiParams();
            args.add(spec.script().name);
            args.add(Numerals.of(spec.keys().length));
            args.add(Numerals.of(params.length));
            for (String param : params) {
                args.add(param);
            }
        }
        args.addAll(entries);
        args.set(0, timebase.nowArgument());
        return new Planned(Script.MULTI, keys.toArray(new String[0]), args.toArray(new String[0]), ordered, 0, count);
    }

    /**
     * Dispatches a call whose content is decided when the connection writes it, bounded by the command timeout.
     *
     * @param call the call
     * @return its answer or failure
     */
    CompletableFuture<long[]> runDeferred(OpenCall call) {
        return runner.runDeferred(call, commandTimeoutNanos);
    }

    /**
     * Adds compact entries (one request of 1 permit that waits for nothing each) of one spec, in a row, as multi.lua
     * reads them: one alone as its spec's index negated (one value where the full form takes five), more as 0, how
     * many, and the spec's index (three values for the row, which Redis would otherwise parse and hand to Lua one per
     * entry).
     */
    private static void addCompact(List<String> entries, int count, int spec) {
        if (count == 1) {
            entries.add(Numerals.of(-(spec + 1)));
        } else {
            entries.add(Numerals.of(0));
            entries.add(Numerals.of(count));
            entries.add(Numerals.of(spec + 1));
        }
    }

    /** The index of a limit's spec among those a multi-key call describes, added if new. */
    private static int specIndex(List<Limit> specs, Limit limit) {
        String[] params = limit.multiParams();
        for (int i = 0; i < specs.size(); i++) {
            Limit spec = specs.get(i);
            String[] known = spec.multiParams();
            // The limiters of one keyed limiter share one array: the identity settles it without comparing.
            if (known == params || (spec.script() == limit.script() && spec.keys().length == limit.keys().length
                    && Arrays.equals(known, params))) {
                return i;
            }
        }
        specs.add(limit);
        return specs.size() - 1;
    }

    /** Hands a batch its call's answer; returns as {@link #send(Group, Request)} does. */
    private static boolean sent(CompletableFuture<long[]> call, Batch batch) {
        if (call.isDone()) {
            call.whenComplete(batch::settle);
            return true;
        }
        call.whenComplete(batch);
        return false;
    }

    /**
     * One call's content, and its requests in the order of its answers ({@code requests[from]} first).
     *
     * @param script the script: a single one for one request, else a batch or the multi-key script
     * @param keys its keys
     * @param args its arguments
     * @param requests holds its requests
     * @param from the first request's index
     * @param count how many requests
     */
    record Planned(Script script, String[] keys, String[] args, Request[] requests, int from, int count) {

        /** Whether the call's answer is a batch's (several requests) rather than one decision's. */
        boolean batch() {
            return count > 1;
        }
    }

    /** One group: its state word and the rest of a drained list longer than a batch. */
    private static final class Group {
        /**
         * Null when idle; {@link #BUSY} while a call is in flight and nothing waits; else the newest waiting request,
         * linked to older ones. Whoever moves it from null to {@link #BUSY}, or takes the list, holds the group: only
         * the holder sends, and reads or writes the backlog.
         */
        final AtomicReference<Request> state = new AtomicReference<>();
        /** On a single connection (standalone or Sentinel): the group's open call, if any ({@link OpenCall}). */
        final AtomicReference<OpenCall> open = new AtomicReference<>();
        Request[] backlog;
        int backlogFrom;
        int backlogTo;
    }

    /**
     * One request in a group: its own future, timed from its arrival by the decision timeout, and what its call needs.
     */
    static final class Request extends Deadlines.Timed<long[]> implements ScriptRunner.Late {
        /** Its limit: requests of one limit ({@link Limit#sameLimit}) are kept in arrival order. */
        final Limit limit;
        final long permits;
        final long waitUnits;
        /** The clock argument read when it arrived: a lone request's reading. */
        final String now;
        private final ScriptRunner.Late late;
        /** The next older request in its group's list; while a multi-key call is built, the next of its limit. */
        Request next;
        /** While a multi-key call is built, on a limit's first request: its limit's last request so far. */
        Request tail;
        /** While a multi-key call is built, on a limit's first request: the first of another limit of its first key. */
        Request otherLimit;

        Request(Limit limit, long permits, long waitUnits, String now, ScriptRunner.Late late) {
            this.limit = limit;
            this.permits = permits;
            this.waitUnits = waitUnits;
            this.now = now;
            this.late = late;
        }
        /** Completes with its call's answer or failure. */
        void settle(long[] answer, Throwable failure) {
            if (failure != null) {
                fail(failure);
            } else {
                answer(answer);
            }
        }

        /** Completes with its answer, or hands an answer that came after its timeout to its late recipient. */
        void answer(long[] answer) {
            if (!complete(answer)) {
                lateAnswer(answer);
            }
            untrack();
        }

        void fail(Throwable failure) {
            completeExceptionally(Acquisition.unwrap(failure));
            untrack();
        }

        /** An answer its call received after the call itself had timed out: this request is over already. */
        @Override
        public void lateAnswer(long[] answer) {
            if (late != null) {
                late.lateAnswer(answer);
            }
        }
    }

    /**
     * The answers of a planned call of several requests, handed to each request (or its late recipient) with nothing
     * sent after them: for a call whose successor its own caller sends ({@link OpenCall}).
     *
     * @param plan the call
     * @return what hands its answer, or its failure, to each request
     */
    Batch answering(Planned plan) {
        return new Batch(null, plan.requests(), plan.from(), plan.count());
    }

    /**
     * A batch call and its requests: hands each its answer (or the call's failure), after sending what waits next in
     * its group (if it has one).
     */
    final class Batch implements BiConsumer<long[], Throwable>, ScriptRunner.Late {
        /** The group whose next call goes out when this one is answered; null for none. */
        private final Group group;
        private final Request[] requests;
        private final int from;
        private final int count;

        Batch(Group group, Request[] requests, int from, int count) {
            this.group = group;
            this.requests = requests;
            this.from = from;
            this.count = count;
        }

        /**
         * The call's answer: sends what waits next first, so Redis decides it while this thread completes the
         * requests, then hands each request its answer.
         */
        @Override
        public void accept(long[] flat, Throwable failure) {
            try {
                if (group != null) {
                    next(group);
                }
            } finally {
                settle(flat, failure);
            }
        }

        /** Hands each request its answer, or the call's failure. */
        void settle(long[] flat, Throwable failure) {
            if (failure == null) {
                answer(flat, false);
            } else {
                for (int i = 0; i < count; i++) {
                    requests[from + i].fail(failure);
                }
            }
        }

        /** The batch's answer came after the call timed out: each request is over, its grant given back. */
        @Override
        public void lateAnswer(long[] flat) {
            answer(flat, true);
        }

        private void answer(long[] flat, boolean late) {
            long[][] answers;
            try {
                answers = answers(flat);
            } catch (RuntimeException malformed) {
                if (!late) {
                    for (int i = 0; i < count; i++) {
                        requests[from + i].fail(malformed);
                    }
                }
                return;
            }
            for (int i = 0; i < count; i++) {
                Request request = requests[from + i];
                if (late) {
                    request.lateAnswer(answers[i]);
                } else {
                    request.answer(answers[i]);
                }
            }
        }

        /** Each request's answer in the call's answer (one limit's batch or a multi-key call), read in turn. */
        private long[][] answers(long[] flat) {
            long[][] answers = new long[count][];
            int at = 0;
            for (int i = 0; i < count; i++) {
                at = requests[from + i].limit.answer(flat, at, answers, i);
                if (at < 0) {
                    break;
                }
            }
            if (at != flat.length) {
                throw new IllegalStateException("unexpected batch answer of " + flat.length
                        + " integers for " + count + " requests");
            }
            return answers;
        }
    }
}
