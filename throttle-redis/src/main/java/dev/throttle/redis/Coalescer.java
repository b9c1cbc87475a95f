package dev.throttle.redis;

import dev.throttle.kernel.Acquisition;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * Coalesces one engine's concurrent decisions on one rate limit into one script call. Each limit (its keys and
 * parameters) has a lane with at most one call in flight:
 * <ul>
 *   <li>a request that finds its lane idle goes out at once, alone, as the single script call it always was (no added
 *   latency, the same bytes on the wire);</li>
 *   <li>a request that finds a call in flight joins the lane's pending list (one compare-and-set, no lock);</li>
 *   <li>when the call in flight is answered, every pending request goes out in one call of the limit's batch script
 *   ({@link Script#batch}), in arrival order, at most {@link #MAX_BATCH} per call, which decides each of them as the
 *   single script would, one after the other, at one clock reading, and answers each its own decision.</li>
 * </ul>
 * Every request is its own future, timed by the decision timeout from its arrival (waiting in the lane counts), so the
 * failure policy answers it within the same bound as a lone call; a request whose deadline passed before its batch
 * left is not sent at all. A batch's answer arriving after a request timed out is handed to that request's late
 * recipient, which gives the grant back, as for a lone call. A batch that fails fails each of its requests, each
 * then counted by the breaker and answered by the policy as a lone call's failure would be.
 *
 * <p>Lanes live in a map only while they have a call in flight: a lane found idle after an answer is removed, so
 * memory is bounded by the limits being decided at the moment. A request that reaches a lane just removed still goes
 * out (the lane works unmapped), and at worst two calls of one limit are in flight at once: fewer requests share a
 * call, no decision changes, since every call is atomic in Redis.
 */
final class Coalescer {

    /** The most requests one batch call decides, so that a script call stays short on the server. */
    static final int MAX_BATCH = 256;

    /** How a lane asks Redis for its limit: the single script of a lone request, the batch script of several. */
    interface Limit {

        /**
         * The limit's single script.
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
         * The answers of a batch, one per request in arrival order, each in the common shape of a single answer.
         *
         * @param flat the batch script's answer
         * @param count how many requests the batch decided
         * @return the answers
         * @throws IllegalStateException if the batch answer is not one of {@code count} requests
         */
        long[][] answers(long[] flat, int count);
    }

    /** A lane's state while a call is in flight and nothing waits. */
    private static final Request BUSY = new Request(0L, 0L, "", null);

    private final ScriptRunner runner;
    private final Timebase timebase;
    private final long decisionTimeoutNanos;
    private final long commandTimeoutNanos;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

    /**
     * @param decisionTimeoutNanos each request's bound, from its arrival
     * @param commandTimeoutNanos a call's bound: a lane whose call Redis never answers moves on after it
     */
    Coalescer(ScriptRunner runner, Timebase timebase, long decisionTimeoutNanos, long commandTimeoutNanos) {
        this.runner = runner;
        this.timebase = timebase;
        this.decisionTimeoutNanos = decisionTimeoutNanos;
        this.commandTimeoutNanos = commandTimeoutNanos;
    }

    /**
     * Decides one request on a limit: at once if its lane is idle, else with the requests that arrive while the lane's
     * call is in flight.
     *
     * @param laneKey the limit's identity: requests of equal keys share a lane, and must have equal {@code limit}s
     * @param limit how to ask Redis for the limit
     * @param permits the permits asked for, at least 1
     * @param waitUnits the longest wait accepted for a reserved slot, in clock units
     * @param late told of this request's answer if it arrives after the request timed out
     * @return the request's answer in the common shape, or its failure or timeout
     * @throws IllegalStateException if a client ticker's reading is out of the scripts' range
     */
    CompletableFuture<long[]> decide(String laneKey, Limit limit, long permits, long waitUnits,
            ScriptRunner.Late late) {
        Request request = new Request(permits, waitUnits, timebase.nowArgument(), late);
        runner.track(request, decisionTimeoutNanos);
        Lane lane = lanes.get(laneKey);
        if (lane == null) {
            lane = lanes.computeIfAbsent(laneKey, key -> new Lane(key, limit));
        }
        while (true) {
            Request state = lane.state.get();
            if (state == null) {
                if (lane.state.compareAndSet(null, BUSY)) {
                    if (send(lane, request)) {
                        next(lane);
                    }
                    return request;
                }
            } else {
                request.next = state == BUSY ? null : state;
                if (lane.state.compareAndSet(state, request)) {
                    return request;
                }
            }
        }
    }

    /**
     * Sends a lone request by the single script. Called holding the lane; the call's answer sends what waits next,
     * unless the call was over at once (no connection): then this returns true and the caller still holds the lane,
     * so a lane that fails fast loops instead of recursing.
     */
    private boolean send(Lane lane, Request request) {
        Limit limit = lane.limit;
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
                next(lane);
            } finally {
                request.settle(answer, failure);
            }
        });
        return false;
    }

    /**
     * The lane's call was answered (or failed): sends the next batch (the rest of the last drained list first, then
     * everything that arrived meanwhile), or leaves the lane idle. Called holding the lane.
     */
    private void next(Lane lane) {
        while (true) {
            if (lane.backlogFrom < lane.backlogTo) {
                Request[] backlog = lane.backlog;
                int from = lane.backlogFrom;
                int count = Math.min(MAX_BATCH, lane.backlogTo - from);
                lane.backlogFrom = from + count;
                if (lane.backlogFrom == lane.backlogTo) {
                    lane.backlog = null;
                }
                if (count == 1 ? send(lane, backlog[from]) : sendBatch(lane, backlog, from, count)) {
                    continue;
                }
                return;
            }
            Request state = lane.state.get();
            if (state == BUSY) {
                if (lane.state.compareAndSet(BUSY, null)) {
                    lanes.remove(lane.key, lane);
                    return;
                }
                continue;
            }
            if (!lane.state.compareAndSet(state, BUSY)) {
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
            lane.backlog = ordered;
            lane.backlogFrom = 0;
            lane.backlogTo = live;
        }
    }

    /** Sends requests in one batch call; returns as {@link #send(Lane, Request)} does. Called holding the lane. */
    private boolean sendBatch(Lane lane, Request[] requests, int from, int count) {
        Batch batch = new Batch(lane, requests, from, count);
        CompletableFuture<long[]> call;
        try {
            Limit limit = lane.limit;
            call = runner.runBatch(limit.script().batch, limit.keys(),
                    limit.batch(timebase.nowArgument(), requests, from, count), commandTimeoutNanos, batch);
        } catch (RuntimeException | Error failure) {
            batch.settle(null, failure);
            return true;
        }
        if (call.isDone()) {
            call.whenComplete(batch::settle);
            return true;
        }
        call.whenComplete(batch);
        return false;
    }

    /** One limit's lane: its state word and the rest of a drained list longer than a batch. */
    private static final class Lane {
        final String key;
        final Limit limit;
        /**
         * Null when idle; {@link #BUSY} while a call is in flight and nothing waits; else the newest waiting request,
         * linked to older ones. Whoever moves it from null to {@link #BUSY}, or takes the list, holds the lane: only
         * the holder sends, and reads or writes the backlog.
         */
        final AtomicReference<Request> state = new AtomicReference<>();
        Request[] backlog;
        int backlogFrom;
        int backlogTo;

        Lane(String key, Limit limit) {
            this.key = key;
            this.limit = limit;
        }
    }

    /**
     * One request in a lane: its own future, timed from its arrival by the decision timeout, and what its call needs.
     */
    static final class Request extends Deadlines.Timed<long[]> implements ScriptRunner.Late {
        final long permits;
        final long waitUnits;
        /** The clock argument read when it arrived: a lone request's reading. */
        final String now;
        private final ScriptRunner.Late late;
        /** The next older request in its lane's list. */
        Request next;

        Request(long permits, long waitUnits, String now, ScriptRunner.Late late) {
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

    /** A batch call and its requests: hands each its answer (or the call's failure), then sends what waits next. */
    private final class Batch implements BiConsumer<long[], Throwable>, ScriptRunner.Late {
        private final Lane lane;
        private final Request[] requests;
        private final int from;
        private final int count;

        Batch(Lane lane, Request[] requests, int from, int count) {
            this.lane = lane;
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
                next(lane);
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
                answers = lane.limit.answers(flat, count);
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
    }
}
