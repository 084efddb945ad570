package io.secureapi.cli;

import io.secureapi.keys.ApiKey;
import io.secureapi.keys.PendingKeys;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run's side of the write-ahead for one config entry: records each new key in
 * {@code <config>.pending} before the engine stores it, remembers which keys AWS now holds, and
 * removes a record once its key was shown or written to --key-out. Used by every command that
 * makes keys (setup, rotate-key), and read by the shutdown hook on SIGINT/SIGTERM.
 */
final class WriteAhead implements PendingKeys.Handover {
    private final PendingKeys pending;
    private final String env;
    private final String apiId;
    private final String region;
    private final Map<String, ApiKey> written = new LinkedHashMap<>();
    private final Map<String, ApiKey> stored = new LinkedHashMap<>();

    WriteAhead(PendingKeys pending, String env, String apiId, String region) {
        this.pending = pending;
        this.env = env;
        this.apiId = apiId;
        this.region = region;
    }

    String env() {
        return env;
    }

    String apiId() {
        return apiId;
    }

    @Override
    public synchronized void beforeStore(String keyName, String secretId, ApiKey key) {
        pending.put(new PendingKeys.Record(env, keyName, apiId, region, secretId, key.reveal()));
        written.put(keyName, key);
    }

    @Override
    public synchronized void stored(String keyName) {
        ApiKey k = written.get(keyName);
        if (k != null) stored.put(keyName, k);
    }

    @Override
    public synchronized void notStored(String keyName) {
        written.remove(keyName);
        pending.remove(env, keyName);
    }

    /** Whether AWS answered that it holds this key (so it may be shown). */
    synchronized boolean isStored(String keyName) {
        return stored.containsKey(keyName);
    }

    /** Keys AWS holds that nobody has seen yet (for the shutdown hook). */
    synchronized Map<String, ApiKey> storedNotShown() {
        return new LinkedHashMap<>(stored);
    }

    /** Keys written ahead whose store call had not answered yet: AWS may or may not hold them. */
    synchronized java.util.Set<String> inFlight() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>(written.keySet());
        out.removeAll(stored.keySet());
        return out;
    }

    java.nio.file.Path pendingFile() {
        return pending.file();
    }

    /** The key was shown (flushed) or written to --key-out: its record goes. */
    synchronized void shown(String keyName) {
        stored.remove(keyName);
        written.remove(keyName);
        pending.remove(env, keyName);
    }
}
