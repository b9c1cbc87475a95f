package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
}
