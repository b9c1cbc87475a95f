package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * What the library's jars hold, read from the jars the build made (this module's tests run after the library
 * modules are packaged): the Apache License in every jar's {@code META-INF}, the module descriptor, nothing of the
 * tests, the Redis engine's scripts and native-image metadata, and the project metadata a public Maven repository
 * requires. {@link ReleaseJarsTest} checks the sources and javadoc jars of the release profile.
 */
class JarContentsTest {

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String VERSION = System.getProperty("throttle.version", "");

    @ParameterizedTest(name = "{0}")
    @CsvSource({"throttle-api, dev.throttle", "throttle-local, dev.throttle.local",
            "throttle-redis, dev.throttle.redis"})
    void eachLibraryJarHoldsTheLicenseItsModuleAndNothingOfTheTests(String artifact, String module)
            throws IOException {
        Path jar = jar(artifact, "");
        try (JarFile file = new JarFile(jar.toFile())) {
            assertThat(text(file, "META-INF/LICENSE")).as("%s: META-INF/LICENSE", jar).isEqualTo(license());
            assertThat(file.getManifest()).as("%s: manifest", jar).isNotNull();
            List<String> classes = file.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".class")).toList();
            assertThat(classes).as("%s: classes", jar).isNotEmpty()
                    .allMatch(name -> name.startsWith(module.replace('.', '/') + "/") || name.equals("module-info.class"))
                    .noneMatch(name -> name.endsWith("Test.class") || name.contains("/conformance/")
                            || name.contains("/testing/"));
            assertThat(text(file, "META-INF/maven/dev.throttle/" + artifact + "/pom.xml"))
                    .as("%s: the module's pom", jar).contains("<artifactId>" + artifact + "</artifactId>");
        }
        ModuleReference reference = ModuleFinder.of(jar).findAll().iterator().next();
        ModuleDescriptor descriptor = reference.descriptor();
        assertThat(descriptor.name()).as("%s: module name", jar).isEqualTo(module);
        assertThat(descriptor.isAutomatic()).as("%s: a module descriptor, not an automatic module", jar).isFalse();
        assertThat(descriptor.exports()).as("%s: exported packages", jar).isNotEmpty();
    }

    @Test
    void theRedisJarHoldsEveryScriptAndItsNativeImageMetadata() throws IOException {
        Path scripts = ROOT.resolve("throttle-redis/src/main/resources/dev/throttle/redis");
        List<String> names;
        try (Stream<Path> files = Files.list(scripts)) {
            names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".lua")).sorted().toList();
        }
        assertThat(names).as("scripts in %s", scripts).isNotEmpty();
        try (JarFile file = new JarFile(jar("throttle-redis", "").toFile())) {
            for (String name : names) {
                assertThat(file.getEntry("dev/throttle/redis/" + name)).as("script %s", name).isNotNull();
            }
            String metadata = "META-INF/native-image/dev.throttle/throttle-redis/";
            assertThat(text(file, metadata + "resource-config.json")).contains(names.get(0));
            assertThat(text(file, metadata + "reachability-metadata.json")).contains(names.get(0));
        }
    }

    @Test
    void everyJarTheBuildMadeHoldsTheLicense() throws IOException {
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path target : modules.map(m -> m.resolve("target")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(target)) {
                    files.filter(f -> f.toString().endsWith(".jar")).forEach(jars::add);
                }
            }
        }
        assertThat(jars).as("jars built").isNotEmpty();
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                assertThat(text(file, "META-INF/LICENSE")).as("%s: META-INF/LICENSE", jar).contains(license());
            }
        }
        assertThat(Files.readString(Path.of("target/classes/META-INF/LICENSE"))).as("this module's jar's license")
                .isEqualTo(license());
    }

    /**
     * Maven Central's requirements: every published pom has a name, a description, a url, licenses, developers and
     * scm (the modules inherit all but their own name and description from the parent, which is published too).
     */
    @Test
    void everyPublishedPomCarriesTheMetadataACentralRepositoryRequires() throws Exception {
        Element parent = pom(ROOT.resolve("pom.xml"));
        assertThat(child(parent, "url")).startsWith("https://");
        assertThat(child(parent, "inceptionYear")).isNotBlank();
        Element license = (Element) parent.getElementsByTagName("license").item(0);
        assertThat(child(license, "name")).isEqualTo("Apache License, Version 2.0");
        assertThat(child(license, "url")).isEqualTo("https://www.apache.org/licenses/LICENSE-2.0.txt");
        Element developer = (Element) parent.getElementsByTagName("developer").item(0);
        assertThat(child(developer, "name")).isNotBlank();
        Element scm = (Element) parent.getElementsByTagName("scm").item(0);
        assertThat(child(scm, "connection")).startsWith("scm:git:");
        assertThat(child(scm, "developerConnection")).startsWith("scm:git:");
        assertThat(child(scm, "url")).startsWith("https://");
        for (String module : List.of("throttle-api", "throttle-local", "throttle-redis")) {
            Element pom = pom(ROOT.resolve(module).resolve("pom.xml"));
            assertThat(child(pom, "name")).as("%s: name", module).isEqualTo(module);
            assertThat(child(pom, "description")).as("%s: description", module).hasSizeGreaterThan(20);
        }
    }

    static Path jar(String artifact, String classifier) {
        assertThat(VERSION).as("the build passes throttle.version").isNotBlank();
        Path jar = ROOT.resolve(artifact).resolve("target").resolve(artifact + "-" + VERSION + classifier + ".jar");
        assertThat(jar).as("built by the reactor before this module's tests (./mvnw -B verify)").isRegularFile();
        return jar;
    }

    static String license() throws IOException {
        return Files.readString(ROOT.resolve("LICENSE"));
    }

    static String text(JarFile file, String entry) throws IOException {
        ZipEntry found = file.getEntry(entry);
        assertThat(found).as("%s in %s", entry, file.getName()).isNotNull();
        try (InputStream in = file.getInputStream(found)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Element pom(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(file.toFile());
        return document.getDocumentElement();
    }

    /** The text of an element's direct child, or "" when it has none. */
    private static String child(Element parent, String name) {
        for (var node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return element.getTextContent().strip();
            }
        }
        return "";
    }
}
