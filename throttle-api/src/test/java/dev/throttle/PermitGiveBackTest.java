package dev.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.testing.SimplePermit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Permit#giveBack()}: settle at zero, then close; closing happens whatever settling does. */
class PermitGiveBackTest {

    /** A permit that records what is done to it, and can be made to fail when settled. */
    private static final class RecordingPermit extends SimplePermit {
        final List<String> calls = new ArrayList<>();
        private final RuntimeException settleFailure;

        RecordingPermit(boolean granted, RuntimeException settleFailure) {
            super("test", granted, 3, granted ? 0L : 5L, 0L, 3L);
            this.settleFailure = settleFailure;
        }

        @Override
        public void close() {
            calls.add("close");
        }

        @Override
        public void dropped() {
            calls.add("dropped");
        }

        @Override
        public void settle(long actualPermits) {
            calls.add("settle " + actualPermits);
            if (settleFailure != null) {
                throw settleFailure;
            }
        }
    }

    @Test
    void aGrantIsSettledAtZeroThenClosed() {
        RecordingPermit permit = new RecordingPermit(true, null);

        permit.giveBack();

        assertThat(permit.calls).containsExactly("settle 0", "close");
    }

    @Test
    void aGrantThatCannotBeSettledIsClosedAllTheSame() {
        RecordingPermit permit = new RecordingPermit(true, new IllegalStateException("already settled"));

        permit.giveBack();

        assertThat(permit.calls).containsExactly("settle 0", "close");
    }

    @Test
    void aRefusalIsLeftAlone() {
        RecordingPermit permit = new RecordingPermit(false, null);

        permit.giveBack();

        assertThat(permit.calls).isEmpty();
    }
}
