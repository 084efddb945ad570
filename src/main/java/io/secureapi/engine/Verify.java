package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import io.secureapi.keys.SecretValue;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.model.Verification;
import io.secureapi.pieces.AccessLogsPiece;
import io.secureapi.pieces.AuthorizerPiece;
import io.secureapi.pieces.FunctionPiece;
import io.secureapi.pieces.InvokePermissionPiece;
import io.secureapi.pieces.KeyDecryptionPiece;
import io.secureapi.pieces.KeyNameForwardingPiece;
import io.secureapi.pieces.Piece;
import io.secureapi.pieces.RoutesPiece;
import io.secureapi.pieces.SecretFormatPiece;
import io.secureapi.pieces.SecretPiece;
import io.secureapi.pieces.SecretPolicyPiece;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Names;
import io.secureapi.support.Progress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * verify as an ordering of pieces: read what setup wires (reads only), then each piece's checks in
 * a fixed order. A piece's plan with no change is most of a check; the rest is what a plan cannot
 * see (wildcards, deletion, runtime deprecation, every route across pages). A missing piece is a
 * failed check, never an exit: only an unknown or non-HTTP API is bad input (exit 2). The API's
 * own checks stay here: no piece makes the API or its CORS configuration.
 */
public final class Verify {

    private final Wiring w;

    private Verify(Wiring w) {
        this.w = w;
    }

    /** For offline checks on in-memory state (tests). */
    public static Verify of(Wiring w) {
        return new Verify(w);
    }

    public Wiring wiring() {
        return w;
    }

    /** Reads everything the checks look at (reads only), concurrently as setup does. {@code config}: the config entry, null for none. */
    public static Verify read(Target target, AwsClients aws, Progress progress, ProjectConfig config) {
        return new Verify(Reader.forVerify(target, aws, progress, config));
    }

    /**
     * For --probe without a key given: the live key of a legacy plaintext secret (AWSCURRENT);
     * empty with the reason otherwise. A digest secret holds no key: {@link ProbeKeySource#digests()}.
     */
    public ProbeKeySource probeKey() {
        String name = w.target.secretName();
        if (w.secret().isEmpty()) return ProbeKeySource.none("secret " + name + " not found");
        if (w.secret().get().scheduledForDeletion())
            return ProbeKeySource.none("secret " + name + " is scheduled for deletion");
        if (w.secretValue().isEmpty()) Reader.of(w).currentSecretValue();
        Optional<String> raw = w.secretValue();
        String denied = w.snapshot().secretValueUnreadable();
        if (raw.isEmpty() && denied != null)
            return ProbeKeySource.none("the caller lacks " + denied + " (the optional ReadKeySecretValue statements)");
        if (raw.isEmpty()) return ProbeKeySource.none("secret " + name + " has no current string value");
        if (DigestSecret.is(raw.get()))
            return new ProbeKeySource(null, "secret " + name + " holds digests of keys, never a key", true);
        String live = SecretValue.keys(raw.get()).get(SecretValue.LIVE);
        if (live == null || live.isBlank())
            return ProbeKeySource.none("secret " + name + " holds no \"" + SecretValue.LIVE + "\" key");
        return ProbeKeySource.of(ApiKey.unchecked(live), "the current value of secret " + name);
    }

    /**
     * Where the probe's key comes from, or why there is none ({@code key} null); {@code digests}:
     * none because the secret holds only digests (then --probe needs a key given: {@link #noProbeKey}).
     */
    public record ProbeKeySource(ApiKey key, String description, boolean digests) {
        static ProbeKeySource none(String why) {
            return new ProbeKeySource(null, why, false);
        }

        public static ProbeKeySource of(ApiKey key, String from) {
            return new ProbeKeySource(key, from, false);
        }
    }

    /** The environment variable verify reads the probe key from: SECURE_API_PROBE_KEY, or per entry with --all. */
    public static final String PROBE_KEY_ENV = "SECURE_API_PROBE_KEY";

    /** SECURE_API_PROBE_KEY_&lt;ENV&gt;: the entry name upper-cased, "-" (and anything else not A-Z/0-9) as "_". */
    public static String probeKeyEnv(String entry) {
        return PROBE_KEY_ENV + "_" + entry.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** --probe on a digest secret without a key given: exit 2 (verify --all: that entry, and exit 2 at the end). */
    public static final class NoProbeKey extends io.secureapi.error.ExitException {
        private static final long serialVersionUID = 1L;

        public NoProbeKey(String apiId, String secretName, String envVar) {
            super(
                    BAD_INPUT,
                    "--probe on API " + apiId + " needs the key to send, and secret " + secretName
                            + " holds only digests of keys: give it with --key-file FILE, --key-stdin, or the"
                            + " environment variable " + envVar + " (best a dedicated key: secure-api keys add ci)",
                    "make one with secure-api keys add ci --key-out ci.key, keep it as a CI secret, and pass it in "
                            + envVar,
                    null);
        }
    }

    /**
     * The URL to probe: the API's endpoint ($default stage) and a path one of our protected routes
     * serves with GET — "/" when $default catches it. Never a non-GET route: the right-key request
     * reaches the backend, and it must not change anything there.
     */
    /** The stage {@link #probeUrl()} calls. */
    public String probeStage() {
        return StagesPiece.urls(w).get(0).stage();
    }

    public URI probeUrl() {
        // without a $default stage the API answers only under a stage's path: the first stage's URL
        String endpoint = StagesPiece.urls(w).get(0).url();
        String path = "/";
        boolean catchAll =
                w.routes().stream().anyMatch(r -> r.key().equals("$default") && RoutesPiece.protectedByUs(w, r));
        if (!catchAll) {
            path = w.routes().stream()
                    .filter(r -> RoutesPiece.protectedByUs(w, r))
                    .filter(r -> r.key().startsWith("GET /") || r.key().startsWith("ANY /"))
                    .map(r -> r.key().substring(4).replaceAll("\\{[^}]+}", "secure-api-probe"))
                    .findFirst()
                    .orElse("/");
        }
        return URI.create(endpoint + path);
    }

    // the checks: pure, on what read found

    /** The order verify reports in: the secret (then its policy, key and value), the function, then what API Gateway reaches it through. */
    static List<Piece> pieces() {
        return List.of(
                new SecretPiece(),
                new SecretPolicyPiece(),
                new KeyDecryptionPiece(),
                new SecretFormatPiece(),
                new FunctionPiece(),
                new AuthorizerPiece(),
                new InvokePermissionPiece(),
                new RoutesPiece(),
                new StagesPiece(),
                new KeyNameForwardingPiece(),
                new AccessLogsPiece());
    }

    public Verification check(Check.Options o) {
        List<Check> out = new ArrayList<>();
        State.Api api = w.api();
        // read refuses a missing or non-HTTP API (exit 2), so reaching here means it is one
        out.add(Check.pass(
                "api.http",
                "API " + api.id(),
                "API " + api.id() + " (" + api.name() + ") in " + w.region() + " is an HTTP API"));
        for (Piece p : pieces()) out.addAll(p.check(w, o));
        flushPending().ifPresent(out::add);
        out.add(cors());
        List<Verification.Note> notes = new ArrayList<>();
        ttlNote().ifPresent(notes::add);
        return new Verification(w.apiId(), w.region(), out, notes);
    }

    /**
     * keys.flush-pending: a key write whose cache flush did not complete (the tag CacheFlush leaves on
     * the secret, read by DescribeSecret): a revoked key may still be accepted from a cache. Left out
     * when there is none.
     */
    private Optional<Check> flushPending() {
        Optional<String> pending = w.secret().flatMap(CacheFlush::pending);
        if (pending.isEmpty()) return Optional.empty();
        String name = w.secret().get().name();
        String v = pending.get();
        int slash = v.indexOf('/');
        return Optional.of(Check.fail(
                "keys.flush-pending",
                "secret " + name,
                "a key change of secret " + name + " (generation " + (slash < 0 ? v : v.substring(0, slash))
                        + (slash < 0 ? "" : ", written " + v.substring(slash + 1))
                        + ") did not finish emptying the caches: a revoked key may still be accepted, or a new one"
                        + " refused, until they expire",
                "run the command again (secure-api keys revoke NAME --yes, or rotate-key --finish): it completes the"
                        + " flush and removes tag " + CacheFlush.PENDING_TAG));
    }

    /** IAM ArnLike: * is any run of characters, ? one character (invoke permission and KMS grants both match with it). */

    /**
     * With CORS configured, API Gateway answers preflight itself, except where a catch-all route
     * ($default, ANY /{proxy+}) catches OPTIONS too: then a protected catch-all answers a browser's
     * keyless preflight with 401 unless a public OPTIONS route takes it first.
     */
    private Check cors() {
        String res = "API " + w.apiId() + " CORS";
        if (!w.api().corsConfigured())
            return Check.pass("cors.preflight", res, "no CORS configuration on API " + w.apiId());
        List<String> catchAll = w.routes().stream()
                .filter(r -> RoutesPiece.protectedByUs(w, r))
                .filter(r -> r.key().equals("$default")
                        || r.key().startsWith("ANY /") && r.key().contains("+}"))
                .map(State.Route::key)
                .toList();
        if (catchAll.isEmpty()) {
            return Check.pass(
                    "cors.preflight",
                    res,
                    "no protected catch-all route: API Gateway answers CORS preflight requests itself");
        }
        List<String> publicOptions = w.routes().stream()
                .filter(State.Route::isOptions)
                .filter(r -> r.authorizationType() == null || "NONE".equals(r.authorizationType()))
                .map(State.Route::key)
                .toList();
        if (!publicOptions.isEmpty()) {
            return Check.pass(
                    "cors.preflight",
                    res,
                    "public " + String.join(", ", publicOptions) + " takes CORS preflight requests before "
                            + String.join(", ", catchAll));
        }
        return Check.warn(
                "cors.preflight",
                res,
                "CORS is configured on API " + w.apiId() + ", but catch-all route " + String.join(", ", catchAll)
                        + " needs the key and no public OPTIONS route exists: browsers' preflight requests get 401",
                "add a public preflight route with an integration: aws apigatewayv2 create-route --api-id " + w.apiId()
                        + " --route-key 'OPTIONS /{proxy+}' --target integrations/ID (setup leaves OPTIONS routes public)");
    }

    /** How long a revoked key can still get in: the authorizer's result cache plus the function's key cache. */
    private Optional<Verification.Note> ttlNote() {
        Optional<State.Authorizer> a = w.ourAuthorizer();
        if (a.isEmpty() || a.get().resultTtl() == null) return Optional.empty();
        int ttl = a.get().resultTtl();
        String keyCache = null;
        if (w.target.managedFunction()) {
            String v = w.function()
                    .map(f -> f.env().get(Names.ENV_KEY_CACHE_SECONDS))
                    .orElse(null);
            keyCache = String.valueOf(KeyRotation.keyCacheSeconds(v));
        }
        String message;
        if (ttl == 0) {
            message =
                    "authorizer results are not cached (TTL 0 s): every request invokes the authorizer; a key revoked with "
                            + "`secure-api rotate-key --finish` stops working within "
                            + (keyCache == null
                                    ? "your function's secret cache"
                                    : keyCache + " s (function key cache)");
        } else if (keyCache != null) {
            long total = (long) ttl + Long.parseLong(keyCache);
            message = "API Gateway caches each key's answer for " + ttl
                    + " s; after `secure-api rotate-key --finish` the revoked key can still work for up to " + total
                    + " s (" + ttl + " s authorizer TTL + " + keyCache + " s function key cache)";
        } else {
            message = "API Gateway caches each key's answer for " + ttl
                    + " s; after `secure-api rotate-key --finish` the revoked key can still work for up to " + ttl
                    + " s plus however long your function caches the secret";
        }
        return Optional.of(new Verification.Note("authorizer.ttl", message));
    }
}
