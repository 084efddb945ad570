package io.secureapi.config;

import io.secureapi.error.ExitException;
import io.secureapi.support.AtomicFile;
import io.secureapi.support.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * secure-api.json as a whole: one entry per API, named like Amplify's environments, plus a
 * schemaVersion. A file from the single-API version (no schemaVersion) reads as the entry
 * {@code default} and is rewritten in this form on the next write. Each entry is kept as the map
 * that was read, so fields this version does not know (and markers such as tornDown) survive.
 */
public final class ConfigFile {
    public static final int SCHEMA_VERSION = 2;
    public static final String DEFAULT_ENV = "default";
    public static final String ENV_PATTERN = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";

    private final Path path;
    private final Map<String, Object> top;
    private final Map<String, Map<String, Object>> raw;
    private final Map<String, ProjectConfig> entries;
    private final boolean legacy;

    private ConfigFile(Path path, Map<String, Object> top, Map<String, Map<String, Object>> raw, boolean legacy) {
        this.path = path;
        this.top = top;
        this.raw = raw;
        this.legacy = legacy;
        Map<String, ProjectConfig> e = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> x : raw.entrySet()) {
            e.put(x.getKey(), ProjectConfig.fromJson(x.getValue(), path + ": entry \"" + x.getKey() + "\""));
        }
        this.entries = e;
    }

    /** A file with no entries yet (the first setup). */
    public static ConfigFile empty(Path path) {
        return new ConfigFile(path, new LinkedHashMap<>(), new LinkedHashMap<>(), false);
    }

    /** The largest config read (bytes): thousands of routes fit many times over. */
    static final long MAX_BYTES = 8L * 1024 * 1024;

    /** The file, or empty when there is none; unreadable or malformed is exit 2 naming the file and field. */
    public static Optional<ConfigFile> read(Path path) {
        String text;
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw ExitException.badInput(
                        "config " + path + " is " + size + " bytes; secure-api reads a config of at most " + MAX_BYTES
                                + " (one entry is about 1 KB, plus about 150 bytes a route)",
                        "check that --config names a secure-api.json, or pass --config for another file");
            }
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw ExitException.badInput(
                    "cannot read config " + path + " (" + e.getClass().getSimpleName() + ")",
                    "check the file's permissions, or pass --config");
        }
        Map<String, Object> doc;
        try {
            doc = Json.parseObjectUniqueNames(text);
        } catch (IllegalArgumentException e) {
            throw ExitException.badInput(
                    "config " + path + " is not valid JSON (" + e.getMessage() + ")",
                    "fix or delete it and run secure-api setup --api-id ID again");
        }
        return Optional.of(parse(path, doc));
    }

    @SuppressWarnings("unchecked")
    static ConfigFile parse(Path path, Map<String, Object> doc) {
        Object version = doc.get("schemaVersion");
        if (version == null) {
            // written by the single-API version: the whole document is the one entry
            Map<String, Map<String, Object>> raw = new LinkedHashMap<>();
            raw.put(DEFAULT_ENV, new LinkedHashMap<>(doc));
            return new ConfigFile(path, new LinkedHashMap<>(), raw, true);
        }
        if (!(version instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw bad(path, "schemaVersion", "must be a whole number");
        }
        if (n.intValue() > SCHEMA_VERSION) {
            throw ExitException.badInput(
                    "config " + path + " has schemaVersion " + n.intValue() + ", newer than this secure-api reads ("
                            + SCHEMA_VERSION + ")",
                    "update secure-api, or pass --config for another file");
        }
        Object envs = doc.get("envs");
        if (!(envs instanceof Map))
            throw bad(path, "envs", envs == null ? "is missing" : "must be an object of entries");
        Map<String, Map<String, Object>> raw = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) envs).entrySet()) {
            if (!e.getKey().matches(ENV_PATTERN))
                throw bad(path, "envs." + e.getKey(), "is not an entry name (letters, digits, - and _)");
            if (!(e.getValue() instanceof Map)) throw bad(path, "envs." + e.getKey(), "must be an object");
            raw.put(e.getKey(), new LinkedHashMap<>((Map<String, Object>) e.getValue()));
        }
        Map<String, Object> top = new LinkedHashMap<>(doc);
        top.remove("schemaVersion");
        top.remove("envs");
        return new ConfigFile(path, top, raw, false);
    }

    static ExitException bad(Path path, String field, String what) {
        return ExitException.badInput(
                "config " + path + ": field \"" + field + "\" " + what,
                "fix that field (or run secure-api setup again to rewrite the entry), or pass --config for another file");
    }

    public Path path() {
        return path;
    }

    /** Whether it was written by the single-API version (it is rewritten in the new form on the next write). */
    public boolean legacy() {
        return legacy;
    }

    public Map<String, ProjectConfig> entries() {
        return java.util.Collections.unmodifiableMap(entries);
    }

    public List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    public Optional<ProjectConfig> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The entry's fields as read, including ones this version does not model. */
    public Optional<Map<String, Object>> rawEntry(String name) {
        return Optional.ofNullable(raw.get(name)).map(LinkedHashMap::new);
    }

    /** The entry that holds this API, if any. */
    public Optional<String> nameOf(String apiId) {
        return entries.entrySet().stream()
                .filter(e -> apiId.equals(e.getValue().apiId()))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /**
     * The entry a command works on: the one named by --env, else the only one. Several and no
     * --env ({@code env} null), or an unknown --env, is exit 2 naming the entries.
     */
    public Optional<String> resolve(String env) {
        if (env != null) {
            if (!entries.containsKey(env)) {
                throw ExitException.badInput(
                        "no entry \"" + env + "\" in " + path + " (entries: " + listing() + ")",
                        "pass --env with one of: " + listing() + " (or run secure-api setup --api-id ID --env " + env
                                + ")");
            }
            return Optional.of(env);
        }
        if (entries.size() > 1) {
            throw ExitException.badInput(
                    path + " describes " + entries.size() + " APIs (" + listing() + "); which one?",
                    "pass --env NAME, e.g. --env " + entries.keySet().iterator().next());
        }
        return entries.keySet().stream().findFirst();
    }

    public String listing() {
        return entries.isEmpty() ? "none" : String.join(", ", entries.keySet());
    }

    /** This file with entry {@code name} set to {@code config}; its unknown fields stay, the named ones go. */
    public ConfigFile with(String name, ProjectConfig config, String... dropFields) {
        Map<String, Map<String, Object>> next = copyRaw();
        Map<String, Object> entry = next.getOrDefault(name, new LinkedHashMap<>());
        entry.putAll(config.toJson());
        for (String f : dropFields) entry.remove(f);
        next.put(name, entry);
        return new ConfigFile(path, top, next, false);
    }

    /** This file with one field of entry {@code name} set (markers such as tornDown). */
    public ConfigFile withField(String name, String field, Object value) {
        Map<String, Map<String, Object>> next = copyRaw();
        Map<String, Object> entry = next.get(name);
        if (entry == null) throw new IllegalArgumentException("no entry " + name);
        if (value == null) entry.remove(field);
        else entry.put(field, value);
        return new ConfigFile(path, top, next, false);
    }

    private Map<String, Map<String, Object>> copyRaw() {
        Map<String, Map<String, Object>> next = new LinkedHashMap<>();
        raw.forEach((k, v) -> next.put(k, new LinkedHashMap<>(v)));
        return next;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schemaVersion", SCHEMA_VERSION);
        doc.put("envs", new LinkedHashMap<>(raw));
        doc.putAll(top);
        return doc;
    }

    /**
     * Writes the whole file atomically: a temporary file in the same folder, then a rename, so a
     * crash or a full disk leaves the old file or the new one, never half of one.
     */
    public void write() {
        try {
            // meant to be committed and read by teammates: keep the file's mode, else rw-r--r--
            AtomicFile.write(
                    path,
                    (Json.pretty(toJson()) + "\n").getBytes(StandardCharsets.UTF_8),
                    AtomicFile.modeOr(path, "rw-r--r--"),
                    true);
        } catch (IOException e) {
            throw new ExitException(
                    ExitException.FAILED,
                    "cannot write config " + path + " ("
                            + (e instanceof AccessDeniedException
                                    ? "permission denied"
                                    : e.getClass().getSimpleName()
                                            + (e.getMessage() == null ? "" : ": " + e.getMessage()))
                            + ")",
                    "check the folder's permissions and free space, or pass --config",
                    e);
        }
    }

    /**
     * Checks, before the first AWS write, that the config (and the .pending file next to it) can
     * be written: the folder exists or can be made, and a file can be created in it.
     */
    public static void checkWritable(Path path) {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        String next = "make it writable (or pass --config FILE in a writable folder); nothing was changed";
        if (existing == null || !Files.isDirectory(existing)) {
            throw ExitException.badInput(
                    "cannot write config " + path + ": folder " + dir + " cannot be created", next);
        }
        if (Files.exists(target) && !Files.isWritable(target)) {
            throw ExitException.badInput("cannot write config " + path + ": the file is read-only", next);
        }
        try {
            Path probe = Files.createTempFile(existing, ".secure-api-write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            String why = existing.equals(dir)
                    ? "folder " + dir + " is not writable"
                    : "folder " + dir + " does not exist and cannot be created in " + existing;
            throw ExitException.badInput("cannot write config " + path + ": " + why, next);
        }
    }
}
