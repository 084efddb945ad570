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
import io.secureapi.support.Backoff;
import io.secureapi.support.BundledAuthorizer;
import io.secureapi.support.LambdaRuntimes;
import io.secureapi.support.Names;
import io.secureapi.support.Waits;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.Architecture;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetFunctionResponse;
import software.amazon.awssdk.services.lambda.model.InvalidParameterValueException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * The authorizer function: the user's own (read, never changed here), or the bundled one,
 * deployed and kept current by the tool.
 */
public final class FunctionPiece implements Piece {
    @Override
    public String name() {
        return "authorizer function";
    }

    /** The function setup works with: --function (which must exist, in the API's region), else the bundled one if deployed. */
    public static Optional<State.Function> read(Wiring w) {
        Optional<String> given = w.target.function();
        if (given.isPresent()) {
            Optional<Arns.Parsed> arn = Arns.parse(given.get());
            if (arn.isPresent() && !arn.get().region().equals(w.region())) {
                // API Gateway invokes an authorizer function in the API's own region
                throw ExitException.badInput(
                        "function " + given.get() + " is in region " + arn.get().region() + ", but API " + w.apiId()
                                + " is in " + w.region() + ": the authorizer function must be in the API's region",
                        "pass a function in " + w.region()
                                + ", or omit --function to deploy the bundled authorizer there");
            }
        }
        Optional<State.Function> f = find(w, given.orElse(w.functionName()));
        if (given.isPresent() && f.isEmpty()) {
            throw ExitException.badInput(
                    "function " + given.get() + " not found in " + w.region(),
                    "check the name with: aws lambda list-functions --region " + w.region()
                            + " (or omit --function to deploy the bundled authorizer)");
        }
        return f;
    }

    /** Partition and account for every ARN we build: from the function's ARN, else from STS. */
    public static Arns.Parsed identity(Wiring w) {
        Optional<Arns.Parsed> fromFunction = w.function().flatMap(f -> Arns.parse(f.arn()));
        if (fromFunction.isPresent()) return fromFunction.get();
        String callerArn = call(
                "identifying the AWS account",
                w.region(),
                () -> w.aws.sts().getCallerIdentity().arn());
        return Arns.parse(callerArn).orElseThrow();
    }

    public static Optional<State.Function> find(Wiring w, String nameOrArn) {
        return ifFound(
                        "reading Lambda function " + nameOrArn,
                        w.region(),
                        ResourceNotFoundException.class,
                        () -> w.aws.lambda().getFunction(r -> r.functionName(nameOrArn)))
                .map(FunctionPiece::state);
    }

    /** The function as one GetFunction answer describes it. */
    static State.Function state(GetFunctionResponse f) {
        FunctionConfiguration c = f.configuration();
        return new State.Function(
                baseArn(c.functionArn()),
                c.functionName(),
                c.role(),
                c.runtimeAsString(),
                c.handler(),
                c.stateAsString(),
                c.lastUpdateStatusAsString(),
                c.codeSha256(),
                env(c.environment() == null ? null : c.environment().variables()),
                f.tags() == null ? Map.of() : f.tags(),
                c.version(),
                c.revisionId());
    }

    static Map<String, String> env(Map<String, String> variables) {
        return variables == null ? Map.of() : new LinkedHashMap<>(variables);
    }

    /** arn:partition:lambda:region:account:function:name, without a version or alias. */
    public static String baseArn(String arn) {
        if (arn == null) return null;
        String[] p = arn.split(":");
        return p.length > 7 ? String.join(":", java.util.Arrays.copyOf(p, 7)) : arn;
    }

    /**
     * Deploy the bundled authorizer with the role and our variables; SECRET_ARN is the secret's ARN
     * as the run's snapshot holds it at apply (a secret created by this run has none at plan).
     */
    record Create(String name, String roleArn) implements Change.Diff {}

    /** Bring the bundled function up to date: its code, and/or its runtime, handler and role. */
    record Update(String name, boolean code, boolean configuration, String roleArn) implements Change.Diff {}

    /** Delete the bundled function (its variables and invoke permission go with it). */
    record Delete(String name) implements Change.Diff {}

    @Override
    public Change plan(Wiring w) {
        String name = w.functionName();
        if (!w.target.managedFunction()) {
            return Change.ok(name(), name, "your function; only its SECRET_ARN variable is managed");
        }
        if (w.function().isEmpty()) {
            return new Change(
                    name(),
                    name,
                    Change.Action.CREATE,
                    "bundled authorizer, " + Names.RUNTIME + ", " + (BundledAuthorizer.zip().length + 1023) / 1024
                            + " KB zipped",
                    new Create(name, w.roleArn()));
        }
        State.Function f = w.function().get();
        if (!f.managed()) {
            throw ExitException.badInput(
                    "Lambda function " + name + " exists and is not managed by secure-api",
                    "pass --function " + name + " to use it as the authorizer, or delete it");
        }
        List<String> why = new ArrayList<>();
        boolean code = !BundledAuthorizer.codeSha256().equals(f.codeSha256());
        if (code) why.add("deploy the current bundled code");
        if (!Names.RUNTIME.equals(f.runtime())) why.add("runtime " + f.runtime() + " → " + Names.RUNTIME);
        if (!Names.HANDLER.equals(f.handler())) why.add("handler → " + Names.HANDLER);
        if (!w.roleArn().equals(f.role())) why.add("role → " + Names.managedRoleName(w.apiId()));
        if (why.isEmpty()) return Change.ok(name(), name, "bundled authorizer, current");
        boolean configuration = !Names.RUNTIME.equals(f.runtime())
                || !Names.HANDLER.equals(f.handler())
                || !w.roleArn().equals(f.role());
        return new Change(
                name(),
                name,
                Change.Action.UPDATE,
                String.join("; ", why),
                new Update(name, code, configuration, w.roleArn()));
    }

    /**
     * A warning when the plan updates the user's function (its environment) while its runtime is past
     * the day Lambda blocks function updates on it (verify's function.runtime says so too): the update
     * may be refused. Empty otherwise. Dates: docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
     */
    public static Optional<String> blockedUpdate(Wiring w, List<Change> plan, LocalDate today) {
        if (w.target.managedFunction() || w.function().isEmpty()) return Optional.empty();
        State.Function f = w.function().get();
        Optional<LambdaRuntimes.Schedule> s = LambdaRuntimes.schedule(f.runtime());
        if (s.isEmpty()
                || s.get().blockUpdate() == null
                || today.isBefore(s.get().blockUpdate())) return Optional.empty();
        List<String> updates = plan.stream()
                .filter(c -> c.changes() && c.piece().equals(EnvVarPiece.NAME))
                .map(c -> c.piece() + ": " + c.detail())
                .toList();
        if (updates.isEmpty()) return Optional.empty();
        return Optional.of("Lambda function " + f.name() + " runs on " + f.runtime()
                + ", whose function updates Lambda has blocked since " + s.get().blockUpdate()
                + " (per Lambda's schedule as of " + LambdaRuntimes.AS_OF + "): the planned update ("
                + String.join("; ", updates) + ") may be refused; move the function to a supported runtime (e.g. "
                + Names.RUNTIME + ") first");
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        String name;
        if (change.diff() instanceof Create c) {
            name = c.name();
            if (!create(w, c)) {
                // another run created it meanwhile: its variables are merged in as ours would have been set
                State.Function theirs = find(w, name).orElse(null);
                return EnvVarPiece.merge(w.on(w.snapshot().with(b -> b.function = theirs)), EnvVarPiece.desired(w));
            }
        } else {
            Update u = change.diff(Update.class);
            name = u.name();
            State.Function f = w.function().orElseThrow();
            if ("InProgress".equals(f.lastUpdateStatus())) waitUpdated(w, name);
            if (u.code()) {
                run(
                        "updating the code of Lambda function " + name,
                        w.region(),
                        () -> w.aws.lambda()
                                .updateFunctionCode(r ->
                                        r.functionName(name).zipFile(SdkBytes.fromByteArray(BundledAuthorizer.zip()))));
                waitUpdated(w, name);
            }
            if (u.configuration()) {
                run(
                        "updating the configuration of Lambda function " + name,
                        w.region(),
                        () -> w.aws.lambda()
                                .updateFunctionConfiguration(r -> r.functionName(name)
                                        .runtime(Names.RUNTIME)
                                        .handler(Names.HANDLER)
                                        .role(u.roleArn())));
                waitUpdated(w, name);
            }
        }
        State.Function now = find(w, name).orElse(null);
        return w.snapshot().with(b -> b.function = now);
    }

    /**
     * CreateFunction answers these while a new role (or its KMS grant) has not reached Lambda yet; the
     * same messages terraform-provider-aws retries (internal/service/lambda/function.go, retryFunctionOp).
     */
    static final List<String> IAM_PROPAGATION_MESSAGES = List.of(
            "The role defined for the function cannot be assumed by Lambda",
            "The provided execution role does not have permissions",
            "Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant");

    static boolean iamPropagation(InvalidParameterValueException e) {
        String m = message(e);
        return IAM_PROPAGATION_MESSAGES.stream().anyMatch(m::contains);
    }

    /** Lambda's answer where a region lacks Graviton: 'Architecture "arm64" is not supported in eu-west-3. Please select "x86_64" …'. */
    static boolean arm64Unsupported(InvalidParameterValueException e) {
        String m = message(e);
        return m.contains("arm64") && m.contains("not supported");
    }

    private static String message(InvalidParameterValueException e) {
        String m = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return m != null ? m : e.getMessage() == null ? "" : e.getMessage();
    }

    /** Creates the function; false when another run created it meanwhile (that one is used). */
    private static boolean create(Wiring w, Create planned) {
        String name = planned.name();
        // our variables with the secret's ARN as it is now: the secret piece has applied by this point
        Map<String, String> env = EnvVarPiece.desired(w);
        Map<String, String> tags = Map.of(Names.TAG_MANAGED, "true", Names.TAG_API_ID, w.apiId());
        Backoff backoff = Backoff.iamPropagation();
        Architecture[] arch = {Architecture.ARM64};
        boolean created = call("creating Lambda function " + name, w.region(), () -> {
            while (true) {
                try {
                    w.aws.lambda()
                            .createFunction(r -> r.functionName(name)
                                    .runtime(Names.RUNTIME)
                                    .handler(Names.HANDLER)
                                    .role(planned.roleArn())
                                    .architectures(arch[0])
                                    .memorySize(128)
                                    .timeout(5)
                                    .description("secure-api authorizer for HTTP API " + w.apiId())
                                    .code(c -> c.zipFile(SdkBytes.fromByteArray(BundledAuthorizer.zip())))
                                    .environment(e -> e.variables(env))
                                    .tags(tags));
                    return true;
                } catch (InvalidParameterValueException e) {
                    if (arch[0] == Architecture.ARM64 && arm64Unsupported(e)) {
                        // Graviton is not in every region: the authorizer runs the same on x86_64.
                        w.progress.say("note: Lambda has no arm64 in " + w.region() + "; deploying " + name
                                + " on x86_64 instead");
                        arch[0] = Architecture.X86_64;
                        continue;
                    }
                    if (!iamPropagation(e)
                            || !backoff.retry(w.progress, "waiting for the new IAM role to reach Lambda")) throw e;
                } catch (ResourceConflictException e) {
                    // Another run created it meanwhile: use that one.
                    return false;
                }
            }
        });
        w.progress.say("waiting for Lambda function " + name + " to become Active…");
        run(
                "waiting for Lambda function " + name + " to become Active",
                w.region(),
                () -> Waits.timed(() -> w.aws.lambda().waiter().waitUntilFunctionActiveV2(r -> r.functionName(name))));
        return created;
    }

    /**
     * Waits until the function's LastUpdateStatus is Successful (the SDK waiter, which polls
     * GetFunction); answers the GetFunction that saw it so, when the waiter kept it.
     */
    public static Optional<GetFunctionResponse> waitUpdated(Wiring w, String name) {
        return call(
                "waiting for Lambda function " + name + " to finish updating",
                w.region(),
                () -> Waits.timed(() -> w.aws.lambda()
                        .waiter()
                        .waitUntilFunctionUpdatedV2(r -> r.functionName(name))
                        .matched()
                        .response()));
    }

    // teardown

    /** The bundled function is deleted only when secure-api deployed it for this API (tag secure-api:managed=true). */
    static boolean deletes(Wiring w) {
        return w.target.managedFunction()
                && w.function()
                        .map(f -> f.managed() && w.apiId().equals(f.tags().getOrDefault(Names.TAG_API_ID, w.apiId())))
                        .orElse(false);
    }

    @Override
    public Change planRemoval(Wiring w) {
        String name = w.functionName();
        if (!w.target.managedFunction()) return Change.ok(name(), name, "your function; kept");
        if (w.function().isEmpty()) return Change.ok(name(), name, "not found");
        if (!deletes(w)) return Change.ok(name(), name, "not tagged " + Names.TAG_MANAGED + "=true for this API; kept");
        return new Change(
                name(),
                name,
                Change.Action.DELETE,
                "bundled authorizer (its variables and invoke permission go with it)",
                new Delete(name));
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        String name = change.diff(Delete.class).name();
        unlessGone(
                "deleting Lambda function " + name,
                w.region(),
                ResourceNotFoundException.class,
                () -> w.aws.lambda().deleteFunction(r -> r.functionName(name)));
        return w.snapshot().with(b -> {
            b.function = null;
            b.functionPolicy = null;
        });
    }

    // verify

    /**
     * function.exists, then function.active, function.env, function.runtime and, for the bundled
     * authorizer, function.bundled. An environment a published version cannot change leaves out function.bundled.
     */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        String fn = w.functionName();
        String res = "Lambda function " + fn;
        boolean managed = w.target.managedFunction();
        if (w.function().isEmpty()) {
            return List.of(
                    Check.fail(
                            "function.exists",
                            res,
                            "Lambda function " + fn + " not found in " + w.region()
                                    + ": API Gateway cannot run the authorizer",
                            managed
                                    ? Check.SETUP_FIX + " (it deploys the bundled authorizer)"
                                    : "restore your function " + fn
                                            + ", or run secure-api setup --function NAME with the function that should check the key"));
        }
        State.Function f = w.function().get();
        List<Check> out = new ArrayList<>();
        out.add(Check.pass(
                "function.exists",
                res,
                "Lambda function " + fn + " exists" + (managed ? " (the bundled authorizer)" : " (your authorizer)")));
        out.add(active(w, f, res));
        Change env;
        try {
            env = new EnvVarPiece().plan(w);
        } catch (ExitException immutable) {
            // a published version without the variable: only a new version can fix it
            out.add(Check.fail("function.env", res, immutable.getMessage(), immutable.hint()));
            out.add(runtime(w, f, res, o.today()));
            return out;
        }
        out.add(env(w, env, fn, res));
        out.add(runtime(w, f, res, o.today()));
        if (managed) out.add(bundled(w, fn, res));
        return out;
    }

    private static Check active(Wiring w, State.Function f, String res) {
        String fn = f.name();
        boolean failed = "Failed".equals(f.state()) || "Failed".equals(f.lastUpdateStatus());
        if (failed) {
            String what = "Failed".equals(f.state()) ? "is in state Failed" : "had its last update fail";
            return Check.fail(
                    "function.active",
                    res,
                    "Lambda function " + fn + " " + what + ": the authorizer cannot run",
                    w.target.managedFunction()
                            ? Check.SETUP_FIX
                            : "see why: aws lambda get-function-configuration --function-name " + fn
                                    + " (StateReason, LastUpdateStatusReason)");
        }
        if (!"Active".equals(f.state())) {
            String why = "Inactive".equals(f.state())
                    ? "it was idle long enough for Lambda to reclaim its resources; the first requests fail until it is Active again"
                    : "it is still being created or updated; run verify again in a minute";
            return Check.warn(
                    "function.active",
                    res,
                    "Lambda function " + fn + " is " + f.state() + ", not Active: " + why,
                    "invoke it once or wait until it is Active (aws lambda get-function-configuration --function-name "
                            + fn + ")");
        }
        return Check.pass("function.active", res, "Lambda function " + fn + " is Active");
    }

    private static Check env(Wiring w, Change env, String fn, String res) {
        if (!env.changes()) {
            return Check.pass(
                    "function.env",
                    res,
                    Names.ENV_SECRET_ARN + " of Lambda function " + fn + " points at secret " + w.target.secretName());
        }
        return Check.fail(
                "function.env",
                res,
                "the environment of Lambda function " + fn + " does not point at secret " + w.target.secretName() + ": "
                        + env.detail(),
                Check.SETUP_FIX + " (it merges the variable; others are kept)");
    }

    private static Check runtime(Wiring w, State.Function f, String res, LocalDate today) {
        String fn = f.name();
        if (f.runtime() == null || f.runtime().isBlank()) {
            return Check.pass(
                    "function.runtime", res, "Lambda function " + fn + " is a container image (no managed runtime)");
        }
        Optional<String> concern = LambdaRuntimes.concern(f.runtime(), today);
        if (concern.isEmpty())
            return Check.pass(
                    "function.runtime",
                    res,
                    "Lambda function " + fn + " runs on " + f.runtime() + ", a supported runtime");
        // "runs on nodejs20.x, deprecated since …": the concern starts with the runtime's name
        String why = concern.get().startsWith(f.runtime() + " is ")
                ? concern.get().substring(f.runtime().length() + 4)
                : concern.get().startsWith(f.runtime() + " will be ")
                        ? "to be " + concern.get().substring(f.runtime().length() + 9)
                        : concern.get();
        return Check.warn(
                "function.runtime",
                res,
                "Lambda function " + fn + " runs on " + f.runtime() + ", " + why,
                w.target.managedFunction() && !Names.RUNTIME.equals(f.runtime())
                        ? Check.SETUP_FIX + " (it moves the bundled authorizer to " + Names.RUNTIME + ")"
                        : w.target.managedFunction()
                                ? "upgrade secure-api, then " + Check.SETUP_FIX
                                : "move it to a supported runtime after testing your code on it: aws lambda update-function-configuration --function-name "
                                        + fn + " --runtime " + Names.RUNTIME);
    }

    /** function.bundled: the plan would change nothing (code, runtime, handler, role); a function not ours fails instead of exiting. */
    private Check bundled(Wiring w, String fn, String res) {
        Change c;
        try {
            c = plan(w);
        } catch (ExitException e) {
            return Check.fail("function.bundled", res, e.getMessage(), e.hint());
        }
        if (c.changes()) {
            return Check.fail(
                    "function.bundled",
                    res,
                    "Lambda function " + fn + " is not the bundled authorizer as this secure-api deploys it: "
                            + c.detail(),
                    Check.SETUP_FIX + " (after upgrading secure-api, run it once to deploy the new code)");
        }
        return Check.pass(
                "function.bundled",
                res,
                "Lambda function " + fn + " runs this version's bundled authorizer (code, runtime, handler, role)");
    }
}
