package io.secureapi.engine;

import io.secureapi.aws.AwsCall;
import io.secureapi.aws.AwsClients;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.error.ExitException;
import io.secureapi.keys.DigestSecret;
import io.secureapi.keys.SecretValue;
import io.secureapi.model.State;
import io.secureapi.pieces.AccessLogsPiece;
import io.secureapi.pieces.ExecutionRolePiece;
import io.secureapi.pieces.FunctionPiece;
import io.secureapi.pieces.HttpApi;
import io.secureapi.pieces.InvokePermissionPiece;
import io.secureapi.pieces.KeyDecryptionPiece;
import io.secureapi.pieces.KeyNameForwardingPiece;
import io.secureapi.pieces.LogGroupPiece;
import io.secureapi.pieces.SecretPiece;
import io.secureapi.pieces.SecretPolicyPiece;
import io.secureapi.pieces.SecretSharing;
import io.secureapi.pieces.SecretVersions;
import io.secureapi.pieces.Snapshot;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Arns;
import io.secureapi.support.ConcurrentReads;
import io.secureapi.support.Names;
import io.secureapi.support.Progress;
import java.util.List;
import java.util.Optional;

/**
 * Builds the {@link Snapshot} of one API, the only place state is read: each step is one finder
 * whose answer goes into the snapshot, and independent chains of steps run concurrently. Setup,
 * verify, teardown, rotate-key and keys differ only in which steps they need and in whether a
 * missing piece is an error (setup) or an answer (verify, teardown).
 */
public final class Reader {
    private final Wiring w;

    private Reader(Wiring w) {
        this.w = w;
    }

    static Reader of(Wiring w) {
        return new Reader(w);
    }

    /** The run whose snapshot the steps filled. */
    Wiring wiring() {
        return w;
    }

    // the steps: one finder each

    /** The API; not found, or not an HTTP API, is exit 2. */
    Reader api() {
        State.Api api = HttpApi.read(w);
        w.advance(b -> b.api = api);
        return this;
    }

    Reader authorizers() {
        List<State.Authorizer> found = HttpApi.authorizers(w);
        w.advance(b -> b.authorizers = found);
        return this;
    }

    Reader routes() {
        List<State.Route> found = HttpApi.routes(w);
        w.advance(b -> b.routes = found);
        return this;
    }

    /** setup's function: --function must exist in the API's region. */
    Reader givenFunction() {
        State.Function f = FunctionPiece.read(w).orElse(null);
        w.advance(b -> b.function = f);
        return this;
    }

    /** The function (--function, the config's, else the bundled one); missing is an answer. */
    Reader function() {
        State.Function f = FunctionPiece.find(w, w.target.function().orElse(w.functionName()))
                .orElse(null);
        w.advance(b -> b.function = f);
        return this;
    }

    /** Asked of STS while the function is read: set by {@link #callerMeanwhile()}, else null. */
    private java.util.concurrent.CompletableFuture<Arns.Parsed> caller;

    /**
     * Asks STS for the account at once, beside the function's read, for a run that expects no
     * function yet (the first setup of the bundled authorizer): {@link #identity()} then needs not
     * wait for GetFunction's ResourceNotFound before asking. Unused (and its failure ignored) when
     * the function exists after all.
     */
    Reader callerMeanwhile() {
        caller = java.util.concurrent.CompletableFuture.supplyAsync(() -> FunctionPiece.identity(w));
        return this;
    }

    private static <T> T joined(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /** The partition and account every ARN needs: from the function's ARN, else from STS (after the function). */
    Reader identity() {
        Arns.Parsed id = caller != null && w.function().isEmpty() ? joined(caller) : FunctionPiece.identity(w);
        w.advance(b -> {
            b.partition = id.partition();
            b.account = id.account();
        });
        return this;
    }

    /**
     * The invoke permission statements, read beside the function rather than after it: GetPolicy
     * takes the function's name, or its ARN as given, and a missing function has none (ResourceNotFound).
     */
    Reader functionPolicyBeside() {
        String id = w.target
                .function()
                .map(f -> f.startsWith("arn:") ? FunctionPiece.baseArn(f) : Wiring.nameOf(f))
                .orElse(w.functionName());
        String policy = InvokePermissionPiece.read(w, id).orElse(null);
        w.advance(b -> b.functionPolicy = policy);
        return this;
    }

    /** The invoke permission statements (after the function). */
    Reader functionPolicy() {
        String policy = w.function().isEmpty()
                ? null
                : InvokePermissionPiece.read(w, w.functionArn()).orElse(null);
        w.advance(b -> b.functionPolicy = policy);
        return this;
    }

    Reader secret(String secretId) {
        State.Secret s = SecretPiece.find(w, secretId).orElse(null);
        w.advance(b -> b.secret = s);
        return this;
    }

    /** Its resource policy; a secret scheduled for deletion refuses most calls, so it is not read then. */
    Reader secretPolicy() {
        Optional<State.Secret> s = w.secret().filter(x -> !x.scheduledForDeletion());
        String policy =
                s.isEmpty() ? null : SecretPolicyPiece.read(w, s.get().arn()).orElse(null);
        w.advance(b -> b.secretPolicy = policy);
        return this;
    }

    /** Its current and previous values (setup: their format decides what it stores). */
    Reader secretValues() {
        w.secret()
                .filter(s -> !s.scheduledForDeletion())
                .ifPresent(s -> w.advanceWith(now -> SecretPiece.readValues(w, now, s.arn())));
        return this;
    }

    /** Its current value only, when it has one (verify: the format and key expiries of the bundled authorizer's secret). */
    Reader currentSecretValue() {
        Optional<State.Secret> s = w.secret().filter(x -> !x.scheduledForDeletion() && x.hasCurrent());
        Optional<SecretVersions.Current> found;
        String denied = null;
        try {
            found = s.flatMap(x -> SecretVersions.current(w, x.arn(), w.target.secretName()));
        } catch (ExitException e) {
            // verify reads the value only for secret.plaintext, keys.expiring and the probe key: a caller
            // without the optional ReadKeySecretValue statement gets those as skipped, not the run as exit 3
            if (!AwsCall.accessDenied(e)) throw e;
            found = Optional.empty();
            denied = e.getMessage().contains(AwsCall.KMS_DENIED_MARK)
                    ? "kms:Decrypt on KMS key " + s.map(State.Secret::kmsKeyId).orElse("of the secret")
                            + " (through Secrets Manager)"
                    : "secretsmanager:GetSecretValue on secret " + w.target.secretName() + " (AWSCURRENT)";
        }
        Optional<SecretVersions.Current> read = found;
        String unreadable = denied;
        w.advance(b -> {
            b.secretValue = read.map(SecretVersions.Current::value).orElse(null);
            b.secretVersionId = read.map(SecretVersions.Current::versionId).orElse(null);
            b.secretValueUnreadable = unreadable;
        });
        return this;
    }

    /**
     * rotate-key: every version of the secret with its labels, and the values of AWSCURRENT's and
     * AWSPREVIOUS's versions (the versions a rotation moves labels between).
     */
    Reader secretVersions() {
        State.Secret s = w.secret().orElseThrow();
        List<SecretVersions.Version> versions = KeyRotation.versions(w, s);
        Optional<SecretVersions.Version> current =
                versions.stream().filter(v -> v.has(SecretValue.CURRENT)).findFirst();
        String currentValue = current.flatMap(v -> KeyRotation.value(w, s, v)).orElse(null);
        // the digest format keeps a rotation's old key inside the current version: AWSPREVIOUS no longer matters
        String previousValue = currentValue != null && DigestSecret.is(currentValue)
                ? null
                : versions.stream()
                        .filter(v -> v.has(SecretValue.PREVIOUS))
                        .findFirst()
                        .flatMap(v -> KeyRotation.value(w, s, v))
                        .orElse(null);
        w.advance(b -> {
            b.secretVersions = versions;
            b.secretValue = currentValue;
            b.secretVersionId = current.map(SecretVersions.Version::id).orElse(null);
            b.previousSecretValue = previousValue;
        });
        return this;
    }

    /** One authorizer by id (rotate-key: the one the config names), added to the snapshot's authorizers. */
    Reader authorizer(String id) {
        Optional<State.Authorizer> a = HttpApi.authorizer(w, id);
        a.ifPresent(found -> w.advance(b -> b.authorizers = Wiring.putAuthorizer(b.authorizers, found)));
        return this;
    }

    Reader role() {
        State.Role r =
                ExecutionRolePiece.find(w, Names.managedRoleName(w.apiId())).orElse(null);
        w.advance(b -> b.role = r);
        return this;
    }

    /** The bundled role's KMS policy (after the role). */
    Reader kmsRolePolicy() {
        String policy =
                w.role().isEmpty() ? null : KeyDecryptionPiece.readRolePolicy(w).orElse(null);
        w.advance(b -> b.kmsRolePolicy = policy);
        return this;
    }

    /** The secret's customer-managed key (after the secret and the function), warning of what setup cannot fix. */
    Reader kmsKey() {
        KeyDecryptionPiece.Key key = KeyDecryptionPiece.read(w).orElse(null);
        w.advance(b -> b.kmsKey = key);
        return this;
    }

    /** verify: the key, or why it cannot be described; then what the function's role may decrypt. */
    Reader kmsKeyAndReaders() {
        if (w.secret().isEmpty()) return this;
        String[] unreadable = {null};
        KeyDecryptionPiece.Key key =
                KeyDecryptionPiece.resolveOrExplain(w, unreadable).orElse(null);
        w.advance(b -> {
            b.kmsKey = key;
            b.kmsKeyUnreadable = unreadable[0];
        });
        if (key != null && w.function().isPresent() && w.roleArn() != null) {
            KeyDecryptionPiece.RolePolicies readers = KeyDecryptionPiece.readRolePolicies(w, w.roleArn());
            w.advance(b -> b.readerPolicies = readers);
        }
        return this;
    }

    Reader logGroup() {
        LogGroupPiece.Group g = LogGroupPiece.read(w).orElse(null);
        w.advance(b -> b.logGroup = g);
        return this;
    }

    Reader integrations() {
        List<KeyNameForwardingPiece.Integration> found = KeyNameForwardingPiece.read(w);
        w.advance(b -> b.integrations = found);
        return this;
    }

    Reader stages() {
        w.advance(StagesPiece.read(w));
        return this;
    }

    /** Our access-log group and each stage's access-log settings (after the API). */
    Reader accessLogs() {
        return accessLogs(true);
    }

    /** The same; verify reads the stages only ({@code withGroup} false). */
    Reader accessLogs(boolean withGroup) {
        AccessLogsPiece.Current c = AccessLogsPiece.read(w, withGroup);
        w.advance(b -> b.accessLogs = c);
        return this;
    }

    // what each command reads

    /**
     * setup: everything it may change. Without a config for this API, an authorizer of ours that
     * already calls the user's own function keeps that function rather than silently swapping in
     * the bundled one.
     */
    static Wiring forSetup(
            Target target, Wiring.Options options, AwsClients aws, Progress progress, ProjectConfig previous) {
        Wiring first = new Wiring(target, aws, progress, previous).with(options);
        boolean knownApi = first.previous().isPresent();
        boolean early = target.managedFunction() && !knownApi;
        Wiring chosen = first;
        if (early) {
            Reader r = of(first);
            // Which function serves the authorizer decides the function's reads; what does not depend on
            // it (the routes, the secret, the stages) is read meanwhile.
            new ConcurrentReads()
                    .chain(r::api)
                    .chain(r::authorizers)
                    .chain(r::routes)
                    .chain(() -> r.secret(first.target.secretName()), r::secretValues, r::secretPolicy)
                    .chain(r::stages)
                    .run();
            Optional<String> userFn = first.ourAuthorizer()
                    .flatMap(a -> Arns.functionOfAuthorizerUri(a.uri()))
                    .filter(arn -> !Wiring.nameOf(arn).equals(Names.managedFunctionName(target.apiId())));
            if (userFn.isPresent()) {
                if (target.devKey()) {
                    throw ExitException.badInput(
                            "authorizer " + target.authorizerName() + " of API " + target.apiId()
                                    + " calls your function " + userFn.get()
                                    + ", which reads one plain-string key: --dev-key needs the bundled authorizer",
                            "omit --dev-key, or run secure-api teardown first to switch to the bundled authorizer");
                }
                progress.say("authorizer " + target.authorizerName() + " calls your function "
                        + Wiring.nameOf(userFn.get()) + ": keeping it (pass --function to be explicit)");
                chosen = first.with(target.withFunction(userFn.get()));
            }
        }
        Wiring w = chosen;
        Reader r = of(w);
        if (early && w.target.managedFunction()) r.callerMeanwhile();
        ConcurrentReads reads = new ConcurrentReads();
        // GetRoutes and GetAuthorizers need not wait for GetApi: an unknown API is still reported first.
        if (!early) reads.chain(r::api).chain(r::authorizers).chain(r::routes);
        reads.chain(r::givenFunction, r::identity).chain(r::functionPolicyBeside);
        if (!early) reads.chain(() -> r.secret(w.target.secretName()), r::secretValues, r::secretPolicy);
        if (w.target.managedFunction()) reads.chain(r::role, r::kmsRolePolicy).chain(r::logGroup);
        // the integrations matter only with a key-name header, asked for now or recorded
        if (KeyNameForwardingPiece.header(w) != null) reads.chain(r::integrations);
        if (!early) reads.chain(r::stages);
        reads.run();
        if (AccessLogsPiece.wanted(w)) r.accessLogs();
        SecretSharing.refuseIfShared(w);
        r.kmsKey();
        return w;
    }

    /** verify: what the checks look at; a missing function or secret is an answer, not an error. */
    static Wiring forVerify(Target target, AwsClients aws, Progress progress, ProjectConfig config) {
        Wiring w = new Wiring(target, aws, progress, config);
        Reader r = of(w);
        new ConcurrentReads()
                .chain(r::api)
                .chain(r::authorizers)
                .chain(r::routes)
                .chain(r::function, r::identity)
                .chain(r::functionPolicyBeside)
                .chain(() -> r.secret(target.secretName()), r::secretPolicy, () -> {
                    if (target.managedFunction()) r.currentSecretValue();
                })
                .chain(() -> {
                    if (w.previous().map(ProjectConfig::forwardKeyName).isPresent()) r.integrations();
                })
                .chain(r::stages)
                .run();
        if (w.previous().map(ProjectConfig::accessLogs).isPresent()) r.accessLogs(false);
        r.kmsKeyAndReaders();
        return w;
    }

    /**
     * teardown: what secure-api may have made. The API may be gone (then the rest is still removed);
     * without a config the names are found from our authorizer's URI and its function's SECRET_ARN.
     */
    static Wiring forTeardown(
            String apiId,
            String region,
            ProjectConfig config,
            Wiring.Options options,
            AwsClients aws,
            Progress progress,
            List<String> notes) {
        Optional<ProjectConfig> cfg = Optional.ofNullable(config).filter(ProjectConfig.forApi(apiId));
        Target provisional = Target.fromConfig(apiId, region, cfg.orElse(null));
        Wiring probe = new Wiring(provisional, aws, progress, cfg.orElse(null));
        Optional<State.Api> api = HttpApi.find(probe); // also checks it is an HTTP API
        if (api.isPresent()) {
            probe.advance(b -> b.api = api.get());
            Reader p = of(probe);
            new ConcurrentReads().chain(p::authorizers).chain(p::routes).run();
        } else if (cfg.isEmpty()) {
            throw ExitException.badInput(
                    "API " + apiId + " not found in " + region,
                    "list your HTTP APIs with: aws apigatewayv2 get-apis --region " + region);
        } else {
            notes.add(
                    "API " + apiId + " no longer exists in " + region + ": removing the rest of what secure-api made");
        }
        Target target = cfg.isEmpty() ? Teardown.discover(probe, apiId, region) : provisional;
        Wiring w = probe.with(target).with(options);
        Reader r = of(w);
        String secretId = cfg.map(ProjectConfig::secretArn)
                .filter(s -> s != null && !s.isBlank())
                .orElse(target.secretName());
        // chained in the order a failure is reported (the order they were read one by one before)
        ConcurrentReads reads = new ConcurrentReads();
        if (api.isPresent()) reads.chain(r::stages);
        // without a config, discover has read the function already
        if (cfg.isEmpty()) reads.chain(r::identity, r::functionPolicy);
        else reads.chain(r::function, r::identity, r::functionPolicy);
        if (target.managedFunction()) reads.chain(r::role, r::kmsRolePolicy);
        reads.chain(() -> r.secret(secretId), r::secretPolicy);
        if (target.managedFunction()) reads.chain(r::logGroup);
        if (api.isPresent() && cfg.map(ProjectConfig::forwardKeyName).isPresent()) reads.chain(r::integrations);
        reads.run();
        if (cfg.map(ProjectConfig::accessLogs).isPresent()) r.accessLogs();
        return w;
    }
}
