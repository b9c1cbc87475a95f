package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Real requests, through java.net.http, to an example server on a loopback port, and the checks the HTTP examples
 * share: they throttle by the same per-IP bucket (5 at once, 1 a second), so a refusal reads the same on both.
 */
final class ServerProbe {

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Supplier<URI> server;

    /**
     * A probe of a server started later (in a {@code @BeforeEach}).
     *
     * @param server the server's base address, read at each request
     */
    ServerProbe(Supplier<URI> server) {
        this.server = server;
    }

    /** A request to {@code path}, with headers given as name, value, name, value... */
    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.get().resolve(path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return request;
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return client.send(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The statuses of {@code count} GETs in a row. */
    List<Integer> statuses(int count, String path, String... headers) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(get(path, headers).statusCode());
        }
        return statuses;
    }

    /**
     * The refusal of a client whose per-IP bucket is empty, one second before it holds a permit again.
     *
     * @param policies the server's RateLimit-Policy field for the route: every limit it checks, in order
     */
    static void assertRefusedByTheEmptyPerIpBucket(HttpResponse<String> refused, String policies) {
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue(policies);
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"per-ip\";r=0;t=1");
        assertThat(refused.body()).isEqualTo("Too many requests; retry after 1 s\n");
    }

    /** Waits, in real time, for what a server does on its own threads; fails after 10 s. */
    static void await(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within 10 s", what).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
