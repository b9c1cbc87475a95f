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
}
