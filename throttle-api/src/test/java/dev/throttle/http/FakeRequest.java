package dev.throttle.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** A request view built by hand for the core's tests. */
public final class FakeRequest implements HttpRequestView {

    private final String method;
    private final String path;
    private final String remoteAddress;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private String principal;

    private FakeRequest(String method, String path, String remoteAddress) {
        this.method = method;
        this.path = path;
        this.remoteAddress = remoteAddress;
    }

    public static FakeRequest get(String path) {
        return new FakeRequest("GET", path, "203.0.113.9");
    }

    public static FakeRequest of(String method, String path, String remoteAddress) {
        return new FakeRequest(method, path, remoteAddress);
    }

    public static FakeRequest from(String remoteAddress) {
        return new FakeRequest("GET", "/", remoteAddress);
    }

    public FakeRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
        return this;
    }

    public FakeRequest principal(String name) {
        this.principal = name;
        return this;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<String> headers(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public Optional<String> principal() {
        return Optional.ofNullable(principal);
    }
}
