package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;
import static io.secureapi.aws.AwsCall.run;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.support.Arns;
import io.secureapi.support.Names;
import io.secureapi.support.PolicyDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/** lambda:InvokeFunction for API Gateway, scoped to exactly this API's authorizer. */
public final class InvokePermissionPiece implements Piece {
    @Override
    public String name() {
        return "invoke permission";
    }

    /** The resource policy of the function as API Gateway calls it: an alias or version has a policy of its own. */
    public static Optional<String> read(Wiring w, String functionArn) {
        String qualifier = w.qualifier().orElse(null);
        return ifFound(
                "reading the resource policy of Lambda function " + w.functionName()
                        + (qualifier == null ? "" : ":" + qualifier),
                w.region(),
                ResourceNotFoundException.class,
                () -> w.aws.lambda()
                        .getPolicy(r -> r.functionName(functionArn).qualifier(qualifier))
                        .policy());
    }

    public static Optional<Map<String, Object>> statement(Wiring w) {
        return PolicyDocument.parse(w.functionPolicy().orElse(null)).statement(Names.permissionStatementId(w.apiId()));
    }

    public static Optional<String> sourceArn(Map<String, Object> statement) {
        Object cond = statement.get("Condition");
        if (!(cond instanceof Map<?, ?> c)) return Optional.empty();
        for (Object block : c.values()) {
            if (block instanceof Map<?, ?> b) {
                for (Map.Entry<?, ?> e : b.entrySet()) {
                    if (String.valueOf(e.getKey()).equalsIgnoreCase("AWS:SourceArn"))
                        return Optional.of(String.valueOf(e.getValue()));
                }
            }
        }
        return Optional.empty();
    }

    public static String desiredSourceArn(Wiring w) {
        return w.ourAuthorizer()
                .map(a -> Arns.authorizerSourceArn(w.partition(), w.region(), w.account(), w.apiId(), a.id()))
                .orElse(null);
    }

    static boolean principalIsApiGateway(Map<String, Object> st) {
        Object p = st.get("Principal");
        return p instanceof Map<?, ?> m && "apigateway.amazonaws.com".equals(m.get("Service"));
    }

    /**
     * Our statement, replacing an outdated one: API Gateway may invoke the function only from
     * {@code sourceArn}; null for an authorizer this run creates, whose ARN the snapshot holds at apply.
     */
    record Allow(String sourceArn) implements Change.Diff {}

    /** Our statement out of the function's policy; the others kept. */
    record Withdraw() implements Change.Diff {}

    @Override
    public Change plan(Wiring w) {
        String resource = w.functionName() + " " + Names.permissionStatementId(w.apiId());
        String want = desiredSourceArn(w);
        Optional<Map<String, Object>> st = statement(w);
        if (st.isEmpty()) {
            return new Change(
                    name(),
                    resource,
                    Change.Action.CREATE,
                    "apigateway.amazonaws.com, only from " + (want == null ? "the new authorizer" : want),
                    new Allow(want));
        }
        if (want == null || !exact(st.get(), want)) {
            return new Change(
                    name(),
                    resource,
                    Change.Action.UPDATE,
                    "scope it to " + (want == null ? "the new authorizer" : want),
                    new Allow(want));
        }
        return Change.ok(
                name(),
                resource,
                "only from authorizer " + w.ourAuthorizer().get().id());
    }

    /** Ours exactly: Allow apigateway.amazonaws.com lambda:InvokeFunction, only from this authorizer. */
    static boolean exact(Map<String, Object> st, String sourceArn) {
        return "Allow".equals(st.get("Effect"))
                && principalIsApiGateway(st)
                && "lambda:InvokeFunction".equals(single(st.get("Action")))
                && sourceArn != null
                && sourceArn.equals(sourceArn(st).orElse(null));
    }

    private static Object single(Object v) {
        return v instanceof java.util.List<?> l && l.size() == 1 ? l.get(0) : v;
    }

    /** AddPermission attempts before giving up; each conflict first waits for the function's update to finish. */
    static final int ADD_ATTEMPTS = 5;

    @Override
    public Snapshot apply(Wiring w, Change change) {
        String sid = Names.permissionStatementId(w.apiId());
        String fn = w.functionArn();
        String qualifier = w.qualifier().orElse(null);
        String planned = change.diff(Allow.class).sourceArn();
        // known after apply: the ARN of the authorizer this run created
        String sourceArn = planned != null ? planned : desiredSourceArn(w);
        String label = w.functionName() + (qualifier == null ? "" : ":" + qualifier);
        if (statement(w).isEmpty()) {
            // The run's read found no statement of ours: add it without reading again. AddPermission
            // answers with the statement it added, merged here into the policy as read; a statement id
            // taken meanwhile, or an update in progress, is ResourceConflictException
            // (docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html): then the loop below reads,
            // waits and retries.
            Optional<String> added = add(w, fn, qualifier, sid, sourceArn, label);
            if (added.isPresent() && !added.get().isEmpty()) {
                String policy = PolicyDocument.parse(w.functionPolicy().orElse(null))
                        .with(io.secureapi.support.Json.parseObject(added.get()))
                        .toJson();
                Wiring now = w.on(w.snapshot().with(b -> b.functionPolicy = policy));
                if (statement(now).map(st -> exact(st, sourceArn)).orElse(false)) return now.snapshot();
            } else if (added.isEmpty()) {
                busy(w, label);
            }
        }
        for (int attempt = 1; attempt <= ADD_ATTEMPTS; attempt++) {
            Wiring now = w.on(withPolicy(w, fn));
            Optional<Map<String, Object>> st = statement(now);
            if (st.isPresent() && exact(st.get(), sourceArn)) return now.snapshot();
            if (st.isPresent()) {
                run(
                        "removing the outdated invoke permission " + sid + " from Lambda function " + label,
                        w.region(),
                        () -> w.aws.lambda()
                                .removePermission(r ->
                                        r.functionName(fn).qualifier(qualifier).statementId(sid)));
            }
            if (add(w, fn, qualifier, sid, sourceArn, label).isEmpty()) busy(w, label);
        }
        // Routes must never point at an authorizer API Gateway may not invoke: every request would get 500.
        Wiring now = w.on(withPolicy(w, fn));
        if (statement(now).map(st -> exact(st, sourceArn)).orElse(false)) return now.snapshot();
        throw new ExitException(
                ExitException.AWS,
                "allowing API " + w.apiId() + " to invoke Lambda function " + label + " (" + w.region()
                        + "): statement " + sid + " is still not in its resource policy after " + ADD_ATTEMPTS
                        + " attempts; no route was changed",
                "wait until the function's other update finishes (aws lambda get-function-configuration --function-name "
                        + label + " --region " + w.region() + "), then run setup again; reruns are safe",
                null);
    }

    /**
     * AddPermission; the statement added (blank when the answer did not carry it), or empty on a
     * conflict (not known to be in place).
     */
    private static Optional<String> add(
            Wiring w, String fn, String qualifier, String sid, String sourceArn, String label) {
        return call("allowing API " + w.apiId() + " to invoke Lambda function " + label, w.region(), () -> {
            try {
                String statement = w.aws.lambda()
                        .addPermission(r -> r.functionName(fn)
                                .qualifier(qualifier)
                                .statementId(sid)
                                .action("lambda:InvokeFunction")
                                .principal("apigateway.amazonaws.com")
                                .sourceArn(sourceArn))
                        .statement();
                return Optional.of(statement == null ? "" : statement.strip());
            } catch (ResourceConflictException e) {
                // "An update is in progress for resource" (e.g. during an amplify push), or a concurrent
                // run added the statement id: neither means it is in place. Wait for the function, then
                // read it back.
                return Optional.empty();
            }
        });
    }

    private static void busy(Wiring w, String label) {
        w.progress.say("Lambda function " + label
                + " is busy (another update in progress); waiting, then adding the permission again…");
        FunctionPiece.waitUpdated(w, w.functionName());
    }

    // teardown

    @Override
    public Change planRemoval(Wiring w) {
        String resource = w.functionName() + " " + Names.permissionStatementId(w.apiId());
        if (w.function().isEmpty()) return Change.ok(name(), resource, "function not found");
        if (FunctionPiece.deletes(w)) return Change.ok(name(), resource, "goes with the bundled function");
        if (statement(w).isEmpty()) return Change.ok(name(), resource, "no such statement");
        return new Change(
                name(), resource, Change.Action.DELETE, "remove this statement only; others kept", new Withdraw());
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        String sid = Names.permissionStatementId(w.apiId());
        String fn = w.functionArn();
        // Bounded loop: an emulator may hold a statement id twice, AWS never does.
        Wiring now = w;
        for (int i = 0; i < 5 && statement(now).isPresent(); i++) {
            boolean removed = unlessGone(
                    "removing invoke permission " + sid + " from Lambda function " + w.functionName(),
                    w.region(),
                    ResourceNotFoundException.class,
                    () -> w.aws.lambda()
                            .removePermission(r -> r.functionName(fn)
                                    .qualifier(w.qualifier().orElse(null))
                                    .statementId(sid)));
            now = w.on(removed ? withPolicy(w, fn) : w.snapshot().with(b -> b.functionPolicy = null));
        }
        return now.snapshot();
    }

    private static Snapshot withPolicy(Wiring w, String fn) {
        String policy = read(w, fn).orElse(null);
        return w.snapshot().with(b -> b.functionPolicy = policy);
    }

    // verify

    /**
     * permission.scoped: our statement lets API Gateway invoke the function only from our authorizer;
     * any other statement that also lets it in for this API is a warning. Left out without a function.
     */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        if (w.function().isEmpty()) return List.of();
        String sid = Names.permissionStatementId(w.apiId());
        String res = "Lambda function " + w.functionName() + " permission " + sid;
        String want = desiredSourceArn(w);
        List<Map<String, Object>> grants = apiGatewayGrants(w);
        Map<String, Object> ours = grants.stream()
                .filter(st -> sid.equals(st.get("Sid")))
                .findFirst()
                .orElse(null);
        List<String> broader = broader(w, grants, ours, want);
        if (ours == null) return List.of(missing(w, res, want, broader));
        if (want == null) {
            return List.of(Check.fail(
                    "permission.scoped",
                    res,
                    "statement " + sid + " of Lambda function " + w.functionName() + " has no authorizer "
                            + w.target.authorizerName() + " to be scoped to",
                    Check.SETUP_FIX));
        }
        return List.of(scoped(w, res, ours, want, broader));
    }

    /** The statements that let API Gateway invoke the function. */
    private static List<Map<String, Object>> apiGatewayGrants(Wiring w) {
        return PolicyDocument.parse(w.functionPolicy().orElse(null)).statements().stream()
                .filter(st -> "Allow".equals(st.get("Effect")) && principalIsApiGateway(st) && allowsInvoke(st))
                .toList();
    }

    /**
     * The other grants that also let API Gateway invoke it for this API: no SourceArn, or a pattern
     * covering ours (any authorizer of the API while there is none of ours).
     */
    private static List<String> broader(
            Wiring w, List<Map<String, Object>> grants, Map<String, Object> ours, String want) {
        String covered = want != null
                ? want
                : Arns.authorizerSourceArn(w.partition(), w.region(), w.account(), w.apiId(), "any");
        List<String> out = new ArrayList<>();
        for (Map<String, Object> st : grants) {
            if (st == ours) continue;
            String src = sourceArn(st).orElse(null);
            if (src == null || PolicyDocument.arnLike(src, covered)) out.add(describe(st, src));
        }
        return out;
    }

    /** No statement of ours: a broader one may still let API Gateway in (warn); otherwise it cannot call the authorizer. */
    private static Check missing(Wiring w, String res, String want, List<String> broader) {
        String fn = w.functionName();
        String sid = Names.permissionStatementId(w.apiId());
        if (!broader.isEmpty()) {
            return Check.warn(
                    "permission.scoped",
                    res,
                    "Lambda function " + fn + " has no statement " + sid
                            + "; API Gateway may invoke it through broader statement(s): " + String.join(", ", broader),
                    Check.SETUP_FIX
                            + " (it adds a statement scoped to the authorizer), then remove the broader one(s) with aws lambda remove-permission");
        }
        return Check.fail(
                "permission.scoped",
                res,
                "Lambda function " + fn + " has no invoke permission for API " + w.apiId()
                        + (want == null ? "" : "'s authorizer (" + want + ")")
                        + ": API Gateway cannot call the authorizer",
                Check.SETUP_FIX);
    }

    /** Our statement: exactly our authorizer (pass, or warn beside broader ones), broader than it (warn), or another one (fail). */
    private static Check scoped(Wiring w, String res, Map<String, Object> ours, String want, List<String> broader) {
        String fn = w.functionName();
        String sid = Names.permissionStatementId(w.apiId());
        String authorizerId = w.ourAuthorizer().get().id();
        String src = sourceArn(ours).orElse(null);
        if (want.equals(src)) {
            if (broader.isEmpty()) {
                return Check.pass(
                        "permission.scoped",
                        res,
                        "only authorizer " + authorizerId + " of API " + w.apiId() + " may invoke Lambda function " + fn
                                + " (" + want + ")");
            }
            return Check.warn(
                    "permission.scoped",
                    res,
                    "statement " + sid + " is scoped to the authorizer, but Lambda function " + fn
                            + " may also be invoked through broader statement(s): " + String.join(", ", broader),
                    "remove them: aws lambda remove-permission --function-name " + fn + " --statement-id SID");
        }
        if (src == null || PolicyDocument.arnLike(src, want)) {
            return Check.warn(
                    "permission.scoped",
                    res,
                    "statement " + sid + " of Lambda function " + fn + " is broader than the authorizer: "
                            + (src == null ? "no SourceArn (any API Gateway API may invoke it)" : "SourceArn " + src)
                            + (broader.isEmpty() ? "" : "; also broader: " + String.join(", ", broader)),
                    Check.SETUP_FIX + " (it scopes the statement to " + want + ")");
        }
        return Check.fail(
                "permission.scoped",
                res,
                "statement " + sid + " of Lambda function " + fn + " allows " + src + ", not authorizer " + authorizerId
                        + " (" + want + "): API Gateway cannot call the authorizer",
                Check.SETUP_FIX);
    }

    private static String describe(Map<String, Object> st, String sourceArn) {
        String sid = st.get("Sid") == null ? "(no Sid)" : String.valueOf(st.get("Sid"));
        return sid + " (" + (sourceArn == null ? "no SourceArn" : "SourceArn " + sourceArn) + ")";
    }

    @SuppressWarnings("unchecked")
    static boolean allowsInvoke(Map<String, Object> st) {
        Object a = st.get("Action");
        List<Object> actions = a instanceof List ? (List<Object>) a : List.of(String.valueOf(a));
        return actions.stream()
                .map(String::valueOf)
                .anyMatch(x -> x.equalsIgnoreCase("lambda:InvokeFunction")
                        || x.equalsIgnoreCase("lambda:*")
                        || x.equals("*")
                        || x.equalsIgnoreCase("lambda:Invoke*"));
    }
}
