package dev.throttle.local.spring;

import dev.throttle.ThrottledException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The guarded services of {@link ThrottledTest}, and the limiters their annotations name. */
@Configuration(proxyBeanMethods = false)
class ThrottledServices {

    /** The limiters, as an application's properties declare them. */
    static final String[] PROPERTIES = {
        "throttle.limiters.three.type=fixed-window", "throttle.limiters.three.limit=3",
        "throttle.limiters.three.window=1m",
        "throttle.limiters.reports.type=fixed-window", "throttle.limiters.reports.limit=2",
        "throttle.limiters.reports.window=1m",
        "throttle.limiters.once.type=fixed-window", "throttle.limiters.once.limit=1",
        "throttle.limiters.once.window=1m",
        "throttle.limiters.waiting.type=fixed-window", "throttle.limiters.waiting.limit=2",
        "throttle.limiters.waiting.window=1m",
        "throttle.limiters.one-at-a-time.type=concurrency", "throttle.limiters.one-at-a-time.limit=1",
        "throttle.keyed.per-customer.type=fixed-window", "throttle.keyed.per-customer.limit=1",
        "throttle.keyed.per-customer.window=1m",
    };

    @Bean
    OrderService orderService() {
        return new OrderService();
    }

    @Bean
    Reports reports() {
        return new Reports();
    }

    /** An order placed for a tenant. */
    record Order(String tenant, String item) {
    }

    /** A service used through its interface; its class carries the annotations. */
    interface Orders {

        String order(String item);

        String forCustomer(String customerId);

        String place(Order order);

        String price(String item);

        String stock(String item);

        String hold(CountDownLatch entered, CountDownLatch release);

        String patiently(String item);

        CompletableFuture<String> patientlyLater(String item);

        String failing();

        CompletableFuture<String> later(CompletableFuture<String> result);

        CompletableFuture<String> laterOrCached(CompletableFuture<String> result);

        Mono<String> watch(Mono<String> source);

        Mono<String> watchOrCached(Mono<String> source);

        Flux<Integer> numbers();

        Flux<Integer> numbersOrNone();
    }

    /** The implementation, each method guarded by its own limiter (fresh for each application context). */
    static class OrderService implements Orders {

        @Override
        @Throttled("three")
        public String order(String item) {
            return "ordered " + item;
        }

        @Override
        @Throttled(limiter = "per-customer", key = "#customerId")
        public String forCustomer(String customerId) {
            return "hello " + customerId;
        }

        @Override
        @Throttled(limiter = "per-customer", key = "#order.tenant()")
        public String place(Order order) {
            return "placed " + order.item();
        }

        @Override
        @Throttled(value = "once", fallbackMethod = "cachedPrice")
        public String price(String item) {
            return "price of " + item;
        }

        String cachedPrice(String item) {
            return "cached price of " + item;
        }

        @Override
        @Throttled(value = "per-customer", key = "'stock'", fallbackMethod = "noStock")
        public String stock(String item) {
            return "stock of " + item;
        }

        private String noStock(String item, ThrottledException refusal) {
            return "no stock of " + item + " before " + refusal.retryAfter() + " (" + refusal.limiterName() + ")";
        }

        @Override
        @Throttled("one-at-a-time")
        public String hold(CountDownLatch entered, CountDownLatch release) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "held";
        }

        @Override
        @Throttled(value = "waiting", maxWait = "2m")
        public String patiently(String item) {
            return "patiently " + item;
        }

        @Override
        @Throttled(value = "waiting", maxWait = "2m")
        public CompletableFuture<String> patientlyLater(String item) {
            return CompletableFuture.completedFuture("later " + item);
        }

        @Override
        @Throttled("one-at-a-time")
        public String failing() {
            throw new IllegalArgumentException("failing");
        }

        @Override
        @Throttled("one-at-a-time")
        public CompletableFuture<String> later(CompletableFuture<String> result) {
            return result;
        }

        @Override
        @Throttled(value = "one-at-a-time", fallbackMethod = "cachedLater")
        public CompletableFuture<String> laterOrCached(CompletableFuture<String> result) {
            return result;
        }

        CompletableFuture<String> cachedLater(CompletableFuture<String> result) {
            return CompletableFuture.completedFuture("cached");
        }

        @Override
        @Throttled("one-at-a-time")
        public Mono<String> watch(Mono<String> source) {
            return source;
        }

        @Override
        @Throttled(value = "one-at-a-time", fallbackMethod = "cachedWatch")
        public Mono<String> watchOrCached(Mono<String> source) {
            return source;
        }

        Mono<String> cachedWatch(Mono<String> source, ThrottledException refusal) {
            return Mono.just("cached");
        }

        @Override
        @Throttled(value = "reports")
        public Flux<Integer> numbers() {
            return Flux.just(1, 2, 3);
        }

        @Override
        @Throttled(value = "once", fallbackMethod = "none")
        public Flux<Integer> numbersOrNone() {
            return Flux.just(1, 2, 3);
        }

        Flux<Integer> none() {
            return Flux.just(0);
        }
    }

    /** A service without an interface, so always proxied by class; the type's annotation guards its methods. */
    @Throttled("reports")
    static class Reports {

        public String daily() {
            return "daily";
        }

        public String weekly() {
            return "weekly";
        }

        @Override
        public String toString() {
            return "reports";
        }
    }
}
