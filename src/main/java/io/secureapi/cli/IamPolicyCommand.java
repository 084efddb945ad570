package io.secureapi.cli;

import io.secureapi.config.ConfigFile;
import io.secureapi.config.ProjectConfig;
import io.secureapi.error.ExitException;
import io.secureapi.support.Arns;
import io.secureapi.support.Json;
import io.secureapi.support.Names;
import io.secureapi.support.Policies;
import io.secureapi.support.PolicyScope;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "iam-policy",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Print the IAM policy an operator role needs, scoped to your APIs and functions.",
            "",
            "It starts from the policy file the manual explains (policies/operator-*.json, the",
            "ones the test suite proves with an IAM policy simulator) and replaces each wildcard",
            "with what you name: the API ids (routes, authorizers, stages of those APIs only),",
            "their regions and partition, the bundled function, role and log group of each API,",
            "its key secret, and --function NAME for your own authorizer function. Every",
            "condition of the file stays (KMS only through Secrets Manager and only for these",
            "secrets, REQUEST authorizers on functions of the account, route updates with the",
            "authorization types secure-api writes, no Lambda layers). What you do not name",
            "stays a wildcard. No AWS call is made: paste the JSON into IAM.",
            "",
            "--for keys prints the setup policy (keys, rotate-key and teardown share it).",
            "Without --function the YourAuthorizerFunction statements are left out.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api iam-policy --for verify --env prod > verify-policy.json",
            "  secure-api iam-policy --for setup --api-id a1b2c3d4e5 --region eu-west-1",
            "  secure-api iam-policy --for setup --all",
            "  secure-api iam-policy --for setup --env prod --function orders-authorizer",
            "  secure-api iam-policy --for scan --regions eu-west-1,us-east-1",
            "",
            "The manual (src/site/markdown/iam-policies.md) explains every statement and what no",
            "condition key can narrow.",
            "",
            "Exit codes: 0 printed, 2 bad usage (an unknown entry, scan with --api-id, ...)."
        })
public class IamPolicyCommand extends AwsCommand {
    public enum For {
        setup,
        verify,
        scan,
        keys,
        usage
    }

    @Option(
            names = "--for",
            required = true,
            paramLabel = "COMMAND",
            description = "The commands the role runs: setup, verify, scan, keys or usage.")
    For forCommand;

    @Mixin
    ApiIdOption apiId = new ApiIdOption();

    @Option(
            names = "--function",
            paramLabel = "NAME",
            description = "Your own authorizer function (name, name:alias or ARN), for --function installs.")
    String function;

    @Option(names = "--all", description = "Every entry of secure-api.json.")
    boolean all;

    @Option(
            names = "--regions",
            split = ",",
            paramLabel = "R1,R2",
            description = "scan only: the regions it scans (default: any).")
    List<String> regions = new ArrayList<>();

    @Override
    protected boolean recoversKeys() {
        return false;
    }

    @Override
    protected int run() {
        List<String> apiIds = apiIdOption() == null ? List.of() : List.of(apiIdOption());
        Optional<String> env = envOption();
        if (forCommand == For.scan && (!apiIds.isEmpty() || function != null || env.isPresent() || all)) {
            throw ExitException.badInput(
                    "scan reads every API of each region: --for scan takes only --regions",
                    "drop --api-id, --function, --env and --all, e.g. secure-api iam-policy --for scan --regions eu-west-1");
        }
        if (forCommand != For.scan && !regions.isEmpty()) {
            throw ExitException.badInput(
                    "--regions is for --for scan; the other policies take their regions from the APIs",
                    "pass --region REGION with --api-id, or --env NAME");
        }
        if (all && env.isPresent() || !apiIds.isEmpty() && (all || env.isPresent())) {
            throw ExitException.badInput(
                    "--api-id, --env and --all each pick the APIs: give one of them",
                    "e.g. secure-api iam-policy --for " + forCommand + " --env prod");
        }
        for (String id : apiIds) {
            if (!id.matches(ApiIdOption.PATTERN)) {
                throw ExitException.badInput(
                        "--api-id " + id + " is not an API Gateway id (lower-case letters and digits)",
                        "list your HTTP APIs with: aws apigatewayv2 get-apis");
            }
        }
        String yourFunction = function == null ? null : functionName(function);
        if (yourFunction != null && apiIds.isEmpty() && env.isEmpty() && !all) {
            throw ExitException.badInput(
                    "--function scopes the policy of an API: name the API too", "add --api-id ID or --env NAME");
        }
        List<String> badRegions = regions.stream()
                .filter(r -> !r.matches("[a-z]{2}(-[a-z]+)+-\\d"))
                .toList();
        if (!badRegions.isEmpty()) {
            throw ExitException.badInput(
                    "--regions " + String.join(",", badRegions) + " is not a region name",
                    "e.g. --regions eu-west-1,us-east-1");
        }
        List<PolicyScope.Api> apis = new ArrayList<>();
        String region = root().aws.region;
        for (String id : apiIds)
            apis.add(new PolicyScope.Api(id, region, null, Names.defaultSecretName(id), yourFunction));
        if (env.isPresent() || all) {
            ConfigFile file = configFile()
                    .orElseThrow(() -> ExitException.badInput(
                            "no " + configPath() + " to take the APIs from",
                            "pass --api-id ID (and --region REGION), or --config FILE"));
            List<String> names = all ? file.names() : List.of(env.get());
            for (String name : names) {
                ProjectConfig c = file.entry(name)
                        .orElseThrow(() -> ExitException.badInput(
                                configPath() + " has no entry " + name + " (entries: " + file.listing() + ")",
                                "pass --env with one of them, or --all"));
                apis.add(fromEntry(c, yourFunction));
            }
        }
        String template = "operator-" + (forCommand == For.keys ? "setup" : forCommand.name()) + ".json";
        Map<String, Object> doc = Json.parseObject(load(template));
        Map<String, Object> scoped = new PolicyScope(apis, regions).apply(doc);
        out().println(Json.pretty(scoped));
        if (apis.isEmpty() && regions.isEmpty())
            err().println("note: not scoped (any API, any region): pass --api-id, --env or --all to name yours");
        return 0;
    }

    /** The template, or exit 2 when this build has none for the command (usage comes with its command). */
    private String load(String template) {
        try (InputStream in = Policies.class.getResourceAsStream("/policies/" + template)) {
            if (in == null) {
                throw ExitException.badInput(
                        "this secure-api has no policy template policies/" + template + " for --for " + forCommand,
                        "use --for setup, verify, scan or keys, or a secure-api release whose " + forCommand
                                + " command ships its policy");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Policies.load(template);
    }

    private static PolicyScope.Api fromEntry(ProjectConfig c, String yourFunction) {
        Optional<Arns.Parsed> fn = Arns.parse(c.functionArn());
        Optional<Arns.Parsed> secret = Arns.parse(c.secretArn());
        String account = fn.map(Arns.Parsed::account)
                .or(() -> secret.map(Arns.Parsed::account))
                .orElse(null);
        String secretName = c.secretName() != null
                ? c.secretName()
                : secret.map(s -> s.resource().replaceFirst("^secret:", "").replaceFirst("-[A-Za-z0-9]{6}$", ""))
                        .orElse(Names.defaultSecretName(c.apiId()));
        String userFunction = yourFunction;
        if (userFunction == null && c.functionArn() != null && !c.functionManaged())
            userFunction = functionName(c.functionArn());
        return new PolicyScope.Api(c.apiId(), c.region(), account, secretName, userFunction);
    }

    /** The function's name (with its qualifier) from a name, name:alias or ARN. */
    static String functionName(String given) {
        if (given.startsWith("arn:")) {
            String[] p = given.split(":");
            return p.length > 7 ? p[6] + ":" + p[7] : p.length > 6 ? p[6] : given;
        }
        if (!given.matches("[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?")) {
            throw ExitException.badInput(
                    "--function " + given + " is not a Lambda function name, name:alias or ARN",
                    "e.g. --function orders-authorizer or --function orders-authorizer:live");
        }
        return given;
    }
}
