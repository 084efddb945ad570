package io.secureapi.it;

import static io.secureapi.it.FaultProxy.op;
import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.support.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.apigatewayv2.model.Authorizer;
import software.amazon.awssdk.services.apigatewayv2.model.Route;

/**
 * setup interrupted right after each of its write steps (every later request fails), then run
 * again: the final state equals a clean run's, with no duplicate authorizer, secret, policy
 * statement or permission, and the key made before the interruption is the one in the secret.
 *
 * <p>Its tests run at the same time: each has its own APIs, proxy, functions and folder.
 */
@Execution(ExecutionMode.CONCURRENT)
class InterruptionIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    static Stream<Arguments> writeSteps() {
        return Stream.of(
                Arguments.of("secret create", op("secretsmanager.CreateSecret"), false),
                Arguments.of("role create", op("CreateRole"), false),
                Arguments.of("role policy", op("PutRolePolicy"), false),
                Arguments.of("function create", rest("POST", "/2015-03-31/functions"), false),
                // the bundled function gets its variables at creation; the user's function is updated
                Arguments.of("env var update", rest("PUT", "/2015-03-31/functions/[^/]+/configuration"), true),
                Arguments.of("secret policy", op("secretsmanager.PutResourcePolicy"), false),
                Arguments.of("authorizer create", rest("POST", "/v2/apis/[^/]+/authorizers"), false),
                Arguments.of("permission add", rest("POST", "/2015-03-31/functions/[^/]+/policy"), false),
                Arguments.of("route update", rest("PATCH", "/v2/apis/[^/]+/routes/[^/]+"), false));
    }

    /** A fresh Amplify-style API with a second route, so a route update can be interrupted halfway. */
    String api() {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /items");
        return api;
    }

    String[] setupArgs(String api, String fn) {
        return fn == null
                ? new String[] {"setup", "--api-id", api}
                : new String[] {"setup", "--api-id", api, "--function", fn};
    }

    @ParameterizedTest(name = "interrupted after {0}")
    @MethodSource("writeSteps")
    void setup_interruptedAfterAWriteStep_rerunEndsInTheStateOfACleanRun(
            String step, Predicate<FaultProxy.Request> trigger, boolean userFunction) {
        String cleanApi = api();
        String cleanFn = userFunction ? fn() : null;
        Path cleanConfig = dir.resolve("clean.json");
        Run clean = Run.cli(cleanConfig, setupArgs(cleanApi, cleanFn));
        assertThat(clean.exitCode).as(clean.toString()).isZero();

        String api = api();
        String fn = userFunction ? fn() : null;
        Path config = dir.resolve("secure-api.json");
        Run interrupted;
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.failEverythingAfter(trigger, FaultProxy.Fault.SERVER_ERROR);
            interrupted = Run.via(proxy.endpoint(), config, "", false, setupArgs(api, fn));
            assertThat(proxy.cutHappened())
                    .as("the step ran: " + proxy.operations())
                    .isTrue();
        }
        assertThat(interrupted.exitCode).as(interrupted.toString()).isEqualTo(3);
        assertThat(interrupted.err.lines().filter(l -> l.startsWith("error: ")))
                .as(interrupted.toString())
                .hasSize(1);
        String shownKey = interrupted
                .out
                .lines()
                .filter(l -> l.contains("Key value:"))
                .findFirst()
                .map(l -> l.replaceFirst(".*Key value:\\s*", ""))
                .orElse(null);
        assertThat(shownKey)
                .as("the key stored before the interruption is handed over: " + interrupted)
                .startsWith("sak_live_");

        Run rerun = Run.cli(config, setupArgs(api, fn));
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(rerun.out).doesNotContain(shownKey);
        String stored = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(
                        stored.contains("secure-api-digests")
                                ? Digests.isCurrent(stored, "live", shownKey)
                                : stored.equals(shownKey))
                .as("the key shown is the one stored")
                .isTrue();

        assertThat(snapshot(api, fn, config)).as("after " + step).isEqualTo(snapshot(cleanApi, cleanFn, cleanConfig));
        Run third = Run.cli(config, setupArgs(api, fn));
        assertThat(third.writes()).as(third.toString()).isEmpty();
    }

    String fn() {
        String name = Aws.unique("user-authorizer");
        aws.userFunction(name, Map.of("LOG_LEVEL", "info"));
        return name;
    }

    /** Everything setup wires on one API, with its generated ids replaced by placeholders. */
    String snapshot(String api, String userFn, Path config) {
        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        List<Authorizer> authorizers =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items();
        List<Object> as = new ArrayList<>();
        for (Authorizer a : authorizers) {
            ids.put(a.authorizerId(), "<authorizer>");
            as.add(List.of(
                    a.name(),
                    a.authorizerTypeAsString(),
                    a.identitySource(),
                    a.authorizerPayloadFormatVersion(),
                    a.enableSimpleResponses(),
                    a.authorizerResultTtlInSeconds(),
                    a.authorizerUri()));
        }
        s.put("authorizers", as);
        Map<String, Object> routes = new TreeMap<>();
        for (Route r : aws.routes(api)) {
            ids.put(r.routeId(), "<route " + r.routeKey() + ">");
            routes.put(r.routeKey(), r.authorizationTypeAsString() + " " + r.authorizerId());
        }
        s.put("routes", routes);

        String secretName = "secure-api/" + api + "/api-key";
        var secret = aws.secrets.describeSecret(r -> r.secretId(secretName));
        ids.put(secret.arn(), "<secret arn>");
        s.put("secretTags", secret.tags().toString());
        s.put(
                "secretVersions",
                aws.secrets
                        .listSecretVersionIds(r -> r.secretId(secretName))
                        .versions()
                        .size());
        String value = aws.secrets.getSecretValue(r -> r.secretId(secretName)).secretString();
        s.put(
                "secretShape",
                value.startsWith("{")
                        ? new TreeMap<>(JsonText.parseObject(value)).keySet().toString()
                        : "plain");
        s.put(
                "secretPolicy",
                statements(aws.secrets
                        .getResourcePolicy(r -> r.secretId(secretName))
                        .resourcePolicy()));

        String fnName = userFn == null ? "secure-api-authorizer-" + api : userFn;
        var fn = aws.lambda.getFunction(r -> r.functionName(fnName));
        s.put("functionEnv", new TreeMap<>(fn.configuration().environment().variables()));
        s.put("functionTags", fn.tags() == null ? Map.of() : new TreeMap<>(fn.tags()));
        s.put(
                "functionRuntime",
                fn.configuration().runtimeAsString() + " " + fn.configuration().handler() + " "
                        + fn.configuration().role());
        s.put(
                "functionPolicy",
                statements(aws.lambda.getPolicy(r -> r.functionName(fnName)).policy()));
        if (userFn == null) {
            String role = "secure-api-authorizer-" + api;
            s.put(
                    "roleTags",
                    aws.iam.getRole(r -> r.roleName(role)).role().tags().toString());
            s.put(
                    "rolePolicies",
                    aws.iam.listRolePolicies(r -> r.roleName(role)).policyNames());
        }
        try {
            s.put("config", JsonText.parseObject(Files.readString(config)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String text = Json.pretty(s);
        for (Map.Entry<String, String> e : ids.entrySet()) text = text.replace(e.getKey(), e.getValue());
        text = text.replace(api, "<api>");
        if (userFn != null) text = text.replace(userFn, "<fn>");
        return text;
    }

    static List<Object> statements(String policy) {
        List<Object> out = new ArrayList<>();
        PolicyText.parse(policy).statements().forEach(st -> out.add(new TreeMap<>(st).toString()));
        return out;
    }
}
