package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.apigatewayv2.model.Authorizer;
import software.amazon.awssdk.services.secretsmanager.model.Filter;
import software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType;

/**
 * Two setups on one API at once (two CI jobs, two teammates): they end with one authorizer, one
 * secret, one policy statement — or the loser fails with one clear line and a rerun converges.
 */
class ConcurrencyIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    @RepeatedTest(3)
    void twoSetupsAtOnce_endWithOneOfEachPiece() throws Exception {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /items");
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<Run>> runs = List.of(1, 2).stream()
                    .map(i -> CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    start.await();
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                                return Run.cli(dir.resolve("job" + i + ".json"), "setup", "--api-id", api);
                            },
                            pool))
                    .toList();
            List<Run> done = runs.stream().map(CompletableFuture::join).toList();
            for (Run r : done) {
                if (r.exitCode != 0) {
                    assertThat(r.exitCode)
                            .as("the loser fails as an AWS conflict: " + r)
                            .isIn(1, 3);
                    assertThat(r.err.lines().filter(l -> l.startsWith("error: ")))
                            .as(r.toString())
                            .hasSize(1);
                    assertThat(r.err).doesNotContain("\tat ");
                }
            }
            assertThat(done).as("at least one finishes: " + done).anyMatch(r -> r.exitCode == 0);
            List<String> keys = done.stream()
                    .filter(r -> r.out.contains("Key value:"))
                    .map(r -> r.out.lines()
                            .filter(l -> l.contains("Key value:"))
                            .findFirst()
                            .orElseThrow()
                            .replaceFirst(".*Key value:\\s*", ""))
                    .filter(k -> k.startsWith("sak_"))
                    .distinct()
                    .toList();
            assertThat(keys)
                    .as("one key, shown by the run that made it: " + done)
                    .hasSize(1);

            assertOneOfEach(api, keys.get(0));
            Run rerun = Run.cli(dir.resolve("job1.json"), "setup", "--api-id", api);
            assertThat(rerun.exitCode).as(rerun.toString()).isZero();
            assertOneOfEach(api, keys.get(0));
            Run converged = Run.cli(dir.resolve("job1.json"), "setup", "--api-id", api);
            assertThat(converged.writes()).as(converged.toString()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    void assertOneOfEach(String api, String key) {
        List<Authorizer> authorizers =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items();
        assertThat(authorizers).as("one authorizer").hasSize(1);
        String id = authorizers.get(0).authorizerId();
        assertThat(aws.route(api, "$default").authorizerId()).isEqualTo(id);
        assertThat(aws.route(api, "GET /items").authorizerId()).isEqualTo(id);

        String name = "secure-api/" + api + "/api-key";
        var secrets = aws.secrets
                .listSecrets(r -> r.filters(Filter.builder()
                        .key(FilterNameStringType.NAME)
                        .values(name)
                        .build()))
                .secretList();
        assertThat(secrets).as("one secret").hasSize(1);
        assertThat(aws.secrets.listSecretVersionIds(r -> r.secretId(name)).versions())
                .as("one version")
                .hasSize(1);
        assertThat(Digests.isCurrent(
                        aws.secrets.getSecretValue(r -> r.secretId(name)).secretString(), "live", key))
                .isTrue();

        PolicyText policy = PolicyText.parse(
                aws.secrets.getResourcePolicy(r -> r.secretId(name)).resourcePolicy());
        assertThat(policy.statements().stream().filter(s -> "SecureApiAuthorizerRead".equals(s.get("Sid"))))
                .as("one statement")
                .hasSize(1);

        String fn = "secure-api-authorizer-" + api;
        PolicyText fnPolicy =
                PolicyText.parse(aws.lambda.getPolicy(r -> r.functionName(fn)).policy());
        List<Map<String, Object>> ours = fnPolicy.statements().stream()
                .filter(s -> ("secure-api-invoke-" + api).equals(s.get("Sid")))
                .toList();
        assertThat(ours).as("invoke permission").isNotEmpty();
        assertThat(ours).allSatisfy(s -> assertThat(s.toString()).contains("/authorizers/" + id));
    }

    /** Runs {@code args(i)} for i = 1..n at once (a barrier lets them start together), each with its own config. */
    List<Run> atOnce(int n, java.util.function.IntFunction<String[]> args) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<CompletableFuture<Run>> runs = java.util.stream.IntStream.rangeClosed(1, n)
                    .mapToObj(i -> CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    java.nio.file.Files.createDirectories(dir.resolve("job" + i));
                                    start.await();
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                                return Run.cli(dir.resolve("job" + i).resolve("secure-api.json"), args.apply(i));
                            },
                            pool))
                    .toList();
            return runs.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }
    }

    static final java.util.regex.Pattern GENERATED =
            java.util.regex.Pattern.compile("sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}");

    static List<String> generated(String text) {
        java.util.regex.Matcher m = GENERATED.matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group());
        return out;
    }

    String setupForKeys() {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                dir.resolve("setup.json"),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live.key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        return api;
    }

    String currentValue(String api) {
        return aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
    }

    /** Four operators add four different keys at once: each run reads again after losing the race, and all land. */
    @RepeatedTest(2)
    void fourKeysAddsAtOnce_differentNames_allSucceed() throws Exception {
        String api = setupForKeys();
        List<Run> done = atOnce(4, i -> new String[] {"keys", "add", "partner-" + i, "--api-id", api});
        String value = currentValue(api);
        for (int i = 1; i <= 4; i++) {
            Run r = done.get(i - 1);
            assertThat(r.exitCode).as("run " + i + ": " + r).isZero();
            List<String> keys = generated(r.out);
            assertThat(keys).as(r.toString()).hasSize(1);
            assertThat(Digests.isCurrent(value, "partner-" + i, keys.get(0)))
                    .as("partner-" + i + " works")
                    .isTrue();
            assertThat(dir.resolve("job" + i).resolve("secure-api.json.pending"))
                    .doesNotExist();
        }
        assertThat(Digests.isCurrent(
                        value,
                        "live",
                        java.nio.file.Files.readString(dir.resolve("live.key")).strip()))
                .as("no run dropped another's key, nor the live one")
                .isTrue();
    }

    /** Two operators add the same name at once: one wins; the other is exit 2 "already exists" and shows nothing. */
    @RepeatedTest(2)
    void twoKeysAddsAtOnce_sameName_oneWins_theOtherIsExit2AndShowsNothing() throws Exception {
        String api = setupForKeys();
        List<Run> done = atOnce(2, i -> new String[] {"keys", "add", "partner-a", "--api-id", api});
        List<Run> won = done.stream().filter(r -> r.exitCode == 0).toList();
        assertThat(won).as("one winner: " + done).hasSize(1);
        Run lost = done.stream().filter(r -> r.exitCode != 0).findFirst().orElseThrow();
        assertThat(lost.exitCode).as(lost.toString()).isEqualTo(2);
        assertThat(lost.err).contains("error:").contains("key partner-a already exists");
        assertThat(generated(lost.all()))
                .as("nothing shown that does not work: " + lost)
                .isEmpty();
        List<String> keys = generated(won.get(0).out);
        assertThat(keys).hasSize(1);
        assertThat(Digests.isCurrent(currentValue(api), "partner-a", keys.get(0)))
                .isTrue();
        for (int i = 1; i <= 2; i++) {
            assertThat(dir.resolve("job" + i).resolve("secure-api.json.pending"))
                    .as("no write-ahead record left (the loser's key was not stored)")
                    .doesNotExist();
        }
    }
}
