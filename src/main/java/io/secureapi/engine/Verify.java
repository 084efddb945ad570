package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;

import io.secureapi.aws.AwsClients;
import io.secureapi.error.ExitException;
import java.net.URI;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * verify: read what setup wires (reads only), then check each piece. A piece's plan with no
 * change is most of a check; the rest is what a plan cannot see (wildcards, deletion, runtime
 * deprecation, every route across pages, CORS preflight). A missing piece is a failed check,
 * never an exit: only an unknown or non-HTTP API is bad input (exit 2).
 */
public final class Verify {
    public static final String SETUP_FIX = "run secure-api setup";

    /** --allow-public route keys, and the day runtime deprecation is judged on. */
    public record Options(Set<String> allowPublic, LocalDate today) {
        public Options {
            allowPublic = Set.copyOf(allowPublic);
        }
    }

    private final Wiring w;

    private Verify(Wiring w) {
        this.w = w;
    }

    /** For offline checks on in-memory state (tests). */
    static Verify of(Wiring w) {
        return new Verify(w);
    }

    public Wiring wiring() {
        return w;
    }

    /** Reads everything the checks look at (reads only), concurrently as setup does. {@code config}: the config entry, null for none. */
    public static Verify read(Target target, AwsClients aws, Progress progress, ProjectConfig config) {
        return new Verify(Reader.forVerify(target, aws, progress, config));
    }

    /** The live key stored in the secret (AWSCURRENT), for --probe without --key-file; empty with the reason. */
    public ProbeKeySource probeKey() {
        String name = w.target.secretName();
        if (w.secret().isEmpty()) return ProbeKeySource.none("secret " + name + " not found");
        if (w.secret().get().scheduledForDeletion()) return ProbeKeySource.none("secret " + name + " is scheduled for deletion");
        Optional<String> raw = w.secretValue().isPresent() ? w.secretValue() : SecretPiece.stageValue(w, w.secret().get().arn(), KeyRotation.CURRENT);
        if (raw.isEmpty()) return ProbeKeySource.none("secret " + name + " has no current string value");
        if (DigestSecret.is(raw.get())) return ProbeKeySource.none("secret " + name + " holds digests of keys, never a key");
        String live = SecretValue.keys(raw.get()).get(SecretValue.LIVE);
        if (live == null || live.isBlank()) return ProbeKeySource.none("secret " + name + " holds no \"" + SecretValue.LIVE + "\" key");
        return ProbeKeySource.of(ApiKey.unchecked(live), "the current value of secret " + name);
    }

    /** Where the probe's key comes from, or why there is none ({@code key} null). */
    public record ProbeKeySource(ApiKey key, String description) {
        static ProbeKeySource none(String why) {
            return new ProbeKeySource(null, why);
        }

        public static ProbeKeySource of(ApiKey key, String from) {
            return new ProbeKeySource(key, from);
        }
    }

    /**
     * The URL to probe: the API's endpoint ($default stage) and a path one of our protected routes
     * serves with GET — "/" when $default catches it. Never a non-GET route: the right-key request
     * reaches the backend, and it must not change anything there.
     */
    public URI probeUrl() {
        String endpoint = w.api().endpoint();
        if (endpoint == null || endpoint.isBlank()) {
            endpoint = "https://" + w.apiId() + ".execute-api." + w.region() + "." + Arns.dnsSuffix(w.region());
        }
        endpoint = endpoint.replaceAll("/+$", "");
        // without a $default stage the API answers only under a stage's path
        endpoint += StagesPiece.pathPrefix(w);
        String path = "/";
        boolean catchAll = w.routes().stream().anyMatch(r -> r.key().equals("$default") && RoutesPiece.protectedByUs(w, r));
        if (!catchAll) {
            path = w.routes().stream().filter(r -> RoutesPiece.protectedByUs(w, r))
                    .filter(r -> r.key().startsWith("GET /") || r.key().startsWith("ANY /"))
                    .map(r -> r.key().substring(4).replaceAll("\\{[^}]+}", "secure-api-probe"))
                    .findFirst().orElse("/");
        }
        return URI.create(endpoint + path);
    }

    // the checks: pure, on what read found

    public Verification check(Options o) {
        List<Check> out = new ArrayList<>();
        State.Api api = w.api();
        out.add(Check.pass("api.http", "API " + api.id(), "API " + api.id() + " (" + api.name() + ") in " + w.region() + " is an HTTP API"));
        secret(out);
        function(out, o.today());
        out.add(authorizer());
        permission().ifPresent(out::add);
        routes(out, o.allowPublic());
        out.addAll(new StagesPiece().check(w, o));
        keyNameHeader().ifPresent(out::add);
        out.add(cors());
        List<Verification.Note> notes = new ArrayList<>();
        ttlNote().ifPresent(notes::add);
        return new Verification(w.apiId(), w.region(), out, notes);
    }

    private void secret(List<Check> out) {
        String name = w.target.secretName();
        String res = "secret " + name;
        if (w.secret().isEmpty()) {
            out.add(Check.fail("secret.exists", res, "secret " + name + " not found in " + w.region() + ": the authorizer has no key to compare with",
                    SETUP_FIX + " (it creates the secret and shows the new key once)"));
            return;
        }
        State.Secret s = w.secret().get();
        out.add(Check.pass("secret.exists", res, "secret " + name + " exists"));
        out.add(s.hasCurrent() ? Check.pass("secret.current-value", res, "secret " + name + " has a current value (" + KeyRotation.CURRENT + ")")
                : Check.fail("secret.current-value", res, "secret " + name + " has no " + KeyRotation.CURRENT + " version: the authorizer has no key to compare with",
                        SETUP_FIX + " (it stores a new key and shows it once)"));
        if (s.scheduledForDeletion()) {
            out.add(Check.fail("secret.not-deleted", res, "secret " + name + " is scheduled for deletion on " + s.deletedDate()
                    + ": it cannot be read, so the authorizer rejects every request",
                    "restore it: aws secretsmanager restore-secret --secret-id " + name + " --region " + w.region()
                            + " (or " + SETUP_FIX + ", which restores it)"));
            return;
        }
        out.add(Check.pass("secret.not-deleted", res, "secret " + name + " is not scheduled for deletion"));
        String role = w.roleArn();
        if (role != null) {
            Change c = new SecretPolicyPiece().plan(w);
            out.add(c.changes()
                    ? Check.fail("secret-policy.grants-role", res, "the resource policy of secret " + name + " does not let only the authorizer's role "
                            + role + " read it (statement " + Names.SECRET_POLICY_SID + " " + (c.action() == Change.Action.CREATE ? "missing" : "differs") + ")",
                            SETUP_FIX + " (it merges its statement; other statements are kept)")
                    : Check.pass("secret-policy.grants-role", res, "the resource policy of secret " + name + " lets " + role + " read it"));
        }
        out.add(wildcard(name, res));
        kms(name, res).ifPresent(out::add);
        plaintext(name, res).ifPresent(out::add);
        out.addAll(expiring(name, res));
    }

    /** secret.kms: left out for the AWS-managed key; else the reader's role must be allowed kms:Decrypt on the key. */
    private Optional<Check> kms(String name, String res) {
        if (w.snapshot().kmsKeyUnreadable() != null) {
            return Optional.of(Check.warn("secret.kms", res, "cannot tell whether the authorizer may decrypt secret " + name + " (KMS key "
                    + w.secret().map(State.Secret::kmsKeyId).orElse(null) + "): " + w.snapshot().kmsKeyUnreadable(), "grant the verify role kms:DescribeKey and kms:GetKeyPolicy on the key"));
        }
        if (w.kmsKey().isEmpty() || w.roleArn() == null || w.snapshot().readerPolicies() == null) return Optional.empty();
        KeyDecryptionPiece.Key key = w.kmsKey().get();
        String role = w.roleArn();
        String roleAccount = Arns.parse(role).map(Arns.Parsed::account).orElse(w.account());
        boolean sameAccount = key.account().equals(roleAccount);
        Optional<Boolean> byIam = w.snapshot().readerPolicies().documents().map(d -> KeyDecryptionPiece.iamGrants(d, key.arn()));
        Optional<Boolean> byKey = key.keyPolicy().map(p -> KeyDecryptionPiece.keyPolicyGrants(p, role));
        Optional<Boolean> iamEnabled = key.keyPolicy().map(p -> KeyDecryptionPiece.enablesIam(p, w.partition(), sameAccount ? key.account() : roleAccount));
        String what = "role " + role + " may decrypt secret " + name + " (customer-managed KMS key " + key.arn() + ")";
        boolean ok = sameAccount ? byKey.orElse(false) || iamEnabled.orElse(false) && byIam.orElse(false)
                : (byKey.orElse(false) || iamEnabled.orElse(false)) && byIam.orElse(false);
        if (ok) return Optional.of(Check.pass("secret.kms", res, what));
        String iamStatement = KeyDecryptionPiece.iamStatement(w, key);
        String keyStatement = KeyDecryptionPiece.keyPolicyStatement(w, key, role);
        if (key.keyPolicy().isEmpty() || w.snapshot().readerPolicies().documents().isEmpty()) {
            String why = w.snapshot().readerPolicies().documents().isEmpty() ? w.snapshot().readerPolicies().unreadable() : key.unreadable();
            return Optional.of(Check.warn("secret.kms", res, "cannot tell whether " + what + ": " + why,
                    "make sure the role's policy has " + iamStatement + " and the key policy lets IAM policies grant access (or has " + keyStatement + ")"));
        }
        String fix;
        if (w.target.managedFunction()) {
            fix = SETUP_FIX + " (it gives the authorizer's role kms:Decrypt on the key)"
                    + (iamEnabled.orElse(false) && sameAccount ? "" : "; the key's owner must also add to the key policy: " + keyStatement);
        } else if (!sameAccount || !iamEnabled.orElse(false)) {
            fix = "the key's owner adds to the key policy of " + key.arn() + ": " + keyStatement
                    + (sameAccount ? "" : "; and add to a policy of role " + role + ": " + iamStatement);
        } else {
            fix = "add this statement to a policy of role " + role + ": " + iamStatement;
        }
        return Optional.of(Check.fail("secret.kms", res, "role " + role + " may not decrypt secret " + name + ": neither its IAM policies nor the key policy of "
                + key.arn() + " allow kms:Decrypt, so every GetSecretValue of the authorizer fails", fix));
    }

    /** integrations.key-name: setup --forward-key-name was used; every integration still maps the header. Left out otherwise. */
    private Optional<Check> keyNameHeader() {
        Optional<String> header = w.previous().map(ProjectConfig::forwardKeyName);
        if (header.isEmpty()) return Optional.empty();
        String res = "API " + w.apiId() + " integrations";
        List<KeyNameForwardingPiece.Integration> missing = KeyNameForwardingPiece.missing(w, header.get());
        if (missing.isEmpty()) {
            return Optional.of(Check.pass("integrations.key-name", res, "every integration of API " + w.apiId() + " sets " + header.get()
                    + " from the key name"));
        }
        return Optional.of(Check.fail("integrations.key-name", res, missing.size() + " integration" + (missing.size() == 1 ? "" : "s")
                + " of API " + w.apiId() + " do not set " + header.get() + " from the key name: "
                + missing.stream().map(KeyNameForwardingPiece.Integration::id).collect(Collectors.joining(", "))
                + " (the backend would trust whatever a client sends in it)", SETUP_FIX + " (it merges the mapping; other mappings are kept)"));
    }

    /** Warns while the bundled authorizer's secret still holds keys in plaintext; left out for a user's function. */
    private Optional<Check> plaintext(String name, String res) {
        if (!w.target.managedFunction() || w.secretValue().isEmpty()) return Optional.empty();
        if (DigestSecret.is(w.secretValue().get())) {
            return Optional.of(Check.pass("secret.plaintext", res, "secret " + name + " holds digests of keys (HMAC-SHA-256), never a key"));
        }
        return Optional.of(Check.warn("secret.plaintext", res, "secret " + name + " holds its keys in plaintext (a legacy format): whoever can read "
                + "its value can call the API", SETUP_FIX + " (it stores them as digests; no key changes, nothing to paste)"));
    }

    /** keys.expiring: a key (or a rotation's old key) that expires within 14 days; left out when no key expires. */
    private List<Check> expiring(String name, String res) {
        if (!w.target.managedFunction() || w.secretValue().isEmpty() || !DigestSecret.is(w.secretValue().get())) return List.of();
        DigestSecret d;
        try {
            d = DigestSecret.parse(w.secretValue().get(), name);
        } catch (ExitException unreadable) {
            return List.of(Check.warn("keys.expiring", res, unreadable.getMessage(), unreadable.hint()));
        }
        java.time.Instant now = java.time.Instant.now();
        List<String> soon = new ArrayList<>();
        boolean any = false;
        for (Map.Entry<String, DigestSecret.Entry> e : d.keys().entrySet()) {
            java.time.Instant exp = e.getValue().expires();
            if (exp == null) continue;
            any = true;
            if (!exp.isAfter(now)) soon.add(e.getKey() + " expired on " + exp);
            else if (exp.isBefore(now.plus(NamedKeys.EXPIRING_WITHIN))) soon.add(e.getKey() + " expires on " + exp);
        }
        if (!any) return List.of();
        if (soon.isEmpty()) {
            return List.of(Check.pass("keys.expiring", res, "no key of secret " + name + " expires within "
                    + NamedKeys.EXPIRING_WITHIN.toDays() + " days"));
        }
        return List.of(Check.warn("keys.expiring", res, "key " + String.join("; key ", soon) + " (secret " + name
                + "): requests with it are refused from then on", "give the consumer a new key: secure-api rotate-key --key NAME "
                + "(or secure-api keys add NAME2 --expires DATE), then remove the old one"));
    }

    private Check wildcard(String name, String res) {
        List<String> open = new ArrayList<>();
        List<String> conditional = new ArrayList<>();
        for (Map<String, Object> st : PolicyDocument.parse(w.secretPolicy().orElse(null)).statements()) {
            if (!PolicyDocument.hasWildcardPrincipal(st)) continue;
            String sid = st.get("Sid") == null ? "(no Sid)" : String.valueOf(st.get("Sid"));
            (st.get("Condition") == null ? open : conditional).add(sid);
        }
        if (!open.isEmpty()) {
            return Check.fail("secret-policy.no-wildcard", res, "the resource policy of secret " + name + " allows any principal (\"*\") in statement "
                    + String.join(", ", open) + ": anyone who can call Secrets Manager may read the key",
                    "remove statement " + String.join(", ", open) + " from the secret's resource policy (aws secretsmanager put-resource-policy "
                            + "--block-public-policy refuses such statements)");
        }
        if (!conditional.isEmpty()) {
            return Check.warn("secret-policy.no-wildcard", res, "the resource policy of secret " + name + " allows any principal (\"*\") in statement "
                    + String.join(", ", conditional) + ", limited only by its conditions",
                    "check that its conditions restrict it to your account or organization, or remove it");
        }
        return Check.pass("secret-policy.no-wildcard", res, "no statement of the resource policy of secret " + name + " allows any principal");
    }

    private void function(List<Check> out, LocalDate today) {
        String fn = w.functionName();
        String res = "Lambda function " + fn;
        boolean managed = w.target.managedFunction();
        if (w.function().isEmpty()) {
            out.add(Check.fail("function.exists", res, "Lambda function " + fn + " not found in " + w.region() + ": API Gateway cannot run the authorizer",
                    managed ? SETUP_FIX + " (it deploys the bundled authorizer)"
                            : "restore your function " + fn + ", or run secure-api setup --function NAME with the function that should check the key"));
            return;
        }
        State.Function f = w.function().get();
        out.add(Check.pass("function.exists", res, "Lambda function " + fn + " exists" + (managed ? " (the bundled authorizer)" : " (your authorizer)")));
        out.add(active(f, res));
        Change env;
        try {
            env = new EnvVarPiece().plan(w);
        } catch (ExitException immutable) {
            // a published version without the variable: only a new version can fix it
            out.add(Check.fail("function.env", res, immutable.getMessage(), immutable.hint()));
            out.add(runtime(f, res, today));
            return;
        }
        out.add(env.changes()
                ? Check.fail("function.env", res, "the environment of Lambda function " + fn + " does not point at secret " + w.target.secretName()
                        + ": " + env.detail(), SETUP_FIX + " (it merges the variable; others are kept)")
                : Check.pass("function.env", res, Names.ENV_SECRET_ARN + " of Lambda function " + fn + " points at secret " + w.target.secretName()));
        out.add(runtime(f, res, today));
        if (managed) out.add(bundled(fn, res));
    }

    private Check active(State.Function f, String res) {
        String fn = f.name();
        boolean failed = "Failed".equals(f.state()) || "Failed".equals(f.lastUpdateStatus());
        if (failed) {
            String what = "Failed".equals(f.state()) ? "is in state Failed" : "had its last update fail";
            return Check.fail("function.active", res, "Lambda function " + fn + " " + what + ": the authorizer cannot run",
                    w.target.managedFunction() ? SETUP_FIX
                            : "see why: aws lambda get-function-configuration --function-name " + fn + " (StateReason, LastUpdateStatusReason)");
        }
        if (!"Active".equals(f.state())) {
            String why = "Inactive".equals(f.state())
                    ? "it was idle long enough for Lambda to reclaim its resources; the first requests fail until it is Active again"
                    : "it is still being created or updated; run verify again in a minute";
            return Check.warn("function.active", res, "Lambda function " + fn + " is " + f.state() + ", not Active: " + why,
                    "invoke it once or wait until it is Active (aws lambda get-function-configuration --function-name " + fn + ")");
        }
        return Check.pass("function.active", res, "Lambda function " + fn + " is Active");
    }

    private Check runtime(State.Function f, String res, LocalDate today) {
        String fn = f.name();
        if (f.runtime() == null || f.runtime().isBlank()) {
            return Check.pass("function.runtime", res, "Lambda function " + fn + " is a container image (no managed runtime)");
        }
        Optional<String> concern = LambdaRuntimes.concern(f.runtime(), today);
        if (concern.isEmpty()) return Check.pass("function.runtime", res, "Lambda function " + fn + " runs on " + f.runtime() + ", a supported runtime");
        // "runs on nodejs20.x, deprecated since …": the concern starts with the runtime's name
        String why = concern.get().startsWith(f.runtime() + " is ") ? concern.get().substring(f.runtime().length() + 4)
                : concern.get().startsWith(f.runtime() + " will be ") ? "to be " + concern.get().substring(f.runtime().length() + 9)
                : concern.get();
        return Check.warn("function.runtime", res, "Lambda function " + fn + " runs on " + f.runtime() + ", " + why,
                w.target.managedFunction() && !Names.RUNTIME.equals(f.runtime())
                        ? SETUP_FIX + " (it moves the bundled authorizer to " + Names.RUNTIME + ")"
                        : w.target.managedFunction() ? "upgrade secure-api, then " + SETUP_FIX
                        : "move it to a supported runtime after testing your code on it: aws lambda update-function-configuration --function-name "
                                + fn + " --runtime " + Names.RUNTIME);
    }

    private Check bundled(String fn, String res) {
        Change c;
        try {
            c = new FunctionPiece().plan(w);
        } catch (ExitException e) {
            return Check.fail("function.bundled", res, e.getMessage(), e.hint());
        }
        if (c.changes()) {
            return Check.fail("function.bundled", res, "Lambda function " + fn + " is not the bundled authorizer as this secure-api deploys it: " + c.detail(),
                    SETUP_FIX + " (after upgrading secure-api, run it once to deploy the new code)");
        }
        return Check.pass("function.bundled", res, "Lambda function " + fn + " runs this version's bundled authorizer (code, runtime, handler, role)");
    }

    private Check authorizer() {
        String name = w.target.authorizerName();
        String res = "authorizer " + name + " on API " + w.apiId();
        Optional<State.Authorizer> a = w.ourAuthorizer();
        if (a.isEmpty()) {
            return Check.fail("authorizer.contract", res, "API " + w.apiId() + " has no authorizer named " + name + ": no route can be protected by it",
                    SETUP_FIX);
        }
        List<String> diff = AuthorizerPiece.differences(w, a.get());
        if (!diff.isEmpty()) {
            return Check.fail("authorizer.contract", res + " (" + a.get().id() + ")", "authorizer " + name + " (" + a.get().id()
                    + ") differs from what setup makes: " + String.join("; ", diff), SETUP_FIX);
        }
        return Check.pass("authorizer.contract", res + " (" + a.get().id() + ")", "authorizer " + name + " (" + a.get().id() + "): REQUEST, "
                + w.target.identitySource() + ", payload 2.0, simple responses, TTL " + a.get().resultTtl() + " s, calls " + w.functionName());
    }

    /** Invoke permission: ours, scoped to exactly our authorizer; anything broader that also lets API Gateway in is a warning. */
    private Optional<Check> permission() {
        if (w.function().isEmpty()) return Optional.empty();
        String fn = w.functionName();
        String sid = Names.permissionStatementId(w.apiId());
        String res = "Lambda function " + fn + " permission " + sid;
        String want = InvokePermissionPiece.desiredSourceArn(w);
        List<Map<String, Object>> grants = PolicyDocument.parse(w.functionPolicy().orElse(null)).statements().stream()
                .filter(st -> "Allow".equals(st.get("Effect")) && InvokePermissionPiece.principalIsApiGateway(st) && allowsInvoke(st)).toList();
        Optional<Map<String, Object>> ours = grants.stream().filter(st -> sid.equals(st.get("Sid"))).findFirst();
        // Other statements that also let API Gateway invoke it for this API: no SourceArn, or a pattern covering ours.
        String covered = want != null ? want : Arns.authorizerSourceArn(w.partition(), w.region(), w.account(), w.apiId(), "any");
        List<String> broader = new ArrayList<>();
        for (Map<String, Object> st : grants) {
            if (st == ours.orElse(null)) continue;
            Optional<String> src = InvokePermissionPiece.sourceArn(st);
            boolean covers = src.isEmpty() || arnLike(src.get(), covered);
            if (covers) broader.add(describe(st));
        }
        if (ours.isEmpty()) {
            if (!broader.isEmpty()) {
                return Optional.of(Check.warn("permission.scoped", res, "Lambda function " + fn + " has no statement " + sid
                        + "; API Gateway may invoke it through broader statement(s): " + String.join(", ", broader),
                        SETUP_FIX + " (it adds a statement scoped to the authorizer), then remove the broader one(s) with aws lambda remove-permission"));
            }
            return Optional.of(Check.fail("permission.scoped", res, "Lambda function " + fn + " has no invoke permission for API " + w.apiId()
                    + (want == null ? "" : "'s authorizer (" + want + ")") + ": API Gateway cannot call the authorizer", SETUP_FIX));
        }
        Optional<String> src = InvokePermissionPiece.sourceArn(ours.get());
        if (want == null) {
            return Optional.of(Check.fail("permission.scoped", res, "statement " + sid + " of Lambda function " + fn + " has no authorizer "
                    + w.target.authorizerName() + " to be scoped to", SETUP_FIX));
        }
        if (src.isPresent() && src.get().equals(want)) {
            if (broader.isEmpty()) {
                return Optional.of(Check.pass("permission.scoped", res, "only authorizer " + w.ourAuthorizer().get().id() + " of API " + w.apiId()
                        + " may invoke Lambda function " + fn + " (" + want + ")"));
            }
            return Optional.of(Check.warn("permission.scoped", res, "statement " + sid + " is scoped to the authorizer, but Lambda function " + fn
                    + " may also be invoked through broader statement(s): " + String.join(", ", broader),
                    "remove them: aws lambda remove-permission --function-name " + fn + " --statement-id SID"));
        }
        if (src.isEmpty() || arnLike(src.get(), want)) {
            return Optional.of(Check.warn("permission.scoped", res, "statement " + sid + " of Lambda function " + fn + " is broader than the authorizer: "
                    + (src.isEmpty() ? "no SourceArn (any API Gateway API may invoke it)" : "SourceArn " + src.get())
                    + (broader.isEmpty() ? "" : "; also broader: " + String.join(", ", broader)),
                    SETUP_FIX + " (it scopes the statement to " + want + ")"));
        }
        return Optional.of(Check.fail("permission.scoped", res, "statement " + sid + " of Lambda function " + fn + " allows " + src.get()
                + ", not authorizer " + w.ourAuthorizer().get().id() + " (" + want + "): API Gateway cannot call the authorizer", SETUP_FIX));
    }

    private static String describe(Map<String, Object> st) {
        Optional<String> src = InvokePermissionPiece.sourceArn(st);
        String sid = st.get("Sid") == null ? "(no Sid)" : String.valueOf(st.get("Sid"));
        return sid + " (" + src.map(s -> "SourceArn " + s).orElse("no SourceArn") + ")";
    }

    @SuppressWarnings("unchecked")
    static boolean allowsInvoke(Map<String, Object> st) {
        Object a = st.get("Action");
        List<Object> actions = a instanceof List ? (List<Object>) a : List.of(String.valueOf(a));
        return actions.stream().map(String::valueOf).anyMatch(x -> x.equalsIgnoreCase("lambda:InvokeFunction")
                || x.equalsIgnoreCase("lambda:*") || x.equals("*") || x.equalsIgnoreCase("lambda:Invoke*"));
    }

    /** IAM ArnLike: * is any run of characters, ? one character. */
    static boolean arnLike(String pattern, String arn) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') re.append(".*");
            else if (c == '?') re.append('.');
            else re.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(arn).matches();
    }

    /**
     * Every route across all pages: protected by our authorizer, OPTIONS (CORS preflight), public by
     * --allow-public, or left out by setup's --routes (recorded in the config). A catch-all route
     * answers every path no other route matches, so only --allow-public exempts it.
     */
    private void routes(List<Check> out, Set<String> allowPublic) {
        String res = "API " + w.apiId() + " routes";
        String name = w.target.authorizerName();
        List<State.Route> all = w.routes();
        Set<String> excludedBySetup = Set.copyOf(w.target.excludedRoutes());
        List<String> unprotected = new ArrayList<>();
        List<String> options = new ArrayList<>();
        List<String> allowed = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        boolean catchAllLeftOut = false;
        int protectedCount = 0;
        for (State.Route r : all) {
            if (RoutesPiece.protectedByUs(w, r)) protectedCount++;
            else if (r.isOptions()) options.add(r.key());
            else if (allowPublic.contains(r.key())) allowed.add(r.key());
            else if (excludedBySetup.contains(r.key()) && !RoutesPiece.isCatchAll(r.key())) leftOut.add(r.key());
            else {
                boolean excluded = excludedBySetup.contains(r.key());
                catchAllLeftOut |= excluded;
                unprotected.add("\"" + r.key() + "\": " + why(r) + (excluded
                        ? "; setup's --routes left it out, but a public catch-all route answers every path no other route matches" : ""));
            }
        }
        int checked = all.size() - options.size();
        if (!unprotected.isEmpty()) {
            String fix = SETUP_FIX + " (it protects every route but OPTIONS ones; a route on another authorizer needs --replace-authorizer), "
                    + "or pass --allow-public \"ROUTE KEY\" for a route that is public on purpose";
            if (catchAllLeftOut) {
                fix = SETUP_FIX + " --routes all to protect the catch-all route, or pass --allow-public '"
                        + unprotected.stream().filter(u -> u.contains("setup's --routes left it out")).findFirst()
                                .map(u -> u.substring(1, u.indexOf("\": "))).orElse("$default")
                        + "' if it is public on purpose";
            }
            out.add(Check.fail("routes.protected", res, unprotected.size() + " of " + checked + " route" + (checked == 1 ? "" : "s") + " of API " + w.apiId()
                    + " not protected by authorizer " + name + ": " + unprotected.stream().limit(3).map(s -> s.substring(0, s.indexOf("\": ") + 1))
                            .collect(Collectors.joining(", ")) + (unprotected.size() > 3 ? " and " + (unprotected.size() - 3) + " more" : ""),
                    fix).withDetails(unprotected));
        } else {
            StringBuilder m = new StringBuilder(all.isEmpty() ? "API " + w.apiId() + " has no routes"
                    : protectedCount + " route" + (protectedCount == 1 ? "" : "s") + " of API " + w.apiId() + " protected by authorizer " + name);
            if (!options.isEmpty()) m.append("; ").append(options.size()).append(" OPTIONS route").append(options.size() == 1 ? "" : "s")
                    .append(" public for CORS preflight");
            if (!allowed.isEmpty()) m.append("; public by --allow-public: ").append(String.join(", ", allowed));
            if (!leftOut.isEmpty()) m.append("; left public by setup's --routes choice: ").append(String.join(", ", leftOut));
            out.add(Check.pass("routes.protected", res, m.toString()));
        }
        if (!allowPublic.isEmpty()) {
            Set<String> keys = all.stream().map(State.Route::key).collect(Collectors.toSet());
            List<String> unused = allowPublic.stream().filter(k -> !keys.contains(k)).sorted().toList();
            out.add(unused.isEmpty() ? Check.pass("routes.allow-public", res, "every --allow-public route exists: "
                            + String.join(", ", new LinkedHashSet<>(allowPublic.stream().sorted().toList())))
                    : Check.warn("routes.allow-public", res, "--allow-public names no route of API " + w.apiId() + ": "
                            + unused.stream().map(k -> "\"" + k + "\"").collect(Collectors.joining(", ")),
                            "check the route key (aws apigatewayv2 get-routes --api-id " + w.apiId() + " --region " + w.region() + "), or drop it"));
        }
    }

    private String why(State.Route r) {
        String type = r.authorizationType() == null ? "NONE" : r.authorizationType();
        if ("NONE".equals(type)) return "no authorization (public)";
        if ("CUSTOM".equals(type) || "JWT".equals(type)) {
            Optional<State.Authorizer> a = w.authorizers().stream().filter(x -> x.id().equals(r.authorizerId())).findFirst();
            if (a.isPresent() && a.get().name().equals(w.target.authorizerName())) return "authorizer " + a.get().name() + " (" + a.get().id() + ") is not the one verified";
            return RoutesPiece.describe(w, r) + ", not " + w.target.authorizerName();
        }
        return type + " authorization, not " + w.target.authorizerName();
    }

    /**
     * With CORS configured, API Gateway answers preflight itself, except where a catch-all route
     * ($default, ANY /{proxy+}) catches OPTIONS too: then a protected catch-all answers a browser's
     * keyless preflight with 401 unless a public OPTIONS route takes it first.
     */
    private Check cors() {
        String res = "API " + w.apiId() + " CORS";
        if (!w.api().corsConfigured()) return Check.pass("cors.preflight", res, "no CORS configuration on API " + w.apiId());
        List<String> catchAll = w.routes().stream().filter(r -> RoutesPiece.protectedByUs(w, r))
                .filter(r -> r.key().equals("$default") || r.key().startsWith("ANY /") && r.key().contains("+}")).map(State.Route::key).toList();
        if (catchAll.isEmpty()) {
            return Check.pass("cors.preflight", res, "no protected catch-all route: API Gateway answers CORS preflight requests itself");
        }
        List<String> publicOptions = w.routes().stream().filter(State.Route::isOptions)
                .filter(r -> r.authorizationType() == null || "NONE".equals(r.authorizationType())).map(State.Route::key).toList();
        if (!publicOptions.isEmpty()) {
            return Check.pass("cors.preflight", res, "public " + String.join(", ", publicOptions) + " takes CORS preflight requests before "
                    + String.join(", ", catchAll));
        }
        return Check.warn("cors.preflight", res, "CORS is configured on API " + w.apiId() + ", but catch-all route " + String.join(", ", catchAll)
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
            String v = w.function().map(f -> f.env().get(Names.ENV_KEY_CACHE_SECONDS)).orElse(null);
            keyCache = String.valueOf(KeyRotation.keyCacheSeconds(v));
        }
        String message;
        if (ttl == 0) {
            message = "authorizer results are not cached (TTL 0 s): every request invokes the authorizer; a key revoked with "
                    + "`secure-api rotate-key --finish` stops working within " + (keyCache == null ? "your function's secret cache" : keyCache + " s (function key cache)");
        } else if (keyCache != null) {
            long total = (long) ttl + Long.parseLong(keyCache);
            message = "API Gateway caches each key's answer for " + ttl + " s; after `secure-api rotate-key --finish` the revoked key can still work for up to "
                    + total + " s (" + ttl + " s authorizer TTL + " + keyCache + " s function key cache)";
        } else {
            message = "API Gateway caches each key's answer for " + ttl + " s; after `secure-api rotate-key --finish` the revoked key can still work for up to "
                    + ttl + " s plus however long your function caches the secret";
        }
        return Optional.of(new Verification.Note("authorizer.ttl", message));
    }
}
