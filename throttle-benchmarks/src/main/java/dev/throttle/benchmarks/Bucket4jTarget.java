package dev.throttle.benchmarks;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.RemoteAsyncBucketBuilder;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The peer: Bucket4j's token bucket in Redis through its Lettuce proxy manager (compare-and-swap: a GET, then an EVAL
 * that writes only if the state is unchanged, retried on a conflict), with the same limit as the others
 * ({@code refillGreedy}, the continuous refill). Keys expire once their bucket would be full again, as this library's
 * do. One key is one bucket proxy, built once; many keys build a proxy per call from a shared builder, which is how
 * Bucket4j is used per client.
 */
final class Bucket4jTarget implements RedisTarget {

    /** Caps the expiry Bucket4j computes; a bucket this large never refills fully within it anyway. */
    private static final Duration MAX_EXPIRY = Duration.ofMinutes(10);

    private final StatefulRedisConnection<String, byte[]> connection;
    /** Asked only when a key has no state yet (new, or expired at rest). */
    private final Supplier<BucketConfiguration> configuration;
    private final Supplier<CompletableFuture<BucketConfiguration>> asyncConfiguration;
    private final String[] names;
    private final RemoteBucketBuilder<String> syncBuilder;
    private final RemoteAsyncBucketBuilder<String> asyncBuilder;
    private final BucketProxy hot;
    private final AsyncBucketProxy hotAsync;

    Bucket4jTarget(RedisClient client, RedisURI uri, String prefix, int keyCount) {
        connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE), uri);
        LettuceBasedProxyManager<String> proxies = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(MAX_EXPIRY))
                .requestTimeout(TIMEOUT)
                .build();
        BucketConfiguration limits = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(CAPACITY)
                        .refillGreedy(RATE_PER_SECOND, Duration.ofSeconds(1))
                        .build())
                .build();
        configuration = () -> limits;
        CompletableFuture<BucketConfiguration> ready = CompletableFuture.completedFuture(limits);
        asyncConfiguration = () -> ready;
        names = new String[keyCount];
        for (int i = 0; i < keyCount; i++) {
            names[i] = prefix + "{k" + i + "}";
        }
        syncBuilder = proxies.builder();
        asyncBuilder = proxies.asAsync().builder();
        hot = keyCount == 1 ? syncBuilder.build(names[0], configuration) : null;
        hotAsync = keyCount == 1 ? asyncBuilder.build(names[0], asyncConfiguration) : null;
    }

    @Override
    public boolean decide(int key) {
        BucketProxy bucket = hot != null ? hot : syncBuilder.build(names[key], configuration);
        return bucket.tryConsume(1);
    }

    @Override
    public CompletableFuture<?> send(int key) {
        AsyncBucketProxy bucket = hotAsync != null ? hotAsync : asyncBuilder.build(names[key], asyncConfiguration);
        return bucket.tryConsume(1);
    }

    @Override
    public boolean granted(Object answer) {
        return (Boolean) answer;
    }

    @Override
    public void close() {
        connection.close();
    }
}
