package io.secureapi.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Loads the policy templates of policies/ (shipped in the jar): the single source of every policy. */
public final class Policies {
    private Policies() {}

    public static String template(String name, Map<String, String> vars) {
        String text = load(name);
        for (Map.Entry<String, String> v : vars.entrySet()) {
            text = text.replace("${" + v.getKey() + "}", v.getValue());
        }
        if (text.contains("${"))
            throw new IllegalStateException("policy template " + name + " has an unfilled variable");
        return text;
    }

    public static String load(String name) {
        try (InputStream in = Policies.class.getResourceAsStream("/policies/" + name)) {
            if (in == null) throw new IllegalStateException("policy template missing from the jar: " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A template as compact JSON, the form AWS APIs take. */
    public static String compact(String name, Map<String, String> vars) {
        return Json.write(Json.parse(template(name, vars)));
    }
}
