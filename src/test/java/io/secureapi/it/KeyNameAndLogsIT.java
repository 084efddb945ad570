package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewayv2.model.Integration;
import software.amazon.awssdk.services.apigatewayv2.model.IntegrationType;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;

/** setup --forward-key-name and the bundled authorizer's log group (retention, last use), read back from the emulator. */
class KeyNameAndLogsIT {
    static final String MAPPING = "overwrite:header.X-Consumer";
    final Aws aws = new Aws();
    final CloudWatchLogsClient logs = CloudWatchLogsClient.builder()
            .region(Region.of(Aws.REGION))
            .endpointOverride(java.net.URI.create(LocalAws.endpoint()))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .build();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    List<Integration> integrations(String api) {
        return aws.apigw.getIntegrations(r -> r.apiId(api)).items();
    }

    java.util.Optional<LogGroup> group(String api) {
        String name = "/aws/lambda/secure-api-authorizer-" + api;
        return logs.describeLogGroups(r -> r.logGroupNamePrefix(name)).logGroups().stream()
                .filter(g -> g.logGroupName().equals(name))
                .findFirst();
    }

    @Test
    void forwardKeyName_mapsTheHeaderOnEveryIntegration_keepsOtherMappings_verifyChecksIt_teardownRemovesOnlyIt() {
        String api = aws.amplifyApi();
        String http = integrations(api).get(0).integrationId();
        aws.apigw.updateIntegration(
                r -> r.apiId(api).integrationId(http).requestParameters(Map.of("append:header.X-Team", "blue")));
        String lambda = aws.apigw
                .createIntegration(r -> r.apiId(api)
                        .integrationType(IntegrationType.AWS_PROXY)
                        .payloadFormatVersion("2.0")
                        .integrationUri("arn:aws:lambda:us-east-1:123456789012:function:backend"))
                .integrationId();
        aws.apigw.createRoute(r -> r.apiId(api).routeKey("GET /items").target("integrations/" + lambda));

        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--forward-key-name",
                "X-Consumer",
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        for (Integration i : integrations(api)) {
            assertThat(i.requestParameters())
                    .as(i.integrationId())
                    .containsEntry(MAPPING, "$context.authorizer.keyName");
        }
        assertThat(integrations(api).stream()
                        .filter(i -> i.integrationId().equals(http))
                        .findFirst()
                        .orElseThrow()
                        .requestParameters())
                .containsEntry("append:header.X-Team", "blue");
        assertThat(Aws.configEntry(config())).containsEntry("forwardKeyName", "X-Consumer");

        Run rerun = Run.cli(config(), "setup");
        assertThat(rerun.writes())
                .as("converged, and the header kept without the flag: " + rerun)
                .isEmpty();
        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isZero();
        assertThat(verify.out).containsPattern("pass\\s+integrations.key-name");

        // drift: someone drops the mapping from the Lambda integration
        aws.apigw.updateIntegration(r -> r.apiId(api).integrationId(lambda).requestParameters(Map.of(MAPPING, "")));
        Run drifted = Run.cli(config(), "verify");
        assertThat(drifted.exitCode).as(drifted.toString()).isEqualTo(1);
        assertThat(drifted.out)
                .containsPattern("(?i)fail\\s+integrations.key-name")
                .contains(lambda);
        assertThat(Run.cli(config(), "setup").exitCode).isZero();
        assertThat(Run.cli(config(), "verify").exitCode).isZero();

        Run teardown = Run.cli(config(), "teardown", "--yes");
        assertThat(teardown.exitCode).as(teardown.toString()).isZero();
        for (Integration i : integrations(api))
            assertThat(i.requestParameters() == null ? Map.of() : i.requestParameters())
                    .doesNotContainKey(MAPPING);
        assertThat(integrations(api).stream()
                        .filter(i -> i.integrationId().equals(http))
                        .findFirst()
                        .orElseThrow()
                        .requestParameters())
                .containsEntry("append:header.X-Team", "blue");
    }

    @Test
    void forwardKeyName_badHeader_isExit2BeforeAnyCall() {
        String api = aws.amplifyApi();
        for (String bad : new String[] {"X Consumer", "Authorization", "x-amz-date", "Host"}) {
            Run r = Run.cli(config(), "setup", "--api-id", api, "--forward-key-name", bad);
            assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
            assertThat(r.writes()).isEmpty();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void logGroup_createdWithRetention_keptOnRerun_deletedByTeardown_andLastUseUnknownWithoutIt() {
        String api = aws.amplifyApi();
        Run bad = Run.cli(config(), "setup", "--api-id", api, "--log-retention-days", "31");
        assertThat(bad.exitCode).as(bad.toString()).isEqualTo(2);
        assertThat(bad.writes()).isEmpty();

        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(group(api)).get().extracting(LogGroup::retentionInDays).isEqualTo(90);
        Run thirty = Run.cli(config(), "setup", "--log-retention-days", "30");
        assertThat(thirty.exitCode).as(thirty.toString()).isZero();
        assertThat(group(api)).get().extracting(LogGroup::retentionInDays).isEqualTo(30);
        assertThat(Run.cli(config(), "setup").writes())
                .as("a retention you chose is kept")
                .isEmpty();

        Run list = Run.cli(config(), "keys", "list", "--output", "json");
        assertThat(list.exitCode).as(list.toString()).isZero();
        Map<String, Object> doc = JsonText.parseObject(list.out);
        assertThat(doc.get("lastUsedUnknownReason")).as(list.toString()).isNull();
        assertThat(list.operations).contains("CloudWatchLogs.StartQuery");

        logs.deleteLogGroup(r -> r.logGroupName("/aws/lambda/secure-api-authorizer-" + api));
        Run unknown = Run.cli(config(), "keys", "list", "--output", "json");
        assertThat(unknown.exitCode).as(unknown.toString()).isZero();
        Map<String, Object> u = JsonText.parseObject(unknown.out);
        assertThat((String) u.get("lastUsedUnknownReason")).contains("not found");
        assertThat((List<Map<String, Object>>) u.get("keys"))
                .allSatisfy(k -> assertThat(k).containsEntry("lastUsed", "unknown"));

        assertThat(Run.cli(config(), "setup").exitCode).isZero();
        assertThat(group(api)).isPresent();
        Run teardown = Run.cli(config(), "teardown", "--yes");
        assertThat(teardown.exitCode).as(teardown.toString()).isZero();
        assertThat(group(api)).isEmpty();
    }
}
