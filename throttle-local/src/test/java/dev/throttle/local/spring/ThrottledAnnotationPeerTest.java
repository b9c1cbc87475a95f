package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Limiter;
import dev.throttle.ThrottledException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Behaviours of Resilience4j's Spring aspect tests (resilience4j-spring6: RateLimiter/Bulkhead aspect, fallback, reactor
 * aspect-ext and recovery tests), translated to {@link Throttled}: proxies, fallbacks, exceptions, permits per return
 * type.
 */
class ThrottledAnnotationPeerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    static final String[] LIMITERS = {
        "throttle.limiters.one.type=concurrency", "throttle.limiters.one.limit=1",
        "throttle.limiters.once.type=fixed-window", "throttle.limiters.once.limit=1",
        "throttle.limiters.once.window=1m",
        "throttle.limiters.once-more.type=fixed-window", "throttle.limiters.once-more.limit=1",
        "throttle.limiters.once-more.window=1m",
        "throttle.limiters.twice.type=fixed-window", "throttle.limiters.twice.limit=2",
        "throttle.limiters.twice.window=1m",
        "throttle.keyed.per-key.type=fixed-window", "throttle.keyed.per-key.limit=1",
        "throttle.keyed.per-key.window=1m",
    };

    private ApplicationContextRunner runner(String... extra) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, ThrottleAutoConfiguration.class))
                .withUserConfiguration(BootApps.ManualTime.class, Beans.class)
                .withPropertyValues(LIMITERS).withPropertyValues(extra);
    }

    private void run(Scenario scenario) {
        for (String proxying : List.of("spring.aop.proxy-target-class=true", "spring.aop.proxy-target-class=false")) {
            runner(proxying).run(context -> {
                assertThat(context).hasNotFailed();
                scenario.run(context);
            });
        }
    }

    @FunctionalInterface
    interface Scenario {
        void run(AssertableApplicationContext context) throws Exception;
    }

    private static Limiter limiter(AssertableApplicationContext context, String name) {
        return context.getBean(ThrottleLimiters.class).limiter(name);
    }

    // ---- self-invocation, interfaces, inheritance -------------------------------------------------------------

    /** Resilience4j (as any Spring AOP): a bean's call of its own method bypasses the proxy; throttle documents it. */
    @Test
    void selfInvocationIsNotGuarded() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThat(service.outer()).isEqualTo("inner");
            assertThat(service.outer()).as("documented: self calls do not come through the proxy").isEqualTo("inner");
        });
    }

    /** An annotation on the interface's method guards the implementation, proxied by class or by interface. */
    @Test
    void anAnnotationOnTheInterfaceMethodIsInherited() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThat(service.onInterface()).isEqualTo("interface");
            assertThatThrownBy(service::onInterface).isInstanceOf(ThrottledException.class);
        });
    }

    /** An annotation on a superclass's method guards an override that does not repeat it. */
    @Test
    void anAnnotationOnAnOverriddenSuperclassMethodIsInherited() {
        run(context -> {
            Child child = context.getBean(Child.class);
            assertThat(child.inherited()).isEqualTo("child");
            assertThatThrownBy(child::inherited).isInstanceOf(ThrottledException.class);
        });
    }

    /** A generic interface: the call goes through the bridge method; the class's annotation and fallback apply. */
    @Test
    void aGenericInterfaceMethodIsGuardedThroughItsBridge() {
        run(context -> {
            @SuppressWarnings("unchecked")
            Repo<String> repo = context.getBean(Repo.class);
            assertThat(repo.find("a")).isEqualTo("found a");
            assertThat(repo.find("b")).isEqualTo("fallback b");
        });
    }

    // ---- exceptions --------------------------------------------------------------------------------------------

    /** Resilience4j: a checked exception of the method reaches the caller unchanged, and the permit is released. */
    @Test
    void aCheckedExceptionReachesTheCallerUnchangedAndReleasesThePermit() {
        run(context -> {
            Service service = context.getBean(Service.class);
            IOException thrown = new IOException("disk");
            assertThatThrownBy(() -> service.failsChecked(thrown)).isSameAs(thrown);
            assertThatThrownBy(() -> service.failsChecked(thrown)).as("the concurrency permit was released")
                    .isSameAs(thrown);
            assertThat(limiter(context, "one").tryAcquire(1).granted()).isTrue();
        });
    }

    /** An Error of the method also reaches the caller unchanged, and the permit is released. */
    @Test
    void anErrorReachesTheCallerUnchangedAndReleasesThePermit() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThatThrownBy(service::failsWithError).isInstanceOf(StackOverflowError.class);
            assertThatThrownBy(service::failsWithError).isInstanceOf(StackOverflowError.class);
        });
    }

    /** Resilience4j FallbackMethodTest: a (checked) exception the fallback throws is not wrapped. */
    @Test
    void anExceptionTheFallbackThrowsReachesTheCallerUnwrapped() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThat(service.fallbackThrows("x")).isEqualTo("x");
            assertThatThrownBy(() -> service.fallbackThrows("x")).isInstanceOf(IOException.class)
                    .hasMessage("fallback of x");
        });
    }

    // ---- fallbacks ---------------------------------------------------------------------------------------------

    /** Resilience4j: the fallback receives the call's arguments and the exception; the method is not called. */
    @Test
    void theFallbackReceivesTheArgumentsAndTheRefusalAndTheMethodIsNotCalled() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThat(service.priced("tea", 3)).isEqualTo("3 tea");
            assertThat(service.priced("cake", 5)).isEqualTo("fallback 5 cake once PT1M");
            assertThat(service.calls()).isEqualTo(1);
        });
    }

    /** Resilience4j FallbackMethodParentTest: a fallback declared (privately) by a superclass is found. */
    @Test
    void aPrivateFallbackOfTheSuperclassIsFound() {
        run(context -> {
            Child child = context.getBean(Child.class);
            assertThat(child.withParentFallback("a")).isEqualTo("a");
            assertThat(child.withParentFallback("b")).isEqualTo("parent fallback b");
        });
    }

    /** Primitive and void methods: the fallback's primitive comes back, a void fallback runs. */
    @Test
    void primitiveAndVoidMethodsWithFallbacks() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThat(service.count()).isEqualTo(1);
            assertThat(service.count()).isEqualTo(-1);
            service.fireAndForget();
            service.fireAndForget();
            assertThat(service.voidFallbacks()).isEqualTo(1);
            assertThatThrownBy(() -> service.countNoFallback()).isInstanceOf(ThrottledException.class);
        });
    }

    /**
     * Resilience4j's fallback may declare any supertype of the exception (Throwable, Exception, RuntimeException);
     * throttle documents "optionally followed by a ThrottledException": a wider type is refused at startup.
     */
    @Test
    void aFallbackDeclaringASupertypeOfTheRefusalIsRefusedAtStartup() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, ThrottleAutoConfiguration.class))
                .withPropertyValues(LIMITERS).withBean(WideFallback.class)
                .run(context -> assertThat(context).getFailure().hasMessageContaining("fallbackMethod \"wide\""));
    }

    // ---- CompletionStage ---------------------------------------------------------------------------------------

    /** A stage method that throws fails the returned future (not the caller) and releases the permit. */
    @Test
    void aStageMethodThatThrowsFailsTheFutureAndReleasesThePermit() {
        run(context -> {
            Service service = context.getBean(Service.class);
            CompletableFuture<String> first = service.stageThrows();
            assertThat(first).isCompletedExceptionally();
            assertThatThrownBy(first::get).hasCauseInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> service.stageThrows().get()).hasCauseInstanceOf(IllegalStateException.class);
            assertThat(limiter(context, "one").tryAcquire(1).granted()).isTrue();
        });
    }

    /** A stage that fails releases the permit and the failure reaches the caller unchanged. */
    @Test
    void aFailedStageReleasesThePermitWithItsFailure() {
        run(context -> {
            Service service = context.getBean(Service.class);
            IOException failure = new IOException("late");
            CompletableFuture<String> source = new CompletableFuture<>();
            CompletionStage<String> guarded = service.stage(source);
            assertThat(limiter(context, "one").tryAcquire(1).granted()).isFalse();
            source.completeExceptionally(failure);
            assertThatThrownBy(() -> guarded.toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCause(failure);
            assertThat(limiter(context, "one").tryAcquire(1).granted()).isTrue();
        });
    }

    /** A null key fails... the caller synchronously, even for a method returning a stage (observed). */
    @Test
    void aNullKeyOfAStageMethod() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThatThrownBy(() -> service.keyedStage(null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is null");
        });
    }

    // ---- Mono / Flux -------------------------------------------------------------------------------------------

    /** Resilience4j reactor aspect: a Mono never subscribed takes no permit. */
    @Test
    void aMonoNeverSubscribedTakesNoPermit() {
        run(context -> {
            Service service = context.getBean(Service.class);
            for (int i = 0; i < 5; i++) {
                service.mono(Mono.just("x"));   // dropped, never subscribed
            }
            assertThat(limiter(context, "one").tryAcquire(1).granted()).isTrue();
        });
    }

    /** A Mono subscribed twice takes and releases a permit for each subscription, exactly once each. */
    @Test
    void aMonoSubscribedTwiceTakesAPermitPerSubscription() {
        run(context -> {
            Service service = context.getBean(Service.class);
            Mono<String> once = service.mono(Mono.just("x"));
            assertThat(once.block(TIMEOUT)).isEqualTo("x");
            assertThat(once.block(TIMEOUT)).isEqualTo("x");
            Sinks.One<String> pending = Sinks.one();
            Mono<String> held = service.mono(pending.asMono());
            var first = held.subscribe();
            assertThatThrownBy(() -> held.block(TIMEOUT)).as("second subscription while the first holds")
                    .isInstanceOf(ThrottledException.class);
            pending.tryEmitValue("done");
            assertThat(first.isDisposed()).isTrue();
            Permit permit = new Permit(limiter(context, "one"));
            assertThat(permit.granted).as("released exactly once: one permit free, not two").isTrue();
            assertThat(limiter(context, "one").tryAcquire(1).granted()).isFalse();
            permit.close();
        });
    }

    /** A Mono that fails releases the permit; its error reaches the subscriber unchanged (no fallback). */
    @Test
    void aFailingMonoReleasesThePermitAndItsErrorIsNotAnsweredByTheFallback() {
        run(context -> {
            Service service = context.getBean(Service.class);
            IllegalStateException boom = new IllegalStateException("boom");
            assertThatThrownBy(() -> service.monoWithFallback(Mono.error(boom)).block(TIMEOUT)).isSameAs(boom);
            assertThat(service.monoWithFallback(Mono.just("ok")).block(TIMEOUT)).isEqualTo("ok");
        });
    }

    /** A Flux cancelled after its first element (take(1)) releases its permit. */
    @Test
    void aFluxCancelledMidStreamReleasesThePermit() {
        run(context -> {
            Service service = context.getBean(Service.class);
            assertThat(service.flux().take(1).collectList().block(TIMEOUT)).containsExactly(1);
            assertThat(service.flux().collectList().block(TIMEOUT)).hasSize(1000);
            assertThat(limiter(context, "one").tryAcquire(1).granted()).isTrue();
        });
    }

    /** A refused Mono calls the fallback with the refusal, per subscription. */
    @Test
    void aRefusedMonoSubscriptionGetsTheFallbacksMonoWithTheRefusal() {
        run(context -> {
            Service service = context.getBean(Service.class);
            Mono<String> twice = service.monoOnce();
            assertThat(twice.block(TIMEOUT)).isEqualTo("value");
            assertThat(twice.block(TIMEOUT)).isEqualTo("fallback once");
        });
    }

    /** A tiny holder for a permit, asserting the limiter's state from the outside. */
    private static final class Permit implements AutoCloseable {
        final dev.throttle.Permit permit;
        final boolean granted;

        Permit(Limiter limiter) {
            this.permit = limiter.tryAcquire(1);
            this.granted = permit.granted();
        }

        @Override
        public void close() {
            permit.close();
        }
    }

    // ---- the beans -----------------------------------------------------------------------------------------------

    @Configuration(proxyBeanMethods = false)
    static class Beans {
        @Bean
        ServiceImpl service() {
            return new ServiceImpl();
        }

        @Bean
        Child child() {
            return new Child();
        }

        @Bean
        StringRepo repo() {
            return new StringRepo();
        }
    }

    interface Service {
        String outer();

        String inner();

        @Throttled("once")
        String onInterface();

        String failsChecked(IOException e) throws IOException;

        String failsWithError();

        String fallbackThrows(String x) throws IOException;

        String priced(String item, int price);

        int calls();

        int count();

        int countNoFallback();

        void fireAndForget();

        int voidFallbacks();

        CompletableFuture<String> stageThrows();

        CompletionStage<String> stage(CompletableFuture<String> source);

        CompletableFuture<String> keyedStage(String key);

        Mono<String> mono(Mono<String> source);

        Mono<String> monoWithFallback(Mono<String> source);

        Mono<String> monoOnce();

        Flux<Integer> flux();
    }

    static class ServiceImpl implements Service {
        private final AtomicInteger calls = new AtomicInteger();
        private final AtomicInteger voidFallbacks = new AtomicInteger();

        @Override
        public String outer() {
            return inner();
        }

        @Override
        @Throttled("once")
        public String inner() {
            return "inner";
        }

        @Override
        public String onInterface() {
            return "interface";
        }

        @Override
        @Throttled("one")
        public String failsChecked(IOException e) throws IOException {
            throw e;
        }

        @Override
        @Throttled("one")
        public String failsWithError() {
            throw new StackOverflowError();
        }

        @Override
        @Throttled(value = "once", fallbackMethod = "throwingFallback")
        public String fallbackThrows(String x) throws IOException {
            return x;
        }

        String throwingFallback(String x) throws IOException {
            throw new IOException("fallback of " + x);
        }

        @Override
        @Throttled(value = "once", fallbackMethod = "pricedFallback")
        public String priced(String item, int price) {
            calls.incrementAndGet();
            return price + " " + item;
        }

        private String pricedFallback(String item, int price, ThrottledException refusal) {
            return "fallback " + price + " " + item + " " + refusal.limiterName() + " " + refusal.retryAfter();
        }

        @Override
        public int calls() {
            return calls.get();
        }

        @Override
        @Throttled(value = "once", fallbackMethod = "noCount")
        public int count() {
            return 1;
        }

        int noCount() {
            return -1;
        }

        @Override
        @Throttled("once")
        public int countNoFallback() {
            return 1;
        }

        @Override
        @Throttled(value = "once-more", fallbackMethod = "voidFallback")
        public void fireAndForget() {
        }

        void voidFallback() {
            voidFallbacks.incrementAndGet();
        }

        @Override
        public int voidFallbacks() {
            return voidFallbacks.get();
        }

        @Override
        @Throttled("one")
        public CompletableFuture<String> stageThrows() {
            throw new IllegalStateException("before the stage");
        }

        @Override
        @Throttled("one")
        public CompletionStage<String> stage(CompletableFuture<String> source) {
            return source;
        }

        @Override
        @Throttled(value = "per-key", key = "#p0")
        public CompletableFuture<String> keyedStage(String key) {
            return CompletableFuture.completedFuture(key);
        }

        @Override
        @Throttled("one")
        public Mono<String> mono(Mono<String> source) {
            return source;
        }

        @Override
        @Throttled(value = "one", fallbackMethod = "monoFallback")
        public Mono<String> monoWithFallback(Mono<String> source) {
            return source;
        }

        Mono<String> monoFallback(Mono<String> source, ThrottledException refusal) {
            return Mono.just("fallback");
        }

        @Override
        @Throttled(value = "once", fallbackMethod = "monoOnceFallback")
        public Mono<String> monoOnce() {
            return Mono.just("value");
        }

        Mono<String> monoOnceFallback(ThrottledException refusal) {
            return Mono.just("fallback " + refusal.limiterName());
        }

        @Override
        @Throttled("one")
        public Flux<Integer> flux() {
            return Flux.range(1, 1000);
        }
    }

    static class Parent {
        @Throttled("once")
        public String inherited() {
            return "parent";
        }

        private String parentFallback(String x) {
            return "parent fallback " + x;
        }
    }

    static class Child extends Parent {
        @Override
        public String inherited() {
            return "child";
        }

        @Throttled(value = "once", fallbackMethod = "parentFallback")
        public String withParentFallback(String x) {
            return x;
        }
    }

    interface Repo<T> {
        T find(T id);
    }

    static class StringRepo implements Repo<String> {
        @Override
        @Throttled(value = "once", fallbackMethod = "notFound")
        public String find(String id) {
            return "found " + id;
        }

        String notFound(String id) {
            return "fallback " + id;
        }
    }

    static class WideFallback {
        @Throttled(value = "once", fallbackMethod = "wide")
        public String call(String x) {
            return x;
        }

        String wide(String x, RuntimeException e) {
            return "wide";
        }
    }
}
