package io.secureapi.keys;

import io.secureapi.error.ExitException;
import io.secureapi.support.AtomicFile;
import io.secureapi.support.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The write-ahead of new keys: {@code <config>.pending} (mode 0600 from its first byte) holds each
 * new key from just before it is stored in AWS until it has been shown or written to --key-out, one
 * record per config entry and key name. A run killed in between (SIGKILL, a crash, a full disk)
 * leaves the record; the next run that finds it and sees the key in AWS hands it over. So a key
 * AWS holds is shown at least once — twice only if a run dies between showing and removing it.
 */
public final class PendingKeys {
    /** One key on its way; toString never shows the value. */
    public record Record(String env, String key, String apiId, String region, String secretId, String value) {
        @Override
        public String toString() {
            return "Record[env=" + env + ", key=" + key + ", apiId=" + apiId + ", secret=" + secretId
                    + ", value redacted]";
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", env);
            m.put("key", key);
            m.put("apiId", apiId);
            m.put("region", region);
            m.put("secretId", secretId);
            m.put("value", value);
            return m;
        }
    }

    /** Sees each new key just before it is stored in AWS, and whether it was. */
    public interface Handover {
        /** Before the AWS call that stores {@code key}: the record must be on disk when this returns. */
        void beforeStore(String keyName, String secretId, ApiKey key);

        /** AWS answered: it holds the key now. */
        void stored(String keyName);

        /** AWS did not store it (e.g. another run created the secret first). */
        void notStored(String keyName);

        Handover NONE = new Handover() {
            @Override
            public void beforeStore(String keyName, String secretId, ApiKey key) {}

            @Override
            public void stored(String keyName) {}

            @Override
            public void notStored(String keyName) {}
        };
    }

    private final Path file;

    private PendingKeys(Path file) {
        this.file = file;
    }

    /** The write-ahead file next to this config: {@code secure-api.json.pending}. */
    public static PendingKeys forConfig(Path config) {
        Path abs = config.toAbsolutePath();
        return new PendingKeys(abs.resolveSibling(abs.getFileName() + ".pending"));
    }

    public Path file() {
        return file;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    /** Every record; an unreadable file is exit 2 naming it (it may hold a key: never deleted here). */
    public synchronized List<Record> records() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw ExitException.badInput(
                    "cannot read " + file + " (" + e.getClass().getSimpleName()
                            + "): it may hold a key an earlier run stored",
                    "check its permissions; it is meant to be read only by you (mode 0600)");
        }
        List<Record> out = new ArrayList<>();
        try {
            Object records = Json.parseObject(text).get("records");
            if (!(records instanceof List<?> list)) throw new IllegalArgumentException("no records");
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("a record is not an object");
                out.add(new Record(
                        s(m, "env"), s(m, "key"), s(m, "apiId"), s(m, "region"), s(m, "secretId"), s(m, "value")));
            }
        } catch (IllegalArgumentException e) {
            throw ExitException.badInput(
                    file + " is not a secure-api write-ahead file (" + e.getMessage() + ")",
                    "look at it (it may hold a key an earlier run stored), then delete it");
        }
        return out;
    }

    private static String s(Map<?, ?> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof String str)) throw new IllegalArgumentException("field " + k + " is not a string");
        return str;
    }

    /** Adds (or replaces) the record of {@code r.env()} and {@code r.key()}; on disk when this returns. */
    public synchronized void put(Record r) {
        List<Record> next = new ArrayList<>(records().stream()
                .filter(x -> !(x.env().equals(r.env()) && x.key().equals(r.key())))
                .toList());
        next.add(r);
        save(next);
    }

    /** Removes the record of this entry and key name; the file goes when it is empty. */
    public synchronized void remove(String env, String key) {
        List<Record> all = records();
        List<Record> next = all.stream()
                .filter(x -> !(x.env().equals(env) && x.key().equals(key)))
                .toList();
        if (next.size() != all.size()) save(next);
    }

    /** Temporary files of this write-ahead: {@code secure-api.json.pending.tmp-…} (a .gitignore line covers them). */
    public String tempPrefix() {
        return AtomicFile.tempPrefix(file);
    }

    private void save(List<Record> records) {
        try {
            // a run killed while writing leaves a temporary file: its newest record was never stored in AWS
            // (the record is on disk before the store call), so it goes
            try (var stale = Files.newDirectoryStream(file.getParent(), tempPrefix() + "*")) {
                for (Path p : stale) Files.deleteIfExists(p);
            } catch (NoSuchFileException | java.nio.file.NotDirectoryException noFolderYet) {
                // nothing to clean
            }
            if (records.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put(
                    "about",
                    "new API keys secure-api stored (or was storing) and has not shown yet; never commit this file");
            doc.put("records", records.stream().map(Record::toJson).toList());
            AtomicFile.write(file, (Json.pretty(doc) + "\n").getBytes(StandardCharsets.UTF_8), null, true);
        } catch (IOException e) {
            throw new ExitException(
                    ExitException.FAILED,
                    "cannot write " + file + " (" + e.getClass().getSimpleName()
                            + "), where a new key is written before it is stored in AWS; nothing was stored",
                    "free some space or fix the folder's permissions, then run it again",
                    e);
        }
    }

    /**
     * Whether AWS holds the record's key: in the secret's current or previous version (a later
     * rotation may have moved it on). A secret that does not exist holds none. Empty when it cannot
     * be told now: the secret is scheduled for deletion (its value is unreadable until restored,
     * docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html, InvalidRequestException).
     */
    public static Optional<Boolean> heldInAws(io.secureapi.aws.AwsClients aws, Record r) {
        for (String stage : List.of(SecretValue.CURRENT, SecretValue.PREVIOUS)) {
            Optional<String> value;
            try {
                // no such secret, or no version with this stage: it holds nothing
                value = io.secureapi.aws.AwsCall.ifFound(
                        "reading secret " + r.secretId() + " (" + stage + ") to find a key an earlier run stored",
                        r.region(),
                        software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException.class,
                        () -> aws.secrets()
                                .getSecretValue(q -> q.secretId(r.secretId()).versionStage(stage))
                                .secretString());
            } catch (ExitException e) {
                // scheduled for deletion: unreadable until restored, so it cannot be told now
                if (e.getCause()
                        instanceof software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException)
                    return Optional.empty();
                throw e;
            }
            if (holds(value.orElse(null), r)) return Optional.of(true);
        }
        return Optional.of(false);
    }

    /** Whether a stored secret value (as read from AWS; null: none) still holds this record's key. */
    public static boolean holds(String secretValue, Record r) {
        if (secretValue == null) return false;
        return DigestSecret.is(secretValue)
                ? holdsDigest(secretValue, r)
                : SecretValue.keys(secretValue).containsValue(r.value());
    }

    /** The digest format holds the key's HMAC (current or retiring); one this version cannot read keeps the record. */
    private static boolean holdsDigest(String value, Record r) {
        try {
            return DigestSecret.parse(value, r.secretId()).holdsKey(r.value());
        } catch (ExitException unreadable) {
            return true; // better shown once too often than lost
        }
    }
}
