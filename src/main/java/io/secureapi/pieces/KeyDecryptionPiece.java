package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;
import static io.secureapi.aws.AwsCall.run;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.support.Arns;
import io.secureapi.support.Json;
import io.secureapi.support.Names;
import io.secureapi.support.Policies;
import io.secureapi.support.PolicyDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.kms.model.KeyManagerType;
import software.amazon.awssdk.services.kms.model.KeyMetadata;

/**
 * A secret encrypted with a customer-managed KMS key: GetSecretValue also needs kms:Decrypt on that
 * key for the reader. Secrets Manager decrypts with encryption context {"SecretARN": <secret arn>, …}
 * and calls KMS on the reader's behalf, so the grant is scoped with kms:ViaService and
 * kms:EncryptionContext:SecretARN (docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html,
 * "Permissions for the KMS key" and "Secrets Manager encryption context"). The AWS-managed key
 * aws/secretsmanager needs nothing: every principal of the account may use it through Secrets Manager.
 */
public final class KeyDecryptionPiece implements Piece {
    static final String AWS_MANAGED_ALIAS = "alias/aws/secretsmanager";

    /** The key as DescribeKey resolved it, and its key policy ({@code policy} null with the reason when it could not be read). */
    public record Key(String arn, String account, String policy, String unreadable) {
        public Optional<String> keyPolicy() {
            return Optional.ofNullable(policy);
        }
    }

    /** Every IAM policy document of a role, inline and attached ({@code found} null with the reason when they could not be read). */
    public record RolePolicies(List<String> found, String unreadable) {
        public Optional<List<String>> documents() {
            return Optional.ofNullable(found);
        }
    }

    @Override
    public String name() {
        return "key decryption";
    }

    /** The secret's customer-managed key, with a warning for what setup cannot fix; after the secret and role reads. */
    public static Optional<Key> read(Wiring w) {
        Optional<Key> key = w.secret().isPresent() ? resolve(w) : Optional.empty();
        if (w.target.managedFunction()) {
            key.ifPresent(k -> warnings(w, k).forEach(line -> w.progress.say("warning: " + line)));
        } else {
            key.ifPresent(k -> w.progress.say("warning: secret " + w.target.secretName()
                    + " is encrypted with customer-managed KMS key " + k.arn()
                    + ": the role of your function needs kms:Decrypt on it (secure-api verify checks it: secret.kms)"));
        }
        return key;
    }

    /** The secret's customer-managed key, resolved to its ARN (an alias is no policy resource); empty for the AWS-managed key. */
    static Optional<Key> resolve(Wiring w) {
        String id = w.secret().map(State.Secret::kmsKeyId).orElse(null);
        if (id == null || id.isBlank() || id.equals(AWS_MANAGED_ALIAS) || id.endsWith(":" + AWS_MANAGED_ALIAS))
            return Optional.empty();
        KeyMetadata meta = call(
                "describing KMS key " + id + " of secret " + w.target.secretName(),
                w.region(),
                () -> w.aws.kms().describeKey(r -> r.keyId(id)).keyMetadata());
        if (meta.keyManager() == KeyManagerType.AWS) return Optional.empty();
        String account = Arns.parse(meta.arn()).map(Arns.Parsed::account).orElse(meta.awsAccountId());
        String[] reason = {null};
        Optional<String> policy = readable(
                reason,
                "kms:GetKeyPolicy on " + meta.arn(),
                () -> call(
                        "reading the key policy of KMS key " + meta.arn(),
                        w.region(),
                        () -> w.aws.kms()
                                .getKeyPolicy(r -> r.keyId(meta.arn()).policyName("default"))
                                .policy()));
        return Optional.of(new Key(meta.arn(), account, policy.orElse(null), reason[0]));
    }

    /** For verify: a key the caller may not even describe is a warning, not an error; empty key when so. */
    public static Optional<Key> resolveOrExplain(Wiring w, String[] unreadable) {
        return readable(
                unreadable,
                "kms:DescribeKey on " + w.secret().map(State.Secret::kmsKeyId).orElse(null),
                () -> resolve(w).orElse(null));
    }

    /** Runs a read; AccessDenied is an answer ("cannot read"), not an error. */
    private static <T> Optional<T> readable(String[] reason, String action, Supplier<T> read) {
        try {
            return Optional.ofNullable(read.get());
        } catch (ExitException e) {
            if (e.getCause() instanceof AwsServiceException s
                    && s.awsErrorDetails() != null
                    && String.valueOf(s.awsErrorDetails().errorCode()).startsWith("AccessDenied")) {
                reason[0] = "AccessDenied on " + action;
                return Optional.empty();
            }
            throw e;
        }
    }

    public static Optional<String> readRolePolicy(Wiring w) {
        String roleName = Names.managedRoleName(w.apiId());
        return ifFound(
                "reading the KMS policy of IAM role " + roleName,
                w.region(),
                NoSuchEntityException.class,
                () -> w.aws.iam()
                        .getRolePolicy(r -> r.roleName(roleName).policyName(Names.ROLE_KMS_POLICY_NAME))
                        .policyDocument());
    }

    /** Every policy document of the role: inline (ListRolePolicies, GetRolePolicy) and attached (GetPolicy, GetPolicyVersion). */
    public static RolePolicies readRolePolicies(Wiring w, String roleArn) {
        String roleName = roleArn.substring(roleArn.lastIndexOf('/') + 1);
        String[] reason = {null};
        Optional<List<String>> docs = readable(
                reason,
                "iam:ListRolePolicies / iam:GetRolePolicy / iam:ListAttachedRolePolicies / "
                        + "iam:GetPolicy / iam:GetPolicyVersion on role " + roleName,
                () -> ifFound(
                                "reading the policies of IAM role " + roleName,
                                w.region(),
                                NoSuchEntityException.class,
                                () -> {
                                    List<String> out = new ArrayList<>();
                                    for (String name : w.aws.iam()
                                            .listRolePoliciesPaginator(r -> r.roleName(roleName))
                                            .policyNames()) {
                                        out.add(w.aws.iam()
                                                .getRolePolicy(r ->
                                                        r.roleName(roleName).policyName(name))
                                                .policyDocument());
                                    }
                                    for (AttachedPolicy p : w.aws.iam()
                                            .listAttachedRolePoliciesPaginator(r -> r.roleName(roleName))
                                            .attachedPolicies()) {
                                        String version = w.aws.iam()
                                                .getPolicy(r -> r.policyArn(p.policyArn()))
                                                .policy()
                                                .defaultVersionId();
                                        out.add(w.aws.iam()
                                                .getPolicyVersion(r -> r.policyArn(p.policyArn())
                                                        .versionId(version))
                                                .policyVersion()
                                                .document());
                                    }
                                    return out;
                                })
                        .orElse(List.of())); // no role: nothing grants it
        return new RolePolicies(docs.orElse(null), reason[0]);
    }

    static Map<String, String> vars(Wiring w, Key key, String roleArn) {
        return Map.of(
                "keyArn",
                key.arn(),
                "region",
                w.region(),
                "dnsSuffix",
                Arns.dnsSuffix(w.region()),
                "secretArn",
                w.secretArn(),
                "roleArn",
                roleArn == null ? "ROLE_ARN" : roleArn);
    }

    /** The bundled role's inline policy: kms:Decrypt on the key, only through Secrets Manager, only for this secret. */
    static String desiredRolePolicy(Wiring w, Key key) {
        return Policies.compact("bundled-role-kms.json", vars(w, key, w.roleArn()));
    }

    /** The IAM statement a reader's role needs, as one line of JSON to paste. */
    static String iamStatement(Wiring w, Key key) {
        return Json.write(PolicyDocument.parse(Policies.template("bundled-role-kms.json", vars(w, key, w.roleArn())))
                .statements()
                .get(0));
    }

    /** The key policy statement the key's owner adds when IAM policies alone cannot grant access. */
    static String keyPolicyStatement(Wiring w, Key key, String roleArn) {
        return Json.write(Json.parse(Policies.template("key-policy-decrypt-statement.json", vars(w, key, roleArn))));
    }

    // what a key policy and IAM policies allow (Allow statements; conditions and Deny are not evaluated)

    static boolean allowsDecrypt(Map<String, Object> st) {
        if (!"Allow".equals(st.get("Effect"))) return false;
        return strings(st.get("Action")).stream().anyMatch(a -> PolicyDocument.arnLike(a.toLowerCase(), "kms:decrypt"));
    }

    /** The key policy lets IAM policies of its account grant access: the default statement, account root with kms:* (or Decrypt). */
    static boolean enablesIam(String keyPolicy, String partition, String keyAccount) {
        for (Map<String, Object> st : PolicyDocument.parse(keyPolicy).statements()) {
            if (!allowsDecrypt(st)) continue;
            for (String p : awsPrincipals(st)) {
                if (p.equals(keyAccount) || p.equals("arn:" + partition + ":iam::" + keyAccount + ":root")) return true;
            }
        }
        return false;
    }

    static boolean keyPolicyGrants(String keyPolicy, String roleArn) {
        for (Map<String, Object> st : PolicyDocument.parse(keyPolicy).statements()) {
            if (allowsDecrypt(st) && awsPrincipals(st).contains(roleArn)) return true;
        }
        return false;
    }

    static boolean iamGrants(List<String> documents, String keyArn) {
        for (String doc : documents) {
            for (Map<String, Object> st : PolicyDocument.parse(doc).statements()) {
                if (allowsDecrypt(st)
                        && strings(st.get("Resource")).stream().anyMatch(r -> PolicyDocument.arnLike(r, keyArn)))
                    return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    static List<String> awsPrincipals(Map<String, Object> st) {
        Object p = st.get("Principal");
        if (p instanceof Map<?, ?> m) return strings(((Map<String, Object>) m).get("AWS"));
        return List.of();
    }

    static List<String> strings(Object v) {
        if (v == null) return List.of();
        if (v instanceof List<?> l) return l.stream().map(String::valueOf).toList();
        return List.of(String.valueOf(v));
    }

    /** Why the bundled role's IAM policy alone may not be enough: only the key's owner can fix these. */
    static List<String> warnings(Wiring w, Key key) {
        List<String> out = new ArrayList<>();
        String role = w.roleArn();
        String add = keyPolicyStatement(w, key, role);
        if (!key.account().equals(w.account())) {
            out.add("KMS key " + key.arn() + " of secret " + w.target.secretName() + " is in account " + key.account()
                    + ", not " + w.account()
                    + ": an IAM policy cannot grant it on its own; the key's owner must add to its key policy: " + add);
        } else if (key.keyPolicy().isEmpty()) {
            out.add("cannot read the key policy of KMS key " + key.arn() + " (" + key.unreadable()
                    + "): if it does not let IAM policies grant " + "access, the key's owner must add to it: " + add);
        } else if (!enablesIam(key.keyPolicy().get(), w.partition(), key.account())
                && !keyPolicyGrants(key.keyPolicy().get(), role)) {
            out.add("the key policy of KMS key " + key.arn()
                    + " does not let IAM policies grant access (no statement allowing arn:" + w.partition() + ":iam::"
                    + key.account()
                    + ":root kms:*), so the authorizer cannot decrypt the secret; the key's owner must add: " + add);
        }
        return out;
    }

    /** Put the bundled role's KMS policy: kms:Decrypt on {@code key}, only via Secrets Manager, only for the secret's ARN at apply. */
    record Grant(Key key) implements Change.Diff {}

    /** Delete the bundled role's KMS policy. */
    record Revoke() implements Change.Diff {}

    @Override
    public Change plan(Wiring w) {
        String resource = Names.managedRoleName(w.apiId()) + " " + Names.ROLE_KMS_POLICY_NAME;
        if (!w.target.managedFunction()) {
            return Change.ok(
                    name(),
                    w.target.secretName(),
                    w.kmsKey()
                            .map(k -> "customer-managed key " + k.arn()
                                    + ": your function's role needs kms:Decrypt (verify checks it)")
                            .orElse("AWS-managed key: nothing to grant"));
        }
        if (w.kmsKey().isEmpty()) {
            if (w.kmsRolePolicy().isPresent()) {
                return new Change(
                        name(),
                        resource,
                        Change.Action.UPDATE,
                        "remove kms:Decrypt: the secret now uses the AWS-managed key",
                        new Revoke());
            }
            return Change.ok(name(), resource, "AWS-managed key aws/secretsmanager: nothing to grant");
        }
        Key key = w.kmsKey().get();
        String want = desiredRolePolicy(w, key);
        if (w.kmsRolePolicy().isEmpty()) {
            return new Change(
                    name(),
                    resource,
                    Change.Action.CREATE,
                    "kms:Decrypt on " + key.arn() + ", only via Secrets Manager for this secret",
                    new Grant(key));
        }
        if (!PolicyDocument.parse(w.kmsRolePolicy().get()).sameAs(PolicyDocument.parse(want))) {
            return new Change(
                    name(),
                    resource,
                    Change.Action.UPDATE,
                    "kms:Decrypt on " + key.arn() + ", only via Secrets Manager for this secret",
                    new Grant(key));
        }
        return Change.ok(name(), resource, "kms:Decrypt on " + key.arn() + " for this secret only");
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        String roleName = Names.managedRoleName(w.apiId());
        if (change.diff() instanceof Revoke) return deleteRolePolicy(w, roleName);
        String policy = desiredRolePolicy(w, change.diff(Grant.class).key());
        run(
                "putting the KMS policy on IAM role " + roleName,
                w.region(),
                () -> w.aws.iam()
                        .putRolePolicy(r -> r.roleName(roleName)
                                .policyName(Names.ROLE_KMS_POLICY_NAME)
                                .policyDocument(policy)));
        return w.snapshot().with(b -> b.kmsRolePolicy = policy);
    }

    private static Snapshot deleteRolePolicy(Wiring w, String roleName) {
        unlessGone(
                "deleting the KMS policy of IAM role " + roleName,
                w.region(),
                NoSuchEntityException.class,
                () -> w.aws.iam().deleteRolePolicy(r -> r.roleName(roleName).policyName(Names.ROLE_KMS_POLICY_NAME)));
        return w.snapshot().with(b -> b.kmsRolePolicy = null);
    }

    // teardown

    @Override
    public Change planRemoval(Wiring w) {
        String resource = Names.managedRoleName(w.apiId()) + " " + Names.ROLE_KMS_POLICY_NAME;
        if (!w.target.managedFunction()) return Change.ok(name(), w.target.secretName(), "your function's role; kept");
        if (w.kmsRolePolicy().isEmpty()) return Change.ok(name(), resource, "no KMS policy");
        if (!ExecutionRolePiece.deletes(w))
            return Change.ok(name(), resource, "role not tagged " + Names.TAG_MANAGED + "=true for this API; kept");
        return new Change(
                name(), resource, Change.Action.DELETE, "remove kms:Decrypt from the authorizer's role", new Revoke());
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        return deleteRolePolicy(w, Names.managedRoleName(w.apiId()));
    }

    // verify

    /**
     * secret.kms: the reader's role may decrypt the secret. Left out for the AWS-managed key, while the
     * secret cannot be read, and when the role or its policies are unknown.
     */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        if (!SecretPiece.readable(w)) return List.of();
        String name = w.target.secretName();
        String res = "secret " + name;
        if (w.snapshot().kmsKeyUnreadable() != null) {
            return List.of(Check.warn(
                    "secret.kms",
                    res,
                    "cannot tell whether the authorizer may decrypt secret " + name + " (KMS key "
                            + w.secret().get().kmsKeyId() + "): " + w.snapshot().kmsKeyUnreadable(),
                    "grant the verify role kms:DescribeKey and kms:GetKeyPolicy on the key"));
        }
        if (w.kmsKey().isEmpty() || w.roleArn() == null || w.snapshot().readerPolicies() == null) return List.of();
        return List.of(decrypt(w, w.kmsKey().get(), name, res));
    }

    /** In the key's account the key policy may grant it alone, or let IAM policies grant it; across accounts an IAM policy must grant it too. */
    private static Check decrypt(Wiring w, Key key, String name, String res) {
        String role = w.roleArn();
        String roleAccount = Arns.parse(role).map(Arns.Parsed::account).orElse(w.account());
        boolean sameAccount = key.account().equals(roleAccount);
        RolePolicies policies = w.snapshot().readerPolicies();
        boolean byIam = policies.documents().map(d -> iamGrants(d, key.arn())).orElse(false);
        boolean byKey = key.keyPolicy().map(p -> keyPolicyGrants(p, role)).orElse(false);
        boolean iamEnabled = key.keyPolicy()
                .map(p -> enablesIam(p, w.partition(), sameAccount ? key.account() : roleAccount))
                .orElse(false);
        String what = "role " + role + " may decrypt secret " + name + " (customer-managed KMS key " + key.arn() + ")";
        boolean ok = sameAccount ? byKey || iamEnabled && byIam : (byKey || iamEnabled) && byIam;
        if (ok) return Check.pass("secret.kms", res, what);
        if (key.keyPolicy().isEmpty() || policies.documents().isEmpty()) {
            String why = policies.documents().isEmpty() ? policies.unreadable() : key.unreadable();
            return Check.warn(
                    "secret.kms",
                    res,
                    "cannot tell whether " + what + ": " + why,
                    "make sure the role's policy has " + iamStatement(w, key)
                            + " and the key policy lets IAM policies grant access (or has "
                            + keyPolicyStatement(w, key, role) + ")");
        }
        return Check.fail(
                "secret.kms",
                res,
                "role " + role + " may not decrypt secret " + name + ": neither its IAM policies nor the key policy of "
                        + key.arn() + " allow kms:Decrypt, so every GetSecretValue of the authorizer fails",
                decryptFix(w, key, sameAccount, iamEnabled));
    }

    /** Setup can grant the bundled role; the key policy only its owner can change, and a user's role only the user. */
    private static String decryptFix(Wiring w, Key key, boolean sameAccount, boolean iamEnabled) {
        String role = w.roleArn();
        String keyStatement = keyPolicyStatement(w, key, role);
        if (w.target.managedFunction()) {
            return Check.SETUP_FIX + " (it gives the authorizer's role kms:Decrypt on the key)"
                    + (iamEnabled && sameAccount
                            ? ""
                            : "; the key's owner must also add to the key policy: " + keyStatement);
        }
        if (!sameAccount || !iamEnabled) {
            return "the key's owner adds to the key policy of " + key.arn() + ": " + keyStatement
                    + (sameAccount ? "" : "; and add to a policy of role " + role + ": " + iamStatement(w, key));
        }
        return "add this statement to a policy of role " + role + ": " + iamStatement(w, key);
    }
}
