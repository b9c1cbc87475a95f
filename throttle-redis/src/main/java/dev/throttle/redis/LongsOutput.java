package dev.throttle.redis;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;

/**
 * Reads a script's answer, a flat array of integers or one bare integer (as a one-element array), straight into a
 * {@code long[]}: no list, no boxed numbers. Any other shape (a nested array, a string, a nil, a double, a boolean, a
 * map) leaves it without a value, which the caller reports as an unexpected answer.
 */
final class LongsOutput extends CommandOutput<String, String, long[]> {

    private int filled;
    private boolean malformed;

    LongsOutput() {
        super(StringCodec.UTF8, null);
    }

    /** The integers, or null unless the answer was exactly one flat array of integers or one integer. */
    @Override
    public long[] get() {
        return malformed || output == null || filled != output.length ? null : output;
    }

    @Override
    public void multi(int count) {
        if (output != null || count < 0) {
            malformed = true; // a nested array, or a nil array
        } else {
            output = new long[count];
        }
    }

    @Override
    public void multiArray(int count) {
        multi(count);
    }

    @Override
    public void multiPush(int count) {
        malformed = true;
    }

    @Override
    public void multiMap(int count) {
        malformed = true;
    }

    @Override
    public void multiSet(int count) {
        malformed = true;
    }

    @Override
    public void set(long integer) {
        if (output == null && !malformed) {
            output = new long[] {integer}; // a bare integer: no array came first
            filled = 1;
        } else if (output == null || filled >= output.length) {
            malformed = true;
        } else {
            output[filled++] = integer;
        }
    }

    @Override
    public void set(ByteBuffer bytes) {
        malformed = true;
    }

    @Override
    public void setSingle(ByteBuffer bytes) {
        malformed = true;
    }

    @Override
    public void setBigNumber(ByteBuffer bytes) {
        malformed = true;
    }

    @Override
    public void set(double number) {
        malformed = true;
    }

    @Override
    public void set(boolean value) {
        malformed = true;
    }
}
