package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;
import static io.secureapi.aws.AwsCall.run;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.State;
import io.secureapi.support.Names;
import io.secureapi.support.Policies;
import io.secureapi.support.PolicyDocument;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.iam.model.DeleteConflictException;
import software.amazon.awssdk.services.iam.model.EntityAlreadyExistsException;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/** The bundled authorizer's execution role: Lambda trust and its own logs, nothing else. */
public final class ExecutionRolePiece implements Piece {
    @Override
    public String name() {
        return "execution role";
    }

    public static Optional<State.Role> find(Wiring w, String roleName) {
        return ifFound(
                        "reading IAM role " + roleName,
                        w.region(),
                        NoSuchEntityException.class,
                        () -> w.aws.iam().getRole(r -> r.roleName(roleName)).role())
                .map(role -> {
                    Map<String, String> tags = role.tags() == null
                            ? Map.of()
                            : role.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a));
                    Optional<String> inline = ifFound(
                            "reading the logs policy of IAM role " + roleName,
                            w.region(),
                            NoSuchEntityException.class,
                            () -> w.aws.iam()
                                    .getRolePolicy(r -> r.roleName(roleName).policyName(Names.ROLE_POLICY_NAME))
                                    .policyDocument());
                    return new State.Role(role.arn(), role.roleName(), tags, inline.orElse(null));
                });
    }

    static String logsPolicy(Wiring w) {
        return Policies.compact(
                "authorizer-logs.json",
                Map.of(
                        "partition",
                        w.partition(),
                        "region",
                        w.region(),
                        "account",
                        w.account(),
                        "functionName",
                        Names.managedFunctionName(w.apiId())));
    }

    /** Create the role (or only restore its policy), then put its logs-only policy. */
    record Put(boolean create, String logsPolicy) implements Change.Diff {}

    /** Delete the role and its inline logs policy. */
    record Delete(String roleName) implements Change.Diff {}

    @Override
    public Change plan(Wiring w) {
        String roleName = Names.managedRoleName(w.apiId());
        if (w.role().isEmpty()) {
            return new Change(
                    name(),
                    roleName,
                    Change.Action.CREATE,
                    "trusts Lambda; may write its own logs only",
                    new Put(true, logsPolicy(w)));
        }
        State.Role role = w.role().get();
        if (!"true".equals(role.tags().get(Names.TAG_MANAGED))) {
            throw ExitException.badInput(
                    "IAM role " + roleName + " exists and was not created by secure-api",
                    "rename or delete that role, or pass --function to use your own authorizer function");
        }
        boolean same = Optional.ofNullable(role.inlinePolicy())
                .map(p -> PolicyDocument.parse(p).sameAs(PolicyDocument.parse(logsPolicy(w))))
                .orElse(false);
        if (!same)
            return new Change(
                    name(),
                    roleName,
                    Change.Action.UPDATE,
                    "restore its logs-only policy",
                    new Put(false, logsPolicy(w)));
        return Change.ok(name(), roleName, "logs-only");
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        Put put = change.diff(Put.class);
        String roleName = Names.managedRoleName(w.apiId());
        if (put.create()) {
            String trust = Policies.compact("lambda-trust.json", Map.of());
            boolean created = call("creating IAM role " + roleName, w.region(), () -> {
                try {
                    w.aws.iam()
                            .createRole(r -> r.roleName(roleName)
                                    .assumeRolePolicyDocument(trust)
                                    .description("Execution role of the secure-api authorizer for API " + w.apiId())
                                    .tags(
                                            Tag.builder()
                                                    .key(Names.TAG_MANAGED)
                                                    .value("true")
                                                    .build(),
                                            Tag.builder()
                                                    .key(Names.TAG_API_ID)
                                                    .value(w.apiId())
                                                    .build()));
                    return true;
                } catch (EntityAlreadyExistsException e) {
                    // A concurrent run made it, or our own create whose answer was lost: use it if it is ours.
                    return false;
                }
            });
            if (!created) {
                Optional<State.Role> found = find(w, roleName);
                if (found.isEmpty() || !"true".equals(found.get().tags().get(Names.TAG_MANAGED))) {
                    throw new ExitException(
                            ExitException.AWS,
                            "creating IAM role " + roleName + " (" + w.region()
                                    + "): a role of that name appeared meanwhile and was not created by secure-api",
                            "rename or delete that role, or pass --function to use your own authorizer function",
                            null);
                }
            }
        }
        String policy = put.logsPolicy();
        run(
                "putting the logs policy on IAM role " + roleName,
                w.region(),
                () -> w.aws.iam()
                        .putRolePolicy(r -> r.roleName(roleName)
                                .policyName(Names.ROLE_POLICY_NAME)
                                .policyDocument(policy)));
        State.Role now = find(w, roleName).orElse(null);
        return w.snapshot().with(b -> b.role = now);
    }

    // teardown

    /** The bundled role is removed only when secure-api made it for this API (tag secure-api:managed=true). */
    static boolean deletes(Wiring w) {
        return w.role()
                .map(r -> "true".equals(r.tags().get(Names.TAG_MANAGED))
                        && w.apiId().equals(r.tags().getOrDefault(Names.TAG_API_ID, w.apiId())))
                .orElse(false);
    }

    @Override
    public Change planRemoval(Wiring w) {
        String roleName = Names.managedRoleName(w.apiId());
        if (w.role().isEmpty()) return Change.ok(name(), roleName, "not found");
        if (!deletes(w))
            return Change.ok(name(), roleName, "not tagged " + Names.TAG_MANAGED + "=true for this API; kept");
        return new Change(
                name(),
                roleName,
                Change.Action.DELETE,
                "with its inline policy " + Names.ROLE_POLICY_NAME,
                new Delete(roleName));
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        String roleName = change.diff(Delete.class).roleName();
        unlessGone(
                "deleting the logs policy of IAM role " + roleName,
                w.region(),
                NoSuchEntityException.class,
                () -> w.aws.iam().deleteRolePolicy(r -> r.roleName(roleName).policyName(Names.ROLE_POLICY_NAME)));
        try {
            unlessGone(
                    "deleting IAM role " + roleName,
                    w.region(),
                    NoSuchEntityException.class,
                    () -> w.aws.iam().deleteRole(r -> r.roleName(roleName)));
        } catch (ExitException e) {
            if (!(e.getCause() instanceof DeleteConflictException)) throw e;
            throw new ExitException(
                    ExitException.AWS,
                    e.getMessage(),
                    "something else was attached to the role since setup: "
                            + "detach it (aws iam list-attached-role-policies --role-name " + roleName
                            + "), then run teardown again",
                    e.getCause());
        }
        return w.snapshot().with(b -> b.role = null);
    }
}
