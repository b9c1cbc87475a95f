package dev.throttle.redis;

import io.lettuce.core.RedisURI;

/** The shared test server ({@link RedisServer}) for tests in other packages, such as the metrics binder's. */
public final class SharedRedis {

    private SharedRedis() {
    }

    /**
     * The shared server's address, starting it on first use.
     *
     * @return the address
     */
    public static RedisURI uri() {
        return RedisServer.get().uri();
    }

    /**
     * A key prefix no other test uses.
     *
     * @param what names the test
     * @return the prefix
     */
    public static String uniquePrefix(String what) {
        return RedisServer.uniquePrefix(what);
    }
}
