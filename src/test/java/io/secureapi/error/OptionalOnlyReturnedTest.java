package io.secureapi.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Optional is an answer, never a holder: the SDK's own guideline (UseOfOptional) allows it as a
 * return type only. Reads the compiled classes and names every record component, field and
 * parameter whose type mentions java.util.Optional; "none" is a nullable value, documented so.
 */
class OptionalOnlyReturnedTest {

    @Test
    void compiledClasses_holdNoOptional() throws Exception {
        Path classes = Path.of(ExitException.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<Class<?>> all = classes(classes);
        assertThat(all).as("no classes found under %s", classes).hasSizeGreaterThan(20);
        List<String> found = new ArrayList<>();
        for (Class<?> c : all) {
            found.addAll(holders(c));
        }
        assertThat(found)
                .as("Optional held in a component, field or parameter (make it nullable, \"null: none\")")
                .isEmpty();
    }

    @Test
    void theDetector_namesEachKindOfHolder() {
        assertThat(holders(Holder.class))
                .containsExactlyInAnyOrder(
                        "record component OptionalOnlyReturnedTest.Holder.inComponent",
                        "field OptionalOnlyReturnedTest.Holder.TAKEN",
                        "parameter 1 of OptionalOnlyReturnedTest.Holder.Holder(Optional)",
                        "parameter 2 of OptionalOnlyReturnedTest.Holder.take(String, List)");
        assertThat(holders(Returner.class)).isEmpty();
    }

    record Holder(Optional<String> inComponent) {
        static List<Optional<String>> TAKEN = List.of();

        static void take(String plain, List<Optional<String>> nested) {}
    }

    static final class Returner {
        static Optional<String> answer(String id) {
            Optional<String> local = Optional.ofNullable(id);
            // a lambda's synthetic method is not a declared parameter
            java.util.function.Supplier<String> capture = () -> local.orElse("none");
            return Optional.of(capture.get());
        }
    }

    static List<String> holders(Class<?> c) {
        List<String> out = new ArrayList<>();
        String name = c.getName().substring(c.getName().lastIndexOf('.') + 1).replace('$', '.');
        String simple = name.substring(name.lastIndexOf('.') + 1);
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                if (mentionsOptional(rc.getGenericType())) out.add("record component " + name + "." + rc.getName());
            }
        }
        for (Field f : c.getDeclaredFields()) {
            boolean component = c.isRecord()
                    && Stream.of(c.getRecordComponents())
                            .anyMatch(rc -> rc.getName().equals(f.getName()));
            if (!f.isSynthetic() && !component && mentionsOptional(f.getGenericType()))
                out.add("field " + name + "." + f.getName());
        }
        List<Executable> executables = new ArrayList<>(List.of(c.getDeclaredMethods()));
        for (Constructor<?> k : c.getDeclaredConstructors()) executables.add(k);
        for (Executable e : executables) {
            if (e.isSynthetic() || (e instanceof Method m && m.isBridge())) continue;
            Type[] params = e.getGenericParameterTypes();
            for (int i = 0; i < params.length; i++) {
                if (mentionsOptional(params[i])) {
                    String method = e instanceof Constructor ? simple : e.getName();
                    out.add("parameter " + (i + 1) + " of " + name + "." + method + signature(e));
                }
            }
        }
        return out;
    }

    private static String signature(Executable e) {
        List<String> types = new ArrayList<>();
        for (Class<?> p : e.getParameterTypes()) types.add(p.getSimpleName());
        return "(" + String.join(", ", types) + ")";
    }

    private static boolean mentionsOptional(Type t) {
        return t.getTypeName().matches("(?s).*\\bjava\\.util\\.Optional(Int|Long|Double)?\\b.*");
    }

    private static List<Class<?>> classes(Path root) throws IOException, ClassNotFoundException {
        List<Class<?>> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".class")
                            && !p.getFileName().toString().equals("module-info.class"))
                    .toList();
        }
        ClassLoader loader = OptionalOnlyReturnedTest.class.getClassLoader();
        for (Path p : files) {
            String rel = root.relativize(p).toString();
            String className =
                    rel.substring(0, rel.length() - ".class".length()).replace(java.io.File.separatorChar, '.');
            if (!className.startsWith("io.secureapi.")) continue;
            out.add(Class.forName(className, false, loader));
        }
        return out;
    }
}
