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
        b.partition = pick(base.partition, partition, after.partition);
        b.account = pick(base.account, account, after.account);
        b.api = pick(base.api, api, after.api);
        b.routes = pick(base.routes, routes, after.routes);
        b.authorizers = pick(base.authorizers, authorizers, after.authorizers);
        b.secret = pick(base.secret, secret, after.secret);
        b.secretValue = pick(base.secretValue, secretValue, after.secretValue);
        b.secretVersionId = pick(base.secretVersionId, secretVersionId, after.secretVersionId);
        b.previousSecretValue = pick(base.previousSecretValue, previousSecretValue, after.previousSecretValue);
        b.secretVersions = pick(base.secretVersions, secretVersions, after.secretVersions);
        b.secretPolicy = pick(base.secretPolicy, secretPolicy, after.secretPolicy);
        b.function = pick(base.function, function, after.function);
        b.functionPolicy = pick(base.functionPolicy, functionPolicy, after.functionPolicy);
        b.role = pick(base.role, role, after.role);
        b.kmsKey = pick(base.kmsKey, kmsKey, after.kmsKey);
        b.kmsKeyUnreadable = pick(base.kmsKeyUnreadable, kmsKeyUnreadable, after.kmsKeyUnreadable);
        b.secretValueUnreadable = pick(base.secretValueUnreadable, secretValueUnreadable, after.secretValueUnreadable);
        b.kmsRolePolicy = pick(base.kmsRolePolicy, kmsRolePolicy, after.kmsRolePolicy);
        b.readerPolicies = pick(base.readerPolicies, readerPolicies, after.readerPolicies);
        b.logGroup = pick(base.logGroup, logGroup, after.logGroup);
        b.integrations = pick(base.integrations, integrations, after.integrations);
        b.stages = pick(base.stages, stages, after.stages);
        b.deployed = pick(base.deployed, deployed, after.deployed);
        b.accessLogs = pick(base.accessLogs, accessLogs, after.accessLogs);
        return b.build();
    }

    /**
     * One component merged: {@code after}'s when the change made a new one, else {@code current}'s.
     * Identity first: a change leaves what it did not touch as the same object, so values are
     * compared only when two changes both replaced a component. Setup's merges then call no record's
     * {@code equals}, whose first call on JDK 17 builds method handles: about 10 ms on setup's
     * critical path.
     */
    private static <T> T pick(T base, T current, T after) {
        if (after == base) return current; // the change left it alone
        if (current == base) return after; // only that change replaced it (perhaps by an equal value)
        return Objects.equals(base, after) ? current : after;
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
