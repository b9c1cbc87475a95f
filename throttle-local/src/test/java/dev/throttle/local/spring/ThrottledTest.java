package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.ThrottledException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * {@link Throttled} in a Spring Boot application context made from properties, on a bean proxied by interface (a JDK
 * proxy where the application proxies by interface) and on one proxied by class: each scenario runs with both ways of
 * proxying.
 */
class ThrottledTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** How the application's auto-proxy creator makes proxies. */
    enum Proxying {
        /** Spring Boot's default: every proxy a subclass (CGLIB), even of a bean with interfaces. */
        BY_CLASS(new ApplicationContextRunner()),
        /**
         * {@code spring.aop.proxy-target-class=false}: Spring Boot registers no auto-proxy creator then (without
         * AspectJ); the auto-configuration registers Spring's infrastructure-advisor creator, by interface.
         */
        BY_INTERFACE(new ApplicationContextRunner().withPropertyValues("spring.aop.proxy-target-class=false")),
        /** {@code spring.aop.auto=false}: no AOP from Spring Boot at all; the same creator as above. */
        WITHOUT_BOOT_AOP(new ApplicationContextRunner().withPropertyValues("spring.aop.auto=false"));

        private final ApplicationContextRunner runner;

        Proxying(ApplicationContextRunner runner) {
            this.runner = runner.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
                    ThrottleAutoConfiguration.class))
                    .withUserConfiguration(BootApps.ManualTime.class, ThrottledServices.class)
                    .withPropertyValues(ThrottledServices.PROPERTIES);
        }

        /** Runs a scenario on the services of a fresh application (fresh limiters), proxied this way. */
        void run(Scenario scenario) {
            runner.run(context -> {
                assertThat(context).hasNotFailed();
                ThrottledServices.Orders orders = context.getBean(ThrottledServices.Orders.class);
                assertThat(AopUtils.isJdkDynamicProxy(orders)).isEqualTo(this != BY_CLASS);
                assertThat(AopUtils.isCglibProxy(context.getBean(ThrottledServices.Reports.class))).isTrue();
                scenario.run(orders, context);
            });
        }
    }

    /** A test's steps, on the interface-typed service and its application. */
    @FunctionalInterface
    interface Scenario {
        void run(ThrottledServices.Orders orders, AssertableApplicationContext context) throws Exception;
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aLimitOfThreeLetsThreeCallsThroughAndRefusesTheFourthWithItsRetryAfter(Proxying proxying) {
        proxying.run((orders, context) -> {
            ManualClock clock = context.getBean(ManualClock.class);
            for (int i = 1; i <= 3; i++) {
                assertThat(orders.order("tea")).isEqualTo("ordered tea");
            }
            assertThatThrownBy(() -> orders.order("tea")).isInstanceOfSatisfying(ThrottledException.class, e -> {
                assertThat(e.limiterName()).isEqualTo("three");
                assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(1));
            });
            clock.advance(Duration.ofMinutes(1));
            assertThat(orders.order("tea")).isEqualTo("ordered tea");
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aTypesAnnotationGuardsEachPublicMethodOfABeanProxiedByClass(Proxying proxying) {
        proxying.run((orders, context) -> {
            ThrottledServices.Reports reports = context.getBean(ThrottledServices.Reports.class);
            assertThat(reports.daily()).isEqualTo("daily");
            assertThat(reports.weekly()).isEqualTo("weekly");   // the same limiter: 2 in all
            assertThatThrownBy(reports::daily).isInstanceOf(ThrottledException.class);
            assertThat(reports.toString()).isEqualTo("reports");   // Object's methods stay unguarded
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aKeyedLimiterCountsEachKeyTheExpressionReadsFromTheArguments(Proxying proxying) {
        proxying.run((orders, context) -> {
            assertThat(orders.forCustomer("alice")).isEqualTo("hello alice");
            assertThatThrownBy(() -> orders.forCustomer("alice")).isInstanceOf(ThrottledException.class);
            assertThat(orders.forCustomer("bob")).isEqualTo("hello bob");
            ThrottledServices.Order order = new ThrottledServices.Order("acme", "tea");
            assertThat(orders.place(order)).isEqualTo("placed tea");
            assertThatThrownBy(() -> orders.place(new ThrottledServices.Order("acme", "cake")))
                    .isInstanceOf(ThrottledException.class);
            assertThat(orders.place(new ThrottledServices.Order("initech", "tea"))).isEqualTo("placed tea");
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aRefusalCallsTheFallbackWithOrWithoutTheException(Proxying proxying) {
        proxying.run((orders, context) -> {
            assertThat(orders.price("tea")).isEqualTo("price of tea");
            assertThat(orders.price("tea")).isEqualTo("cached price of tea");
            assertThat(orders.stock("tea")).isEqualTo("stock of tea");
            assertThat(orders.stock("tea")).isEqualTo("no stock of tea before PT1M (per-customer)");
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aMaxWaitWaitsForThePermitsBlockingForAValueAndNotForAFuture(Proxying proxying) {
        proxying.run((orders, context) -> {
            ManualClock clock = context.getBean(ManualClock.class);
            assertThat(orders.patiently("tea")).isEqualTo("patiently tea");
            assertThat(orders.patientlyLater("tea")).isCompletedWithValue("later tea");
            CompletableFuture<String> blocked = CompletableFuture.supplyAsync(() -> orders.patiently("cake"));
            CompletableFuture<String> later = orders.patientlyLater("cake");
            assertThat(later).as("waits without blocking the caller").isNotDone();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (clock.pendingTasks() < 2 && System.nanoTime() < deadline) {   // the blocked call's, the future's
                Thread.onSpinWait();
            }
            assertThat(clock.pendingTasks()).as("both wait for the clock").isEqualTo(2);
            assertThat(blocked).isNotDone();
            clock.advance(Duration.ofMinutes(1));
            assertThat(blocked.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("patiently cake");
            assertThat(later.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("later cake");
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void cancellingAFutureStillWaitingWithdrawsItsCall(Proxying proxying) {
        proxying.run((orders, context) -> {
            ManualClock clock = context.getBean(ManualClock.class);
            assertThat(orders.patiently("tea")).isEqualTo("patiently tea");
            assertThat(orders.patientlyLater("tea")).isCompletedWithValue("later tea"); // the limit is spent
            CompletableFuture<String> later = orders.patientlyLater("cake");
            assertThat(later).as("waits for the next permit, a minute on").isNotDone();
            assertThat(later.cancel(false)).isTrue();
            clock.advance(Duration.ofMinutes(1));
            // The next window's two permits are both free: the withdrawn call took none, and was not called.
            assertThat(orders.patientlyLater("pie")).isCompletedWithValue("later pie");
            assertThat(orders.patientlyLater("jam")).isCompletedWithValue("later jam");
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aConcurrencyPermitIsHeldForTheCall(Proxying proxying) {
        proxying.run((orders, context) -> {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> orders.hold(entered, release));
            assertThat(entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            CountDownLatch open = new CountDownLatch(0);
            assertThatThrownBy(() -> orders.hold(open, open)).isInstanceOf(ThrottledException.class);
            release.countDown();
            assertThat(inFlight.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("held");
            assertThat(orders.hold(open, open)).isEqualTo("held");
            assertThatThrownBy(() -> orders.failing()).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> orders.failing()).as("a throw closes the permit too")
                    .isInstanceOf(IllegalArgumentException.class);
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aFutureHoldsItsPermitUntilItCompletesAndARefusalIsAFailedFuture(Proxying proxying) {
        proxying.run((orders, context) -> {
            CompletableFuture<String> pending = new CompletableFuture<>();
            CompletableFuture<String> first = orders.later(pending);
            CompletableFuture<String> refused = orders.later(CompletableFuture.completedFuture("second"));
            assertThat(first).isNotDone();
            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(ThrottledException.class);
            pending.complete("first");
            assertThat(first).isCompletedWithValue("first");
            assertThat(orders.later(CompletableFuture.completedFuture("third"))).isCompletedWithValue("third");
            CompletableFuture<String> pendingAgain = new CompletableFuture<>();
            orders.laterOrCached(pendingAgain);
            assertThat(orders.laterOrCached(new CompletableFuture<>())).isCompletedWithValue("cached");
            pendingAgain.complete("done");
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aMonoHoldsItsPermitPerSubscriptionUntilItEnds(Proxying proxying) {
        proxying.run((orders, context) -> {
            Sinks.One<String> never = Sinks.one();
            Mono<String> waiting = orders.watch(never.asMono());
            Disposable subscription = waiting.subscribe();
            assertThatThrownBy(() -> orders.watch(Mono.just("second")).block(TIMEOUT))
                    .isInstanceOf(ThrottledException.class);
            assertThat(orders.watchOrCached(Mono.just("second")).block(TIMEOUT)).isEqualTo("cached");
            subscription.dispose();   // a cancel frees the permit
            assertThat(orders.watch(Mono.just("third")).block(TIMEOUT)).isEqualTo("third");
            assertThat(orders.watch(Mono.just("fourth")).block(TIMEOUT)).as("a completion frees it too")
                    .isEqualTo("fourth");
        });
    }

    @ParameterizedTest
    @EnumSource(Proxying.class)
    void aFluxTakesItsPermitsAtSubscription(Proxying proxying) {
        proxying.run((orders, context) -> {
            Flux<Integer> numbers = orders.numbers();
            assertThat(numbers.collectList().block(TIMEOUT)).containsExactly(1, 2, 3);
            assertThat(numbers.collectList().block(TIMEOUT)).containsExactly(1, 2, 3);
            assertThatThrownBy(() -> numbers.collectList().block(TIMEOUT)).isInstanceOf(ThrottledException.class);
            assertThat(orders.numbersOrNone().collectList().block(TIMEOUT)).containsExactly(1, 2, 3);
            assertThat(orders.numbersOrNone().collectList().block(TIMEOUT)).containsExactly(0);
        });
    }
}
