package io.secureapi.pieces;

import io.secureapi.engine.NamedKeys;
import io.secureapi.error.ExitException;
import io.secureapi.keys.DigestSecret;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bundled authorizer's secret converted from a legacy plaintext format to digests, every key
 * kept and nothing shown. It runs after the function piece: the function's previous code reads
 * plaintext only, so the digests are stored once the code that reads them is in place.
 */
public final class SecretFormatPiece implements Piece {
    @Override
    public String name() {
        return "secret format";
    }

    /** Store the legacy value as digests, with what else this run stores ({@code keys}, convert set). */
    record Convert(SecretPiece.Keys keys) implements Change.Diff {}

    /**
     * A secret the secret piece restores cannot be read before (its value is "known after apply"):
     * converted as above if it turns out to hold a legacy value, else left alone.
     */
    record ConvertIfLegacy() implements Change.Diff {}

    @Override
    public Change plan(Wiring w) {
        String name = w.target.secretName();
        if (!SecretPiece.legacy(w)) {
            String detail = "digests (HMAC-SHA-256 under a random salt); no key stored";
            boolean restored =
                    w.secret().map(State.Secret::scheduledForDeletion).orElse(false);
            return restored
                    ? new Change(name(), name, Change.Action.OK, detail, new ConvertIfLegacy())
                    : Change.ok(name(), name, detail);
        }
        SecretPiece.KeyPlan p = SecretPiece.digestPlan(w);
        return new Change(name(), name, Change.Action.UPDATE, String.join("; ", p.why()), new Convert(p.keys()));
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        State.Secret s = w.secret().orElseThrow();
        SecretPiece.Keys keys;
        if (change.diff() instanceof ConvertIfLegacy) {
            if (!SecretPiece.legacy(w)) return w.snapshot();
            w.progress.say(Change.Action.UPDATE.word() + " " + name() + ": " + w.target.secretName());
            keys = SecretPiece.digestPlan(w).keys();
        } else {
            keys = change.diff(Convert.class).keys();
        }
        Snapshot stored = SecretPiece.store(w, s, keys);
        State.Secret now = SecretPiece.find(w, s.arn()).orElse(null);
        return stored.with(b -> b.secret = now);
    }

    @Override
    public Change planRemoval(Wiring w) {
        return Change.ok(name(), w.target.secretName(), "goes with the secret");
    }

    // verify

    /**
     * What the bundled authorizer's secret holds: digests, never keys (secret.plaintext), and keys that
     * do not expire soon (keys.expiring). Left out for a user's function and while the secret cannot be read.
     */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        String name = w.target.secretName();
        String res = "secret " + name;
        String denied = w.snapshot().secretValueUnreadable();
        if (denied != null && SecretPiece.readable(w) && w.target.managedFunction()) {
            String fix = "to check it, add the optional ReadKeySecretValue statements of policies/operator-verify.json "
                    + "(GetSecretValue of AWSCURRENT, kms:Decrypt through Secrets Manager)";
            return List.of(
                    Check.skip(
                            "secret.plaintext",
                            res,
                            "cannot tell what secret " + name + " holds: the caller lacks " + denied,
                            fix),
                    Check.skip(
                            "keys.expiring",
                            res,
                            "cannot tell when the keys of secret " + name + " expire: the caller lacks " + denied,
                            fix));
        }
        if (!SecretPiece.readable(w)
                || !w.target.managedFunction()
                || w.secretValue().isEmpty()) return List.of();
        String value = w.secretValue().get();
        if (!DigestSecret.is(value)) {
            return List.of(Check.warn(
                    "secret.plaintext",
                    res,
                    "secret " + name + " holds its keys in plaintext (a legacy format): whoever can read "
                            + "its value can call the API",
                    Check.SETUP_FIX + " (it stores them as digests; no key changes, nothing to paste)"));
        }
        List<Check> out = new ArrayList<>();
        out.add(Check.pass(
                "secret.plaintext", res, "secret " + name + " holds digests of keys (HMAC-SHA-256), never a key"));
        out.addAll(expiring(value, name, res));
        out.addAll(scopes(w, value, name));
        return out;
    }

    /**
     * authorizer.cache-per-request: while a key is limited to routes, the authorizer's identity
     * sources must include the method and path, or a cached allow serves other paths. And a warning
     * for a scope that matches no route the API has ($default serves every path). Left out while no
     * key is scoped.
     */
    private static List<Check> scopes(Wiring w, String value, String name) {
        DigestSecret d;
        try {
            d = DigestSecret.parse(value, name);
        } catch (ExitException unreadable) {
            return List.of();
        }
        if (!d.anyScoped()) return List.of();
        List<Check> out = new ArrayList<>();
        String res = "authorizer " + w.target.authorizerName() + " on API " + w.apiId();
        w.ourAuthorizer()
                .ifPresent(a -> out.add(
                        AuthorizerPiece.cachesPerRequest(w, a)
                                ? Check.pass(
                                        "authorizer.cache-per-request",
                                        res,
                                        "keys are limited to routes and the authorizer caches per key, method and path "
                                                + a.identitySource())
                                : Check.fail(
                                        "authorizer.cache-per-request",
                                        res,
                                        "keys of secret " + name
                                                + " are limited to routes, but the authorizer caches by "
                                                + a.identitySource()
                                                + " only: an allow cached for one path is served for"
                                                + " every other path of the same key for up to its TTL",
                                        "run secure-api setup, or keys scope NAME --routes ... again (each sets the identity sources"
                                                + " to the header, $context.httpMethod and $context.path)")));
        boolean catchAll = w.routes().stream().anyMatch(r -> r.key().equals("$default"));
        if (catchAll) return out;
        List<String> unmatched = new ArrayList<>();
        for (Map.Entry<String, DigestSecret.Entry> e : d.keys().entrySet()) {
            if (!e.getValue().scoped()) continue;
            for (String pattern : e.getValue().routes()) {
                if (w.routes().stream().noneMatch(r -> servable(pattern, r.key())))
                    unmatched.add(e.getKey() + " \"" + pattern + "\"");
            }
        }
        if (!unmatched.isEmpty()) {
            out.add(Check.warn(
                    "keys.scope-unreachable",
                    "API " + w.apiId(),
                    "route scope " + String.join(", ", unmatched) + " matches no route of API " + w.apiId()
                            + ": requests the key may make get no answer from the API",
                    "fix the scope with secure-api keys scope NAME --routes ..., or add the route"));
        }
        return out;
    }

    /** Whether a scope pattern can match some request the route serves (route paths: {p} one segment, {p+} the rest). */
    static boolean servable(String pattern, String routeKey) {
        int sp = pattern.indexOf(' '), rs = routeKey.indexOf(' ');
        if (rs < 0) return false;
        String pm = pattern.substring(0, sp), pp = pattern.substring(sp + 1);
        String rm = routeKey.substring(0, rs), rp = routeKey.substring(rs + 1);
        if (!pm.equals("ANY") && !rm.equals("ANY") && !pm.equals(rm)) return false;
        java.util.regex.Pattern route = java.util.regex.Pattern.compile(java.util.Arrays.stream(rp.split("/", -1))
                .map(seg -> seg.matches("\\{[^}]+\\+}")
                        ? ".+"
                        : seg.matches("\\{[^}]+}") ? "[^/]+" : java.util.regex.Pattern.quote(seg))
                .collect(java.util.stream.Collectors.joining("/")));
        if (!pp.endsWith("/*")) return route.matcher(pp).matches();
        String prefix = pp.substring(0, pp.length() - 1);
        return route.matcher(prefix + "x").matches() || rp.startsWith(prefix) && rp.length() > prefix.length();
    }

    /** keys.expiring: a key (or a rotation's old key) that expires within {@link NamedKeys#EXPIRING_WITHIN}; left out when no key expires. */
    private static List<Check> expiring(String value, String name, String res) {
        DigestSecret d;
        try {
            d = DigestSecret.parse(value, name);
        } catch (ExitException unreadable) {
            return List.of(Check.warn("keys.expiring", res, unreadable.getMessage(), unreadable.hint()));
        }
        Instant now = Instant.now();
        List<String> soon = new ArrayList<>();
        boolean any = false;
        for (Map.Entry<String, DigestSecret.Entry> e : d.keys().entrySet()) {
            Instant exp = e.getValue().expires();
            if (exp == null) continue;
            any = true;
            if (!exp.isAfter(now)) soon.add(e.getKey() + " expired on " + exp);
            else if (exp.isBefore(now.plus(DigestSecret.EXPIRING_WITHIN))) soon.add(e.getKey() + " expires on " + exp);
        }
        if (!any) return List.of();
        if (soon.isEmpty()) {
            return List.of(Check.pass(
                    "keys.expiring",
                    res,
                    "no key of secret " + name + " expires within " + DigestSecret.EXPIRING_WITHIN.toDays() + " days"));
        }
        return List.of(Check.warn(
                "keys.expiring",
                res,
                "key " + String.join("; key ", soon) + " (secret " + name
                        + "): requests with it are refused from then on",
                "give the consumer a new key: secure-api rotate-key --key NAME "
                        + "(or secure-api keys add NAME2 --expires DATE), then remove the old one"));
    }
}
