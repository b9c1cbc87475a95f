package dev.throttle.kernel;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;

/**
 * A visitor that handles only some kinds of spec and refuses the others with an {@link IllegalArgumentException}
 * naming what it needed: for code that reads the parameters of a spec it expects (a bucket's reconfiguration, a
 * header's quota), never for an engine's mapping of every spec to its implementation, which implements
 * {@link LimitSpec.Visitor} itself so that a new spec breaks its build.
 *
 * @param <R> what it answers
 */
public abstract class SpecVisitor<R> implements LimitSpec.Visitor<R> {

    private final String expected;

    /**
     * A visitor refusing what it does not override.
     *
     * @param expected what it accepts, for the message (such as "a TokenBucket or a LeakyBucket")
     */
    protected SpecVisitor(String expected) {
        this.expected = expected;
    }

    /**
     * The refusal of a spec this visitor does not handle.
     *
     * @param spec the spec
     * @return never returns
     * @throws IllegalArgumentException always
     */
    protected R unsupported(LimitSpec spec) {
        throw new IllegalArgumentException("spec = " + spec + " is not " + expected);
    }

    @Override
    public R fixedWindow(FixedWindow spec) {
        return unsupported(spec);
    }

    @Override
    public R slidingLog(SlidingLog spec) {
        return unsupported(spec);
    }

    @Override
    public R slidingWindow(SlidingWindow spec) {
        return unsupported(spec);
    }

    @Override
    public R tokenBucket(TokenBucket spec) {
        return unsupported(spec);
    }

    @Override
    public R leakyBucket(LeakyBucket spec) {
        return unsupported(spec);
    }

    @Override
    public R concurrency(Concurrency spec) {
        return unsupported(spec);
    }

    @Override
    public R allOf(AllOf spec) {
        return unsupported(spec);
    }

    @Override
    public R clientSideThrottling(ClientSideThrottling spec) {
        return unsupported(spec);
    }
}
