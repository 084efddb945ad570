package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.support.Backoff;
import io.secureapi.support.Json;
import io.secureapi.support.Names;
import io.secureapi.support.Policies;
import io.secureapi.support.PolicyDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.secretsmanager.model.MalformedPolicyDocumentException;
import software.amazon.awssdk.services.secretsmanager.model.PublicPolicyException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/** The secret's resource policy: our one statement, merged with whatever else is there. */
public final class SecretPolicyPiece implements Piece {
    @Override
    public String name() {
        return "secret policy";
    }

    public static Optional<String> read(Wiring w, String secretArn) {
        return ifFound(
                "reading the resource policy of secret " + w.target.secretName(),
                w.region(),
                ResourceNotFoundException.class,
                () -> w.aws.secrets()
                        .getResourcePolicy(r -> r.secretId(secretArn))
                        .resourcePolicy());
    }

    public static Map<String, Object> desiredStatement(String roleArn) {
        return Json.parseObject(Policies.template("secret-read-statement.json", Map.of("roleArn", roleArn)));
    }

    /**
     * Our statement, allowing only {@code roleArn} to read the secret, merged into the policy as it
     * is at apply; the secret's ARN is the snapshot's then (a secret created by this run has none at plan).
     */
    record Allow(String roleArn) implements Change.Diff {}

    /** Our statement out of the policy (the policy deleted when nothing else is in it). */
    record Withdraw() implements Change.Diff {}

    @Override
    public Change plan(Wiring w) {
        String resource = w.target.secretName();
        String roleArn = w.roleArn();
        PolicyDocument doc = PolicyDocument.parse(w.secretPolicy().orElse(null));
        Optional<Map<String, Object>> ours = doc.statement(Names.SECRET_POLICY_SID);
        int others = doc.size() - (ours.isPresent() ? 1 : 0);
        String kept = others == 0 ? "" : " (" + others + " other statement" + (others == 1 ? "" : "s") + " kept)";
        // the principal follows the role function FN has now (a role the secret trusted before is not kept)
        String whose = " (the current role of function " + w.functionName() + ")";
        if (ours.isEmpty()) {
            return new Change(
                    name(),
                    resource,
                    Change.Action.CREATE,
                    "allow only " + roleArn + whose + " to read it" + kept,
                    new Allow(roleArn));
        }
        if (!PolicyDocument.sameStatement(ours.get(), desiredStatement(roleArn))) {
            return new Change(
                    name(),
                    resource,
                    Change.Action.UPDATE,
                    "statement " + Names.SECRET_POLICY_SID + " should allow only " + roleArn + whose + kept,
                    new Allow(roleArn));
        }
        return Change.ok(name(), resource, "only the authorizer's role may read it" + kept);
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        String roleArn = change.diff(Allow.class).roleArn();
        String arn = w.secret().orElseThrow().arn();
        // Re-read: another statement may have been added since the plan; never drop it.
        PolicyDocument merged = PolicyDocument.parse(read(w, arn).orElse(null)).with(desiredStatement(roleArn));
        String policy = merged.toJson();
        Backoff backoff = Backoff.iamPropagation();
        String doing = "putting the resource policy on secret " + w.target.secretName();
        try {
            call(doing, w.region(), () -> {
                while (true) {
                    try {
                        return w.aws.secrets()
                                .putResourcePolicy(r ->
                                        r.secretId(arn).resourcePolicy(policy).blockPublicPolicy(true));
                    } catch (MalformedPolicyDocumentException e) {
                        // Only a role created seconds ago that IAM has not propagated yet is worth waiting for
                        // (the message terraform-provider-aws retries in secretsmanager/secret_policy.go).
                        if (!unsupportedPrincipal(e)
                                || !backoff.retry(w.progress, "waiting for the new role to become a valid principal"))
                            throw e;
                    }
                }
            });
        } catch (ExitException e) {
            throw explain(w, doing, merged, e);
        }
        return w.snapshot().with(b -> b.secretPolicy = policy);
    }

    static boolean unsupportedPrincipal(MalformedPolicyDocumentException e) {
        String m = e.awsErrorDetails() == null
                ? e.getMessage()
                : e.awsErrorDetails().errorMessage();
        return m != null && m.contains("unsupported principal");
    }

    /** Names the statement(s) AWS refused, so the user knows which one to fix. */
    static ExitException explain(Wiring w, String doing, PolicyDocument policy, ExitException e) {
        String where = doing + " (" + w.region() + ")";
        if (e.getCause() instanceof PublicPolicyException) {
            List<String> open = sids(policy.statements().stream()
                    .filter(PolicyDocument::hasWildcardPrincipal)
                    .toList());
            String which = open.isEmpty()
                    ? "one of the other statements (" + String.join(", ", others(policy)) + ")"
                    : "statement " + String.join(", ", open) + " (principal \"*\")";
            return new ExitException(
                    ExitException.AWS,
                    where + ": PublicPolicyException — BlockPublicPolicy refuses the policy: " + which
                            + " makes the secret public",
                    "remove or restrict " + which + " (aws secretsmanager get-resource-policy --secret-id "
                            + w.target.secretName() + " --region " + w.region() + "), then run setup again",
                    e.getCause());
        }
        if (e.getCause() instanceof MalformedPolicyDocumentException m) {
            String detail = m.awsErrorDetails() == null
                    ? m.getMessage()
                    : m.awsErrorDetails().errorMessage();
            List<String> others = others(policy);
            String which = others.isEmpty()
                    ? "statement " + Names.SECRET_POLICY_SID + " (principal " + w.roleArn() + ")"
                    : "statement " + Names.SECRET_POLICY_SID + " (principal " + w.roleArn()
                            + ") or one kept from before: " + String.join(", ", others);
            return new ExitException(
                    ExitException.AWS,
                    where + ": MalformedPolicyDocumentException — " + detail + "; the policy holds " + which,
                    unsupportedPrincipal(m)
                            ? "the role did not become a valid principal within "
                                    + Backoff.IAM_PROPAGATION_TIMEOUT.toMinutes()
                                    + " minutes: check that it exists, then run setup again"
                            : "fix that statement in the secret's resource policy, then run setup again",
                    m);
        }
        return e;
    }

    private static List<String> others(PolicyDocument policy) {
        return sids(policy.statements().stream()
                .filter(st -> !Names.SECRET_POLICY_SID.equals(st.get("Sid")))
                .toList());
    }

    private static List<String> sids(List<Map<String, Object>> statements) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < statements.size(); i++) {
            Object sid = statements.get(i).get("Sid");
            out.add(sid == null ? "(no Sid)" : String.valueOf(sid));
        }
        return out;
    }

    // teardown

    @Override
    public Change planRemoval(Wiring w) {
        String resource = w.target.secretName();
        if (w.secret().isEmpty()) return Change.ok(name(), resource, "secret not found");
        if (w.secret().get().scheduledForDeletion())
            return Change.ok(name(), resource, "secret is scheduled for deletion");
        PolicyDocument doc = PolicyDocument.parse(w.secretPolicy().orElse(null));
        if (doc.statement(Names.SECRET_POLICY_SID).isEmpty())
            return Change.ok(name(), resource, "no statement " + Names.SECRET_POLICY_SID);
        int others = doc.size() - 1;
        return new Change(
                name(),
                resource,
                Change.Action.DELETE,
                "remove statement " + Names.SECRET_POLICY_SID
                        + (others == 0
                                ? "; delete the policy (nothing else in it)"
                                : " (" + others + " other statement" + (others == 1 ? "" : "s") + " kept)"),
                new Withdraw());
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        String arn = w.secret().orElseThrow().arn();
        String name = w.target.secretName();
        // Re-read: keep any statement added since the plan.
        PolicyDocument rest = PolicyDocument.parse(read(w, arn).orElse(null)).without(Names.SECRET_POLICY_SID);
        if (rest.size() == 0) {
            unlessGone(
                    "deleting the resource policy of secret " + name,
                    w.region(),
                    ResourceNotFoundException.class,
                    () -> w.aws.secrets().deleteResourcePolicy(r -> r.secretId(arn)));
            return w.snapshot().with(b -> b.secretPolicy = null);
        } else {
            String policy = rest.toJson();
            String doing = "putting the resource policy of secret " + name + " without " + Names.SECRET_POLICY_SID;
            try {
                call(
                        doing,
                        w.region(),
                        () -> w.aws.secrets()
                                .putResourcePolicy(r ->
                                        r.secretId(arn).resourcePolicy(policy).blockPublicPolicy(true)));
            } catch (ExitException e) {
                throw explain(w, doing, rest, e);
            }
            return w.snapshot().with(b -> b.secretPolicy = policy);
        }
    }

    // verify

    /** secret-policy.grants-role (once the role is known) and secret-policy.no-wildcard; left out while the secret cannot be read. */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        if (!SecretPiece.readable(w)) return List.of();
        String name = w.target.secretName();
        String res = "secret " + name;
        List<Check> out = new ArrayList<>();
        if (w.roleArn() != null) out.add(grantsRole(w, name, res));
        out.add(noWildcard(w, name, res));
        return out;
    }

    private Check grantsRole(Wiring w, String name, String res) {
        String role = w.roleArn();
        Change c = plan(w);
        if (!c.changes())
            return Check.pass(
                    "secret-policy.grants-role",
                    res,
                    "the resource policy of secret " + name + " lets " + role + " read it");
        return Check.fail(
                "secret-policy.grants-role",
                res,
                "the resource policy of secret " + name + " does not let only the authorizer's role " + role
                        + " read it (statement " + Names.SECRET_POLICY_SID + " "
                        + (c.action() == Change.Action.CREATE ? "missing" : "differs") + ")",
                Check.SETUP_FIX + " (it merges its statement; other statements are kept)");
    }

    /** A principal "*" lets anyone who can call Secrets Manager read the key; conditions may limit it, so those only warn. */
    private static Check noWildcard(Wiring w, String name, String res) {
        List<String> open = new ArrayList<>();
        List<String> conditional = new ArrayList<>();
        for (Map<String, Object> st :
                PolicyDocument.parse(w.secretPolicy().orElse(null)).statements()) {
            if (!PolicyDocument.hasWildcardPrincipal(st)) continue;
            String sid = st.get("Sid") == null ? "(no Sid)" : String.valueOf(st.get("Sid"));
            (st.get("Condition") == null ? open : conditional).add(sid);
        }
        if (!open.isEmpty()) {
            return Check.fail(
                    "secret-policy.no-wildcard",
                    res,
                    "the resource policy of secret " + name + " allows any principal (\"*\") in statement "
                            + String.join(", ", open) + ": anyone who can call Secrets Manager may read the key",
                    "remove statement " + String.join(", ", open)
                            + " from the secret's resource policy (aws secretsmanager put-resource-policy "
                            + "--block-public-policy refuses such statements)");
        }
        if (!conditional.isEmpty()) {
            return Check.warn(
                    "secret-policy.no-wildcard",
                    res,
                    "the resource policy of secret " + name + " allows any principal (\"*\") in statement "
                            + String.join(", ", conditional) + ", limited only by its conditions",
                    "check that its conditions restrict it to your account or organization, or remove it");
        }
        return Check.pass(
                "secret-policy.no-wildcard",
                res,
                "no statement of the resource policy of secret " + name + " allows any principal");
    }
}
