package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import java.util.List;
import java.util.Optional;

/**
 * The actual state of everything the tool wires on one API, read once, then updated as pieces
 * apply their changes (an id AWS assigns on create is needed by the next piece).
 */
public final class Wiring {
    public final Target target;
    public final AwsClients aws;
    public final Progress progress;
    public final Optional<ProjectConfig> previous;

    String partition;
    String account;
    State.Api api;
    List<State.Route> routes = List.of();
    List<State.Authorizer> authorizers = List.of();
    Optional<State.Secret> secret = Optional.empty();
    Optional<String> secretValue = Optional.empty();
    Optional<String> previousSecretValue = Optional.empty();
    Optional<String> secretPolicy = Optional.empty();
    Optional<State.Function> function = Optional.empty();
    Optional<State.Role> role = Optional.empty();
    Optional<String> functionPolicy = Optional.empty();
    List<State.Stage> stages = List.of();
    /** What each stage without AutoDeploy serves (its deployment's export), by stage name. */
    java.util.Map<String, StagesPiece.Deployed> deployed = java.util.Map.of();
    /** --deploy-stages: setup and teardown may deploy stages without AutoDeploy. */
    boolean deployStages;
    /** The version the function (or its alias) resolves to: "$LATEST", or a published version's number. */
    String functionVersion = "$LATEST";
    /** The secret's KmsKeyId as DescribeSecret gives it (null: the AWS-managed key). */
    String secretKmsKeyId;
    /** Its customer-managed key, resolved (empty: the AWS-managed key); the bundled role's KMS policy; a reader role's policies (verify). */
    Optional<KeyDecryptionPiece.Key> kmsKey = Optional.empty();
    Optional<String> kmsRolePolicy = Optional.empty();
    KeyDecryptionPiece.RolePolicies readerPolicies;
    /** The bundled function's log group; the retention setup was asked for (null: keep or default). */
    Optional<LogGroupPiece.Group> logGroup = Optional.empty();
    Integer logRetentionDays;
    /** The API's integrations, and the header setup --forward-key-name asked for (null: none asked now). */
    List<KeyNameForwardingPiece.Integration> integrations = List.of();
    String forwardKeyName;

    /** What teardown keeps and how (unused by setup). */
    Teardown.Options removal = Teardown.Options.DEFAULT;

    /** Told of each new key before it is stored (the write-ahead) and whether it was. */
    public PendingKeys.Handover handover = PendingKeys.Handover.NONE;

    /** Keys made or taken by this run; shown once by the command, never stored elsewhere. */
    ApiKey newLiveKey;
    ApiKey newDevKey;

    public Wiring(Target target, AwsClients aws, Progress progress, Optional<ProjectConfig> previous) {
        this.target = target;
        this.aws = aws;
        this.progress = progress;
        this.previous = previous.filter(ProjectConfig.forApi(target.apiId()));
    }

    public String region() {
        return target.region();
    }

    public String apiId() {
        return target.apiId();
    }

    public String partition() {
        return partition;
    }

    public String account() {
        return account;
    }

    public State.Api api() {
        return api;
    }

    public List<State.Route> routes() {
        return routes;
    }

    public List<State.Authorizer> authorizers() {
        return authorizers;
    }

    public Optional<State.Secret> secret() {
        return secret;
    }

    public Optional<String> secretPolicy() {
        return secretPolicy;
    }

    public Optional<State.Function> function() {
        return function;
    }

    public List<State.Stage> stages() {
        return stages;
    }

    public Optional<String> functionPolicy() {
        return functionPolicy;
    }

    public Optional<ApiKey> newLiveKey() {
        return Optional.ofNullable(newLiveKey);
    }

    public Optional<ApiKey> newDevKey() {
        return Optional.ofNullable(newDevKey);
    }

    public String functionName() {
        return target.function().map(Wiring::nameOf).orElse(Names.managedFunctionName(apiId()));
    }

    static String nameOf(String nameOrArn) {
        return Arns.parse(nameOrArn).map(p -> p.resource().replaceFirst("^function:", "").replaceFirst(":.*$", ""))
                .orElse(nameOrArn.replaceFirst(":.*$", ""));
    }

    public String functionArn() {
        return function.map(State.Function::arn)
                .orElse("arn:" + partition + ":lambda:" + region() + ":" + account + ":function:" + functionName());
    }

    /** The alias or version of --function (…:function:fn:live, fn:7), if it has one. */
    public Optional<String> qualifier() {
        return target.function().flatMap(Wiring::qualifierOf);
    }

    static Optional<String> qualifierOf(String nameOrArn) {
        String[] p = nameOrArn.split(":");
        if (nameOrArn.startsWith("arn:")) return p.length >= 8 && !p[7].isBlank() ? Optional.of(p[7]) : Optional.empty();
        return p.length == 2 && !p[1].isBlank() ? Optional.of(p[1]) : Optional.empty();
    }

    /** The function as API Gateway calls it: with its alias or version when --function named one. */
    public String qualifiedFunctionArn() {
        return functionArn() + qualifier().map(q -> ":" + q).orElse("");
    }

    /** The function resolves to a published version: its configuration (environment) can never change. */
    public boolean publishedVersion() {
        return !"$LATEST".equals(functionVersion);
    }

    public String roleArn() {
        if (target.managedFunction()) return Arns.role(partition, account, Names.managedRoleName(apiId()));
        return function.map(State.Function::role).orElse(null);
    }

    /** The secret's ARN, or null while it is still to be created. */
    public String secretArn() {
        return secret.map(State.Secret::arn).orElse(null);
    }

    public Optional<State.Authorizer> ourAuthorizer() {
        return authorizers.stream().filter(a -> a.name().equals(target.authorizerName())).findFirst();
    }

    public String authorizerUri() {
        return Arns.authorizerUri(partition, region(), qualifiedFunctionArn());
    }

    void putAuthorizer(State.Authorizer a) {
        List<State.Authorizer> out = new java.util.ArrayList<>(authorizers.stream().filter(x -> !x.id().equals(a.id())).toList());
        out.add(0, a);
        authorizers = List.copyOf(out);
    }

    void replaceRoute(State.Route updated) {
        routes = routes.stream().map(r -> r.id().equals(updated.id()) ? updated : r).toList();
    }
}
