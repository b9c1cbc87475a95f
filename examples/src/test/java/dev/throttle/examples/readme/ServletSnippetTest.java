package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::servlet[]
import dev.throttle.servlet.ThrottleFilter;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
// end::servlet[]
import org.junit.jupiter.api.Test;

/** README, integrations: the servlet filter, here in a Jetty 12 (ee10) server on a loopback port. */
class ServletSnippetTest {

    void install(org.eclipse.jetty.ee10.servlet.ServletContextHandler context,
            dev.throttle.http.HttpThrottlePolicy policy) {
        // tag::servlet[]
        context.addFilter(new FilterHolder(new ThrottleFilter(policy)), "/*", EnumSet.of(DispatcherType.REQUEST));
        // end::servlet[]
    }

    /** Answers 200 "hello" to every request it gets. */
    static final class Hello extends jakarta.servlet.http.HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(jakarta.servlet.http.HttpServletRequest request,
                jakarta.servlet.http.HttpServletResponse response) throws java.io.IOException {
            response.getWriter().write("hello");
        }
    }

    @Test
    void theFilterRefusesWhatThePolicyRefusesBeforeTheServletRuns() throws Exception {
        dev.throttle.ManualClock clock = new dev.throttle.ManualClock();
        dev.throttle.http.HttpThrottlePolicy policy = dev.throttle.http.HttpThrottlePolicy.builder()
                .global(dev.throttle.http.HttpLimit.shared(dev.throttle.local.LocalEngine.builder().ticker(clock)
                        .scheduler(clock).build()
                        .rateLimiter("all", dev.throttle.TokenBucket.of(2, dev.throttle.Rate.perSecond(1)))))
                .build();
        org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        org.eclipse.jetty.ee10.servlet.ServletContextHandler context =
                new org.eclipse.jetty.ee10.servlet.ServletContextHandler();
        context.addServlet(new org.eclipse.jetty.ee10.servlet.ServletHolder(new Hello()), "/*");
        install(context, policy);
        server.setHandler(context);
        server.start();
        try {
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest hello = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/hello")).build();
            java.util.List<java.net.http.HttpResponse<String>> responses = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                responses.add(client.send(hello, java.net.http.HttpResponse.BodyHandlers.ofString()));
            }
            assertThat(responses).extracting(java.net.http.HttpResponse::statusCode).containsExactly(200, 200, 429);
            assertThat(responses.get(0).body()).isEqualTo("hello");
            assertThat(responses.get(2).headers().firstValue("Retry-After")).hasValue("1");
            assertThat(responses.get(2).body()).doesNotContain("hello");
        } finally {
            server.stop();
        }
    }
}
