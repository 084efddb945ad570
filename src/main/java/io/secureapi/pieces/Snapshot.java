package io.secureapi.pieces;

import io.secureapi.engine.Reader;
import io.secureapi.model.State;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What AWS holds for one API, as one immutable value: {@link Reader} builds it once (independent
 * reads concurrent); a piece's apply answers the snapshot its change leaves, so nothing edits
 * state in place. A null component means "not there" (or not read by this command).
 */
public record Snapshot(
        String partition,
        String account,
        State.Api api,
        List<State.Route> routes,
        List<State.Authorizer> authorizers,
        State.Secret secret,
        String secretValue,
        String secretVersionId,
        String previousSecretValue,
        List<SecretVersions.Version> secretVersions,
        String secretPolicy,
        State.Function function,
        String functionPolicy,
        State.Role role,
        KeyDecryptionPiece.Key kmsKey,
        String kmsKeyUnreadable,
        String secretValueUnreadable,
        String kmsRolePolicy,
        KeyDecryptionPiece.RolePolicies readerPolicies,
        LogGroupPiece.Group logGroup,
        List<KeyNameForwardingPiece.Integration> integrations,
        List<State.Stage> stages,
        Map<String, StagesPiece.Deployed> deployed,
        AccessLogsPiece.Current accessLogs) {

    public static final Snapshot EMPTY = new Builder().build();

    public Snapshot {
        routes = List.copyOf(routes);
        secretVersions = List.copyOf(secretVersions);
        authorizers = List.copyOf(authorizers);
        integrations = List.copyOf(integrations);
        stages = List.copyOf(stages);
        deployed = Map.copyOf(deployed);
    }

    /** Never the secret's values: a user's function reads a plain key, and a legacy secret holds keys in plaintext. */
    @Override
    public String toString() {
        return "Snapshot[api=" + (api == null ? null : api.id()) + ", routes=" + routes.size() + ", authorizers="
                + authorizers.size() + ", secret=" + (secret == null ? null : secret.name())
                + ", values redacted, function=" + (function == null ? null : function.name()) + ", stages="
                + stages.size()
                + "]";
    }

    /** This snapshot with some components replaced: {@code s.with(b -> b.function = f)}. */
    public Snapshot with(Consumer<Builder> change) {
        Builder b = toBuilder();
        change.accept(b);
        return b.build();
    }

    /**
     * This snapshot with every component that {@code after} changed from {@code base}: the work of a
     * change that started from {@code base} and ran beside the ones that led here (changes that run
     * at once change disjoint components, so the order they are merged in does not matter).
     */
    public Snapshot merged(Snapshot base, Snapshot after) {
        Builder b = toBuilder();
        if (!Objects.equals(base.partition, after.partition)) b.partition = after.partition;
        if (!Objects.equals(base.account, after.account)) b.account = after.account;
        if (!Objects.equals(base.api, after.api)) b.api = after.api;
        if (!Objects.equals(base.routes, after.routes)) b.routes = after.routes;
        if (!Objects.equals(base.authorizers, after.authorizers)) b.authorizers = after.authorizers;
        if (!Objects.equals(base.secret, after.secret)) b.secret = after.secret;
        if (!Objects.equals(base.secretValue, after.secretValue)) b.secretValue = after.secretValue;
        if (!Objects.equals(base.secretVersionId, after.secretVersionId)) b.secretVersionId = after.secretVersionId;
        if (!Objects.equals(base.previousSecretValue, after.previousSecretValue))
            b.previousSecretValue = after.previousSecretValue;
        if (!Objects.equals(base.secretVersions, after.secretVersions)) b.secretVersions = after.secretVersions;
        if (!Objects.equals(base.secretPolicy, after.secretPolicy)) b.secretPolicy = after.secretPolicy;
        if (!Objects.equals(base.function, after.function)) b.function = after.function;
        if (!Objects.equals(base.functionPolicy, after.functionPolicy)) b.functionPolicy = after.functionPolicy;
        if (!Objects.equals(base.role, after.role)) b.role = after.role;
        if (!Objects.equals(base.kmsKey, after.kmsKey)) b.kmsKey = after.kmsKey;
        if (!Objects.equals(base.kmsKeyUnreadable, after.kmsKeyUnreadable)) b.kmsKeyUnreadable = after.kmsKeyUnreadable;
        if (!Objects.equals(base.secretValueUnreadable, after.secretValueUnreadable))
            b.secretValueUnreadable = after.secretValueUnreadable;
        if (!Objects.equals(base.kmsRolePolicy, after.kmsRolePolicy)) b.kmsRolePolicy = after.kmsRolePolicy;
        if (!Objects.equals(base.readerPolicies, after.readerPolicies)) b.readerPolicies = after.readerPolicies;
        if (!Objects.equals(base.logGroup, after.logGroup)) b.logGroup = after.logGroup;
        if (!Objects.equals(base.integrations, after.integrations)) b.integrations = after.integrations;
        if (!Objects.equals(base.stages, after.stages)) b.stages = after.stages;
        if (!Objects.equals(base.deployed, after.deployed)) b.deployed = after.deployed;
        if (!Objects.equals(base.accessLogs, after.accessLogs)) b.accessLogs = after.accessLogs;
        return b.build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.partition = partition;
        b.account = account;
        b.api = api;
        b.routes = routes;
        b.authorizers = authorizers;
        b.secret = secret;
        b.secretValue = secretValue;
        b.secretVersionId = secretVersionId;
        b.previousSecretValue = previousSecretValue;
        b.secretVersions = secretVersions;
        b.secretPolicy = secretPolicy;
        b.function = function;
        b.functionPolicy = functionPolicy;
        b.role = role;
        b.kmsKey = kmsKey;
        b.kmsKeyUnreadable = kmsKeyUnreadable;
        b.secretValueUnreadable = secretValueUnreadable;
        b.kmsRolePolicy = kmsRolePolicy;
        b.readerPolicies = readerPolicies;
        b.logGroup = logGroup;
        b.integrations = integrations;
        b.stages = stages;
        b.deployed = deployed;
        b.accessLogs = accessLogs;
        return b;
    }

    /** The one mutable form, used only while a snapshot is being assembled. */
    public static final class Builder {
        public String partition;
        public String account;
        public State.Api api;
        public List<State.Route> routes = List.of();
        public List<State.Authorizer> authorizers = List.of();
        public State.Secret secret;
        public String secretValue;
        /** AWSCURRENT's version id as read: a new version becomes current only if it still is. */
        public String secretVersionId;

        public String previousSecretValue;
        /** Every version of the secret with its labels (read by rotate-key only). */
        public List<SecretVersions.Version> secretVersions = List.of();

        public String secretPolicy;
        public State.Function function;
        public String functionPolicy;
        public State.Role role;
        public KeyDecryptionPiece.Key kmsKey;
        public String kmsKeyUnreadable;
        /** verify: why the caller may not read the secret's value (the missing action), else null. */
        public String secretValueUnreadable;

        public String kmsRolePolicy;
        public KeyDecryptionPiece.RolePolicies readerPolicies;
        public LogGroupPiece.Group logGroup;
        public List<KeyNameForwardingPiece.Integration> integrations = List.of();
        public List<State.Stage> stages = List.of();
        public Map<String, StagesPiece.Deployed> deployed = Map.of();
        /** Each stage's access-log settings and our access-log group (null: not read). */
        public AccessLogsPiece.Current accessLogs;

        public Snapshot build() {
            return new Snapshot(
                    partition,
                    account,
                    api,
                    routes,
                    authorizers,
                    secret,
                    secretValue,
                    secretVersionId,
                    previousSecretValue,
                    secretVersions,
                    secretPolicy,
                    function,
                    functionPolicy,
                    role,
                    kmsKey,
                    kmsKeyUnreadable,
                    secretValueUnreadable,
                    kmsRolePolicy,
                    readerPolicies,
                    logGroup,
                    integrations,
                    stages,
                    deployed,
                    accessLogs);
        }
    }
}
