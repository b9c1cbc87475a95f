package dev.throttle.redis;

import dev.throttle.redis.Coalescer.Planned;
import dev.throttle.redis.Coalescer.Request;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * One script call of a lane (a coalescing group on a single connection) that stays open to requests until the
 * connection writes it. It is dispatched at once, by the request that found the lane without an open call, so a lone
 * request goes out as soon as it would alone; but what the call decides is fixed only when Lettuce encodes it, on the
 * connection's thread ({@link ScriptRunner#runDeferred}). Requests that arrive in between (while that thread wakes up
 * and writes, typically tens of microseconds) join it and are decided in the same call, in arrival order. Once it is
 * written, the next request opens the lane's next call, dispatched at once too: calls are pipelined, never held back
 * for an answer, and a burst costs one round trip plus the time its calls take to write.
 *
 * <h2>Why arrival order holds across calls</h2>
 * A call closes (stops taking requests) when it is written, and the lane opens its next call only after that: so
 * every request of a later call arrived after every request of an earlier one, and the later call was dispatched
 * after the earlier was already in the connection's buffer. One connection's commands run in the order written. A
 * request's own call is open while it joins: joining is one compare-and-set on the call's list, which fails once the
 * call closed (then the request moves on to the lane's next call).
 *
 * <h2>Bounded calls</h2>
 * A call decides at most {@link Coalescer#MAX_BATCH} requests (so that a script call stays short on the server). The
 * rest, when more waited, are carried to a successor that the closing call makes and the lane takes at once: it keeps
 * collecting arrivals, and goes out when the call before it is answered (it cannot be dispatched by the thread that
 * writes the connection, in the middle of a write). Requests whose decision timed out before the call was written are
 * left out of it, unless all of them did (a command already dispatched must send something; their answers then go to
 * their late recipients, which give the grants back).
 */
final class OpenCall implements ScriptRunner.Deferred, BiConsumer<long[], Throwable> {

    /** The list of an open call to which nothing joined beyond what it carries. */
    private static final Object EMPTY = new Object();

    /** The state of a closed call: the successor it made for the requests it could not take, or null. */
    private record Closed(OpenCall successor) {
    }

    private final Coalescer coalescer;
    /** The lane's open call: this one until it closes, then its successor (or none). */
    private final AtomicReference<OpenCall> lane;
    /** Requests carried over from the call before, in arrival order: they go before those that join this one. */
    private final Request[] carried;
    private final int carriedFrom;
    private final int carriedTo;
    /** The newest request that joined (linked to older ones), {@link #EMPTY}, or {@link Closed} once closed. */
    private final AtomicReference<Object> state = new AtomicReference<>();

    // Set once, when the call closes (under this object's lock).
    private Request[] taken;
    private int takenCount;
    private OpenCall successor;
    /** The call's content, planned on closing; null if planning failed. */
    private Planned planned;
    private RuntimeException planFailure;

    private OpenCall(Coalescer coalescer, AtomicReference<OpenCall> lane, Request first) {
        this(coalescer, lane, null, 0, 0);
        first.next = null; // a failed join may have linked it to a closed call's requests
        state.set(first);
    }

    private OpenCall(Coalescer coalescer, AtomicReference<OpenCall> lane, Request[] carried, int from, int to) {
        this.coalescer = coalescer;
        this.lane = lane;
        this.carried = carried;
        this.carriedFrom = from;
        this.carriedTo = to;
        this.state.set(EMPTY);
    }

    /**
     * Adds a request to its lane's open call, or opens one and dispatches it.
     *
     * @param coalescer plans and sends the call
     * @param lane the lane's open call
     * @param request the request, not yet in any list
     */
    static void decide(Coalescer coalescer, AtomicReference<OpenCall> lane, Request request) {
        while (true) {
            OpenCall open = lane.get();
            if (open == null) {
                OpenCall fresh = new OpenCall(coalescer, lane, request);
                if (lane.compareAndSet(null, fresh)) {
                    fresh.dispatch();
                    return;
                }
            } else if (open.join(request)) {
                return;
            } else {
                // Closed: the lane moves on to its successor (or to none), whoever does it first.
                lane.compareAndSet(open, ((Closed) open.state.get()).successor());
            }
        }
    }

    /** Joins this call, unless it closed. */
    private boolean join(Request request) {
        while (true) {
            Object list = state.get();
            if (list instanceof Closed) {
                return false;
            }
            request.next = list == EMPTY ? null : (Request) list;
            if (state.compareAndSet(list, request)) {
                return true;
            }
        }
    }

    /** Sends the call; what it decides is fixed when the connection writes it. */
    private void dispatch() {
        CompletableFuture<long[]> call;
        try {
            call = coalescer.runDeferred(this);
        } catch (RuntimeException | Error failure) {
            accept(null, failure);
            return;
        }
        call.whenComplete(this);
    }

    /**
     * Closes the call and plans it: called by the connection's thread as it writes the call, or on the call's
     * failure if it was never written.
     */
    @Override
    public synchronized ScriptRunner.Content content() {
        close();
        if (planned == null) {
            throw planFailure;
        }
        Planned plan = planned;
        ScriptRunner.Late late = plan.batch() ? coalescer.answering(plan) : plan.requests()[plan.from()];
        return new ScriptRunner.Content(plan.script(), plan.keys(), plan.args(), plan.batch(), late);
    }

    /** Takes this call's requests, once: the carried ones, then those that joined, in arrival order. */
    private synchronized void close() {
        if (taken != null) {
            return;
        }
        Request[] ordered;
        int take;
        OpenCall next;
        while (true) {
            Object list = state.get();
            int joined = 0;
            for (Object r = list; r != EMPTY && r != null; r = ((Request) r).next) {
                joined++;
            }
            int carriedCount = carriedTo - carriedFrom;
            Request[] all = new Request[carriedCount + joined];
            if (carriedCount > 0) {
                System.arraycopy(carried, carriedFrom, all, 0, carriedCount);
            }
            int at = all.length;
            for (Object r = list; r != EMPTY && r != null; r = ((Request) r).next) {
                all[--at] = (Request) r; // the list is newest first
            }
            ordered = live(all);
            take = Math.min(ordered.length, Coalescer.MAX_BATCH);
            next = take < ordered.length ? new OpenCall(coalescer, lane, ordered, take, ordered.length) : null;
            if (state.compareAndSet(list, new Closed(next))) {
                break;
            }
        }
        for (Request r : ordered) {
            r.next = null; // nothing in a list keeps an answered request reachable
        }
        taken = ordered;
        takenCount = take;
        successor = next;
        lane.compareAndSet(this, next);
        try {
            planned = coalescer.plan(ordered, 0, take);
        } catch (RuntimeException failure) {
            planFailure = failure;
        }
    }

    /** The requests still waiting, in order; all of them if none is (see the class comment). */
    private static Request[] live(Request[] all) {
        int live = 0;
        for (Request r : all) {
            if (!r.isDone()) {
                live++;
            }
        }
        if (live == all.length || live == 0) {
            return all;
        }
        Request[] waiting = new Request[live];
        int at = 0;
        for (Request r : all) {
            if (!r.isDone()) {
                waiting[at++] = r;
            }
        }
        return waiting;
    }

    /**
     * The call's answer or failure: sends the successor first (if this call carried requests over), so Redis decides
     * it while this thread completes the requests, then hands each request its answer or the failure.
     */
    @Override
    public void accept(long[] answer, Throwable failure) {
        Planned plan;
        Request[] requests;
        int count;
        OpenCall next;
        synchronized (this) {
            close(); // a call that failed unwritten was never closed by its write
            plan = planned;
            requests = taken;
            count = takenCount;
            next = successor;
        }
        try {
            if (next != null) {
                next.dispatch();
            }
        } finally {
            if (failure != null || plan == null) {
                Throwable cause = failure != null ? failure : planFailure;
                for (int i = 0; i < count; i++) {
                    requests[i].fail(cause);
                }
            } else if (plan.batch()) {
                coalescer.answering(plan).settle(answer, null);
            } else {
                plan.requests()[plan.from()].settle(answer, null);
            }
        }
    }
}
