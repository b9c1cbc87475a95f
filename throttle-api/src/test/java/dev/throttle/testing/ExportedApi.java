package dev.throttle.testing;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API a module exports, as text: every public top-level type of every package its descriptor exports to
 * all (qualified exports, to the engines, are not API), with its public and protected members and nested types.
 * Each library module commits this text ({@code exported-api.txt} at the module's root) and a test compares the
 * built module with it, so the surface changes only on purpose: a difference fails the build until the committed
 * file is updated in the same change, where a reviewer sees it.
 */
public final class ExportedApi {

    /** A type of a package the modules keep to themselves (the kernel, the local limiters, the HTTP core). */
    private static final Pattern INTERNAL = Pattern.compile(
            "\\bdev\\.throttle(\\.\\w+)*\\.(kernel|limiters|admission|internal)\\.[A-Z]");

    private ExportedApi() {
    }

    /**
     * Checks the module compiled into {@code classes} against the committed description; on a difference, writes the
     * current description next to the classes ({@code target/exported-api.txt}) and fails naming the lines that
     * differ.
     *
     * @param classes the module's compiled main classes, with its {@code module-info.class}
     * @param committed the committed description
     * @throws AssertionError if the module's API differs from the committed one
     */
    public static void check(Path classes, Path committed) throws IOException {
        String actual = describe(classes);
        List<String> leaks = actual.lines().filter(line -> INTERNAL.matcher(line).find()).toList();
        if (!leaks.isEmpty()) {
            throw new AssertionError("The exported API names types of packages no module exports:\n"
                    + String.join("\n", leaks));
        }
        Path written = classes.resolveSibling("exported-api.txt");
        Files.writeString(written, actual, StandardCharsets.UTF_8);
        String expected = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
        if (!actual.equals(expected)) {
            List<String> was = expected.lines().toList();
            List<String> now = actual.lines().toList();
            String removed = was.stream().filter(line -> !now.contains(line)).map(line -> "  - " + line)
                    .collect(Collectors.joining("\n"));
            String added = now.stream().filter(line -> !was.contains(line)).map(line -> "  + " + line)
                    .collect(Collectors.joining("\n"));
            throw new AssertionError("The exported API differs from " + committed + " (reviewed surface).\n"
                    + "Removed:\n" + removed + "\nAdded:\n" + added + "\nIf the change is intended, review it and copy "
                    + written + " over " + committed + ".");
        }
    }

    /**
     * The public API of the module compiled into {@code classes}.
     *
     * @param classes the module's compiled main classes, with its {@code module-info.class}
     * @return the description: one line per type and member, sorted
     */
    public static String describe(Path classes) throws IOException {
        ModuleReference module = ModuleFinder.of(classes).findAll().stream().findFirst()
                .orElseThrow(() -> new AssertionError("no module-info.class in " + classes));
        ModuleDescriptor descriptor = module.descriptor();
        List<String> packages = descriptor.exports().stream().filter(export -> !export.isQualified())
                .map(ModuleDescriptor.Exports::source).sorted().toList();
        List<String> lines = new ArrayList<>();
        int topLevel = 0;
        for (String pkg : packages) {
            lines.add("package " + pkg);
            Path dir = classes.resolve(pkg.replace('.', '/'));
            List<String> names;
            try (Stream<Path> files = Files.list(dir)) {
                names = files.map(path -> path.getFileName().toString())
                        .filter(name -> name.endsWith(".class") && !name.contains("$")
                                && !name.equals("package-info.class"))
                        .map(name -> pkg + "." + name.substring(0, name.length() - ".class".length()))
                        .sorted().toList();
            }
            for (String name : names) {
                Class<?> type = load(name);
                if (Modifier.isPublic(type.getModifiers())) {
                    topLevel++;
                    describeType(type, "  ", lines);
                }
            }
        }
        String header = "module " + descriptor.name() + ": " + topLevel + " public top-level types in "
                + packages.size() + " exported packages\n";
        // Nested types read as they are written in Java source: Outer.Inner, not the binary Outer$Inner.
        return (header + String.join("\n", lines) + "\n").replace('$', '.');
    }

    /**
     * The number of public top-level types a description lists.
     *
     * @param description a text made by {@link #describe(Path)}
     * @return the count in its first line
     */
    public static int topLevelTypes(String description) {
        String first = description.lines().findFirst().orElse("");
        String[] words = first.split(" ");
        return Integer.parseInt(words[2]);
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ExportedApi.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError("cannot load " + name, e);
        }
    }

    private static void describeType(Class<?> type, String indent, List<String> lines) {
        lines.add(indent + typeLine(type));
        List<String> members = new ArrayList<>();
        String inner = indent + "  ";
        if (type.isRecord()) {
            members.add(inner + "components(" + Arrays.stream(type.getRecordComponents())
                    .map(component -> name(component.getGenericType()) + " " + component.getName())
                    .collect(Collectors.joining(", ")) + ")");
        }
        for (Field field : type.getDeclaredFields()) {
            if (visible(field.getModifiers()) && !field.isSynthetic()) {
                members.add(inner + (field.isEnumConstant() ? "constant " : "field ")
                        + modifiers(field.getModifiers()) + name(field.getGenericType()) + " " + field.getName());
            }
        }
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            if (visible(constructor.getModifiers()) && !constructor.isSynthetic()) {
                members.add(inner + "constructor " + modifiers(constructor.getModifiers())
                        + typeParameters(constructor.getTypeParameters()) + type.getSimpleName()
                        + parameters(constructor));
            }
        }
        for (Class<?> owner = type; owner != null; owner = hiddenSuperclass(owner)) {
            String inherited = owner == type ? "" : "inherited from a hidden base: ";
            for (Method method : owner.getDeclaredMethods()) {
                if (visible(method.getModifiers()) && !method.isSynthetic() && !method.isBridge()) {
                    members.add(inner + "method " + inherited + (method.isDefault() ? "default " : "")
                            + modifiers(method.getModifiers()) + typeParameters(method.getTypeParameters())
                            + name(method.getGenericReturnType()) + " " + method.getName() + parameters(method));
                }
            }
        }
        members.sort(null);
        lines.addAll(members);
        Class<?>[] nested = type.getDeclaredClasses();
        Arrays.sort(nested, (a, b) -> a.getName().compareTo(b.getName()));
        for (Class<?> member : nested) {
            if (visible(member.getModifiers())) {
                describeType(member, inner, lines);
            }
        }
    }

    /**
     * The superclass whose public methods users reach only through {@code type}: a base class the package keeps to
     * itself (a builder's shared setters); null when the superclass is public or absent.
     */
    private static Class<?> hiddenSuperclass(Class<?> type) {
        Class<?> superclass = type.getSuperclass();
        return superclass != null && !Modifier.isPublic(superclass.getModifiers()) ? superclass : null;
    }

    private static String typeLine(Class<?> type) {
        String kind = type.isAnnotation() ? "@interface" : type.isInterface() ? "interface" : type.isEnum() ? "enum"
                : type.isRecord() ? "record" : "class";
        int modifiers = type.getModifiers();
        if (type.isInterface()) {
            modifiers &= ~(Modifier.ABSTRACT | Modifier.INTERFACE);
        }
        if (type.isEnum() || type.isRecord()) {
            modifiers &= ~Modifier.FINAL;
        }
        StringBuilder line = new StringBuilder(modifiers(modifiers));
        if (type.isSealed()) {
            line.append("sealed ");
        }
        line.append(kind).append(' ').append(type.getName().substring(type.getPackageName().length() + 1))
                .append(typeParameters(type.getTypeParameters()));
        Type superclass = type.getGenericSuperclass();
        if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
            line.append(" extends ").append(name(superclass));
        }
        Type[] interfaces = type.getGenericInterfaces();
        if (interfaces.length > 0) {
            line.append(type.isInterface() ? " extends " : " implements ").append(Arrays.stream(interfaces)
                    .map(ExportedApi::name).collect(Collectors.joining(", ")));
        }
        if (type.isSealed()) {
            line.append(" permits ").append(Arrays.stream(type.getPermittedSubclasses())
                    .map(Class::getName).sorted().collect(Collectors.joining(", ")));
        }
        return line.toString();
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String modifiers(int modifiers) {
        String text = Modifier.toString(modifiers & (Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC
                | Modifier.FINAL | Modifier.ABSTRACT));
        return text.isEmpty() ? "" : text + " ";
    }

    private static String typeParameters(TypeVariable<?>[] variables) {
        if (variables.length == 0) {
            return "";
        }
        return Arrays.stream(variables).map(variable -> {
            Type[] bounds = variable.getBounds();
            boolean plain = bounds.length == 1 && bounds[0] == Object.class;
            return plain ? variable.getName() : variable.getName() + " extends " + Arrays.stream(bounds)
                    .map(ExportedApi::name).collect(Collectors.joining(" & "));
        }).collect(Collectors.joining(", ", "<", "> "));
    }

    private static String parameters(Executable executable) {
        String params = Arrays.stream(executable.getGenericParameterTypes()).map(ExportedApi::name)
                .collect(Collectors.joining(", ", "(", ")"));
        Type[] thrown = executable.getGenericExceptionTypes();
        return thrown.length == 0 ? params : params + " throws " + Arrays.stream(thrown).map(ExportedApi::name)
                .collect(Collectors.joining(", "));
    }

    private static String name(Type type) {
        return type.getTypeName();
    }
}
