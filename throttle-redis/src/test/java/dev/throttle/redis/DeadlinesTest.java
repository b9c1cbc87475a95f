package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One timer for the calls of one bound: only the calls still pending at their deadline fail, each with a timeout. */
class DeadlinesTest {

    private static final class Call extends Deadlines.Timed<String> {
        void answer(String value) {
            complete(value);
            untrack();
        }
    }

    @Test
    void pendingCallsTimeOutAndAnsweredOnesKeepTheirAnswer() throws Exception {
        Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(30));
        List<Call> answered = new ArrayList<>();
        List<Call> lost = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Call call = new Call();
            deadlines.track(call);
            if (i % 10 == 3) {
                lost.add(call);
            } else {
                answered.add(call);
                if (i % 2 == 0) {
                    call.answer("ok"); // before the deadline, in and out of order
                }
            }
        }
        for (Call call : answered) {
            call.answer("ok");
        }
        for (Call call : lost) {
            assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
        }
        for (Call call : answered) {
            assertThat(call.get(0, TimeUnit.SECONDS)).isEqualTo("ok");
        }
    }

    @Test
    void callsAfterAQuietSpellAreTimedToo() throws Exception {
        Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(10));
        for (int round = 0; round < 3; round++) {
            Call lost = new Call();
            deadlines.track(lost);
            assertThatThrownBy(() -> lost.get(5, TimeUnit.SECONDS)).as("round " + round)
                    .hasCauseInstanceOf(TimeoutException.class);
            Call answered = new Call();
            deadlines.track(answered);
            answered.answer("ok");
            assertThat(answered.get(0, TimeUnit.SECONDS)).isEqualTo("ok");
        }
    }

    /**
     * Decision deadlines tell a slow client from a dead server: a call past its bound waits on while answers to other
     * calls keep arriving (a live server, replies read late), and fails one bound after the last answer.
     */
    @Test
    void aCallWaitsPastItsBoundWhileAnswersArriveAndFailsOneBoundAfterTheLast() throws Exception {
        long bound = TimeUnit.MILLISECONDS.toNanos(20);
        AtomicLong lastAnswer = new AtomicLong(System.nanoTime());
        Deadlines deadlines = Deadlines.telling(bound, TimeUnit.SECONDS.toNanos(30), lastAnswer::get);
        Call slow = new Call();
        deadlines.track(slow);
        long start = System.nanoTime();
        while (System.nanoTime() - start < 10 * bound) { // answers to other calls, for ten bounds
            lastAnswer.set(System.nanoTime());
            TimeUnit.MILLISECONDS.sleep(2);
        }
        assertThat(slow).as("still waiting while the server answers").isNotDone();
        long silentFrom = lastAnswer.get();
        assertThatThrownBy(() -> slow.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(System.nanoTime() - silentFrom).as("failed soon after the answers stopped")
                .isLessThan(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void aCallToASilentServerFailsAtItsBound() {
        long bound = TimeUnit.MILLISECONDS.toNanos(20);
        long never = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
        Deadlines deadlines = Deadlines.telling(bound, TimeUnit.SECONDS.toNanos(30), () -> never);
        Call lost = new Call();
        long start = System.nanoTime();
        deadlines.track(lost);
        assertThatThrownBy(() -> lost.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void aCallFailsAtTheHardBoundHoweverAliveTheServer() {
        long bound = TimeUnit.MILLISECONDS.toNanos(10);
        long hard = TimeUnit.MILLISECONDS.toNanos(200);
        Deadlines deadlines = Deadlines.telling(bound, hard, System::nanoTime); // always just answered
        Call stuck = new Call();
        long start = System.nanoTime();
        deadlines.track(stuck);
        assertThatThrownBy(() -> stuck.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(hard);
    }

    /** What a listener was handed, and how often. */
    private static final class Heard implements java.util.function.BiConsumer<String, Throwable> {
        final AtomicLong calls = new AtomicLong();
        final java.util.concurrent.CountDownLatch once = new java.util.concurrent.CountDownLatch(1);
        volatile String value;
        volatile Throwable failure;

        @Override
        public void accept(String value, Throwable failure) {
            this.value = value;
            this.failure = failure;
            calls.incrementAndGet();
            once.countDown();
        }
    }

    @Test
    void aListenerHearsTheOutcomeOnceWhetherItCameBeforeOrAfter() {
        Call early = new Call();
        Heard beforeIt = new Heard();
        early.listen(beforeIt);
        assertThat(beforeIt.calls).as("nothing before the completion").hasValue(0);
        early.answer("ok");
        early.complete("again"); // a second completion changes nothing and tells nobody
        assertThat(beforeIt.calls).hasValue(1);
        assertThat(beforeIt.value).isEqualTo("ok");
        assertThat(beforeIt.failure).isNull();

        Heard afterIt = new Heard();
        early.listen(afterIt);
        assertThat(afterIt.calls).as("at once, on the listening thread").hasValue(1);
        assertThat(afterIt.value).isEqualTo("ok");
    }

    @Test
    void aListenerHearsFailuresTimeoutsAndCancellationsAsThemselves() throws Exception {
        Call failed = new Call();
        Heard heard = new Heard();
        failed.listen(heard);
        IllegalStateException cause = new IllegalStateException("connection reset");
        failed.completeExceptionally(cause);
        assertThat(heard.failure).as("as whenComplete hands it: not wrapped").isSameAs(cause);
        assertThat(heard.value).isNull();

        Heard late = new Heard();
        failed.listen(late);
        assertThat(late.failure).as("after the failure too").isSameAs(cause);

        Deadlines deadlines = new Deadlines(TimeUnit.MILLISECONDS.toNanos(10));
        Call lost = new Call();
        Heard timedOut = new Heard();
        deadlines.track(lost);
        lost.listen(timedOut);
        assertThatThrownBy(() -> lost.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        // The timer's thread tells the listener just after the future itself completes (which releases get()).
        assertThat(timedOut.once.await(5, TimeUnit.SECONDS)).as("told of the timeout").isTrue();
        assertThat(timedOut.calls).hasValue(1);
        assertThat(timedOut.failure).isInstanceOf(TimeoutException.class);

        Call cancelled = new Call();
        Heard gaveUp = new Heard();
        cancelled.listen(gaveUp);
        cancelled.cancel(false);
        assertThat(gaveUp.failure).isInstanceOf(java.util.concurrent.CancellationException.class);
    }

    @Test
    void aListenerThatThrowsDoesNotReachTheCompletingThread() {
        Call call = new Call();
        call.listen((value, failure) -> {
            throw new IllegalStateException("a bug in the listener");
        });
        assertThat(call.complete("ok")).as("the completion itself goes through").isTrue();
        assertThat(call.getNow(null)).isEqualTo("ok");
        Heard after = new Heard();
        call.listen(after);
        assertThat(after.value).isEqualTo("ok");
    }

    @Test
    void aSecondListenerIsToldToo() {
        Call call = new Call();
        Heard first = new Heard();
        Heard second = new Heard();
        call.listen(first);
        call.listen(second);
        call.answer("ok");
        assertThat(first.calls).hasValue(1);
        assertThat(second.calls).hasValue(1);
        assertThat(second.value).isEqualTo("ok");
    }

    /**
     * A completion racing the listener's registration on another thread, the two released together for each call so
     * that they meet inside each other's steps: each listener hears exactly once, and the right value.
     */
    @Test
    void aListenerRacingTheCompletionHearsExactlyOnce() throws Exception {
        int calls = 200_000;
        Call[] racing = new Call[calls];
        Heard[] heard = new Heard[calls];
        String[] values = new String[calls];
        for (int i = 0; i < calls; i++) {
            racing[i] = new Call();
            heard[i] = new Heard();
            values[i] = "v" + i;
        }
        AtomicLong released = new AtomicLong(-1);
        Thread completer = new Thread(() -> {
            for (int i = 0; i < calls; i++) {
                while (released.get() < i) {
                    Thread.onSpinWait();
                }
                racing[i].answer(values[i]);
            }
        });
        completer.start();
        for (int i = 0; i < calls; i++) {
            released.set(i);
            racing[i].listen(heard[i]);
        }
        completer.join(30_000);
        assertThat(completer.isAlive()).isFalse();
        for (int i = 0; i < calls; i++) {
            assertThat(heard[i].calls).as("call %d", i).hasValue(1);
            assertThat(heard[i].value).as("call %d", i).isSameAs(values[i]);
        }
    }
}
