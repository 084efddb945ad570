package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** verify --all over several entries of one secure-api.json, in two regions, one of them broken, one not checkable. */
class VerifyAllIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    Run run(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--endpoint-url", LocalAws.endpoint(), "--config", config().toString()));
        return Run.raw("", Map.of(), a.toArray(String[]::new));
    }

    void setup(String env, String api, String region) {
        Run r = run(
                "setup",
                "--api-id",
                api,
                "--env",
                env,
                "--region",
                region,
                "--key-out",
                dir.resolve("key-" + env).toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> env(Map<String, Object> doc, String name) {
        return (Map<String, Object>) ((Map<String, Object>) doc.get("envs")).get(name);
    }

    @Test
    void verifyAllAndScan_withAnEarlierRunsPendingKey_stillRun_andLeaveTheRecordForItsEntry() throws Exception {
        // a region of its own: the scan reads every API of the region (see Aws(String))
        String region = "ap-northeast-1";
        Aws here = new Aws(region);
        String dev = here.amplifyApi();
        setup("dev", dev, region);
        String prod = here.amplifyApi();
        setup("prod", prod, region);
        Path pending = dir.resolve("secure-api.json.pending");
        String record = "{\"records\":[{\"env\":\"dev\",\"key\":\"live\",\"apiId\":\"" + dev
                + "\",\"region\":\"" + region + "\",\"secretId\":\"secure-api/" + dev
                + "/api-key\",\"value\":\"not-a-key-aws-holds\"}]}";
        Files.writeString(pending, record);

        Run all = run("verify", "--all");
        assertThat(all.exitCode).as(all.toString()).isZero();
        Run scan = run("scan", "--regions", region);
        assertThat(scan.exitCode).as(scan.toString()).isNotEqualTo(2);
        assertThat(Files.readString(pending)).as("left for dev's own commands").isEqualTo(record);
    }

    @Test
    void verifyAll_reportsEveryEntry_aBrokenOneAndAnUncheckableOneFailOnlyThemselves() throws Exception {
        String dev = aws.amplifyApi();
        setup("dev", dev, Aws.REGION);
        String prodRegion = "eu-west-2";
        var other = ScanIT.apigw(prodRegion);
        String prod = ScanIT.amplifyApi(other);
        setup("prod", prod, prodRegion);
        String gone = aws.amplifyApi();
        setup("gone", gone, Aws.REGION);
        // a later push adds a public route to prod; gone's API is deleted
        other.createRoute(r -> r.apiId(prod).routeKey("POST /orders"));
        aws.apigw.deleteApi(r -> r.apiId(gone));

        Run json = run("verify", "--all", "--output", "json");
        assertThat(json.exitCode).as(json.toString()).isEqualTo(1);
        assertThat(json.writes()).as("read-only: " + json.operations).isEmpty();
        Map<String, Object> doc = JsonText.parseObject(json.out);
        assertThat(doc)
                .containsEntry("command", "verify")
                .containsEntry("schemaVersion", 2L)
                .containsEntry("ok", false);
        assertThat(new ArrayList<Object>(((Map<?, ?>) doc.get("envs")).keySet()))
                .containsExactly("dev", "prod", "gone");
        assertThat(env(doc, "dev"))
                .containsEntry("ok", true)
                .containsEntry("apiId", dev)
                .containsEntry("schemaVersion", 1L)
                .containsKey("checks");
        assertThat(env(doc, "prod"))
                .containsEntry("ok", false)
                .containsEntry("apiId", prod)
                .containsEntry("region", prodRegion);
        assertThat(env(doc, "gone")).containsOnlyKeys("error", "exitCode").containsEntry("exitCode", 2L);
        assertThat((String) env(doc, "gone").get("error")).contains(gone);

        // --allow-public applies to every entry
        Run allowed = run("verify", "--all", "--output", "json", "--allow-public", "POST /orders");
        Map<String, Object> after = JsonText.parseObject(allowed.out);
        assertThat(env(after, "prod")).containsEntry("ok", true);
        assertThat(allowed.exitCode).as("gone still fails the run").isEqualTo(1);

        // text, grouped by entry
        Run text = run("verify", "--all");
        assertThat(text.exitCode).isEqualTo(1);
        assertThat(text.out)
                .contains(
                        "== entry dev (API " + dev + ")",
                        "== entry prod (API " + prod + ")",
                        "== entry gone",
                        "could not be checked",
                        "verify --all FAILED: 3 entries, 1 ok; failed: prod, gone.");
        assertThat(text.out.indexOf("== entry dev")).isLessThan(text.out.indexOf("== entry prod"));

        // JUnit: one testsuite per entry
        Path xml = dir.resolve("verify-all.xml");
        Run junit = run("verify", "--all", "--output", "junit", "--report", xml.toString());
        assertThat(junit.exitCode).isEqualTo(1);
        var dom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(Files.readString(xml).getBytes(StandardCharsets.UTF_8)));
        NodeList suites = dom.getElementsByTagName("testsuite");
        assertThat(suites.getLength()).isEqualTo(3);
        Element goneSuite = (Element) suites.item(2);
        assertThat(goneSuite.getAttribute("errors")).isEqualTo("1");
        assertThat(goneSuite.getElementsByTagName("error").getLength()).isEqualTo(1);
        assertThat(((Element) suites.item(1)).getAttribute("failures")).isNotEqualTo("0");
    }

    @Test
    void verifyAllProbe_onDigestSecretsWithoutTheirKeys_isExit2NamingEachEntrysVariable() throws Exception {
        String api = aws.amplifyApi();
        setup("my-prod", api, Aws.REGION);
        // SECURE_API_PROBE_KEY is one API's key: --all reads only each entry's own variable
        List<String> a = new ArrayList<>(
                List.of("verify", "--all", "--probe", "--output", "json", "--endpoint-url", LocalAws.endpoint()));
        a.addAll(List.of("--config", config().toString()));
        Run r = Run.raw("", Map.of("SECURE_API_PROBE_KEY", "sak_live_" + "y".repeat(43)), a.toArray(String[]::new));
        assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
        assertThat(r.all())
                .contains("SECURE_API_PROBE_KEY_MY_PROD")
                .contains("--key-file")
                .contains("keys add ci");
    }

    @Test
    void verifyAll_withASingleApiFlag_isExit2BeforeAnyAwsCall() {
        String api = aws.amplifyApi();
        setup("dev", api, Aws.REGION);
        for (String[] extra : List.of(new String[] {"--api-id", api}, new String[] {"--env", "dev"}, new String[] {
            "--probe-url", "https://x.example/"
        })) {
            List<String> a = new ArrayList<>(List.of("verify", "--all"));
            a.addAll(List.of(extra));
            Run r = run(a.toArray(String[]::new));
            assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
            assertThat(r.err).contains("error: ").contains("next: ");
            assertThat(r.operations).isEmpty();
        }
        Run none = Run.raw(
                "",
                Map.of(),
                "verify",
                "--all",
                "--endpoint-url",
                LocalAws.endpoint(),
                "--config",
                dir.resolve("none.json").toString());
        assertThat(none.exitCode).isEqualTo(2);
    }
}
