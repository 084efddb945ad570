package io.secureapi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.secureapi.error.ExitException;
import io.secureapi.model.State;
import io.secureapi.support.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** secure-api.json with one entry per API: the single-API form, the new form, and the entry a command gets. */
class ConfigFileTest {
    @TempDir
    Path dir;

    Path fixture() throws Exception {
        Path p = dir.resolve("secure-api.json");
        try (InputStream in = getClass().getResourceAsStream("/config/single-api-v1.json")) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    @Test
    void singleApiFile_isReadAsEntryDefault_andRewrittenInTheNewFormLosingNothing() throws Exception {
        Path p = fixture();
        Map<String, Object> before = Json.parseObject(Files.readString(p));
        ConfigFile f = ConfigFile.read(p).orElseThrow();
        assertThat(f.legacy()).isTrue();
        assertThat(f.names()).containsExactly("default");
        ProjectConfig c = f.entry("default").orElseThrow();
        assertThat(c.apiId()).isEqualTo("a1b2c3d4");
        assertThat(c.routes().get(0).before()).isEqualTo(new State.Authorization("JWT", "cognito1", List.of("email")));
        assertThat(c.excludedRoutes()).containsExactly("GET /health");

        ProjectConfig prod = new ProjectConfig(
                "zz99",
                "us-east-1",
                FN,
                true,
                SECRET,
                "name",
                "a9",
                "secure-api-key",
                "Authorization",
                60,
                List.of(),
                List.of(),
                null,
                null);
        f.with("prod", prod).write();

        Map<String, Object> after = Json.parseObject(Files.readString(p, StandardCharsets.UTF_8));
        assertThat(after.get("schemaVersion")).isEqualTo(2L);
        @SuppressWarnings("unchecked")
        Map<String, Object> envs = (Map<String, Object>) after.get("envs");
        assertThat(envs.keySet()).containsExactly("default", "prod");
        assertThat(envs.get("default"))
                .as("every field of the old file, unknown ones too")
                .isEqualTo(before);
        assertThat(ConfigFile.read(p).orElseThrow().entry("prod")).contains(prod);
        assertThat(ConfigFile.read(p).orElseThrow().legacy()).isFalse();
    }

    static final String FN = "arn:aws:lambda:us-east-1:123456789012:function:secure-api-authorizer-zz99";
    static final String SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:secure-api/zz99/api-key-AbCdEf";

    @Test
    void resolve_onlyEntry_namedEntry_severalWithoutName_unknownName() throws Exception {
        ProjectConfig a = new ProjectConfig(
                "aaa1",
                "us-east-1",
                FN,
                true,
                SECRET,
                "n",
                "x",
                "secure-api-key",
                "Authorization",
                300,
                List.of(),
                List.of(),
                null,
                null);
        ProjectConfig b = new ProjectConfig(
                "bbb2",
                "us-east-1",
                FN,
                true,
                SECRET,
                "n",
                "x",
                "secure-api-key",
                "Authorization",
                300,
                List.of(),
                List.of(),
                null,
                null);
        ConfigFile one = ConfigFile.empty(dir.resolve("c.json")).with("dev", a);
        assertThat(one.resolve(null)).contains("dev");
        ConfigFile two = one.with("prod", b);
        assertThat(two.resolve("prod")).contains("prod");
        assertThat(two.nameOf("bbb2")).contains("prod");
        ExitException several = catchThrowableOfType(() -> two.resolve(null), ExitException.class);
        assertThat(several.exitCode()).isEqualTo(2);
        assertThat(several.getMessage()).contains("dev, prod");
        assertThat(several.hint()).contains("--env");
        ExitException unknown = catchThrowableOfType(() -> two.resolve("staging"), ExitException.class);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.getMessage()).contains("staging").contains("dev, prod");
    }

    @Test
    void wrongFieldType_namesTheFileAndTheField_neverAClassCastOrAFlag() throws Exception {
        String[][] cases = {
            {"{\"apiId\": \"abc\", \"cacheTtl\": \"300\"}", "cacheTtl"},
            {"{\"apiId\": \"abc\", \"functionManaged\": \"yes\"}", "functionManaged"},
            {"{\"apiId\": 12}", "apiId"},
            {"{\"apiId\": \"abc\", \"routes\": {}}", "routes"},
            {
                "{\"apiId\": \"abc\", \"routes\": [{\"routeKey\": \"GET /\", \"before\": {\"authorizationScopes\": \"email\"}}]}",
                "routes[0].before.authorizationScopes"
            },
            {"{\"apiId\": \"abc\", \"excludedRoutes\": [1]}", "excludedRoutes"},
            {"{\"schemaVersion\": 2, \"envs\": {\"prod\": {\"apiId\": \"abc\", \"header\": 5}}}", "header"},
            {"{\"schemaVersion\": 2, \"envs\": []}", "envs"},
            {"{\"schemaVersion\": \"2\", \"envs\": {}}", "schemaVersion"},
            {"{\"apiId\": \"abc\", \"header\": \"X Api Key\"}", "header"},
            {"{\"apiId\": \"abc\", \"secretName\": \"bad name\"}", "secretName"},
            {"{\"apiId\": \"abc\", \"region\": \"mars\"}", "region"},
            {"{\"apiId\": \"ABC!\"}", "apiId"},
            // every field is input: a pull request that edits only this file must not weaken protection
            {"{\"apiId\": \"abc\", \"functionArn\": \"payments-prod\"}", "functionArn"},
            {"{\"apiId\": \"abc\", \"functionArn\": \"arn:aws:s3:::bucket\"}", "functionArn"},
            {"{\"apiId\": \"abc\", \"secretArn\": \"arn:aws:lambda:us-east-1:123456789012:function:f\"}", "secretArn"},
            {"{\"apiId\": \"abc\", \"authorizerId\": \"A B\"}", "authorizerId"},
            {"{\"apiId\": \"abc\", \"forwardKeyName\": \"Authorization\"}", "forwardKeyName"},
            {"{\"apiId\": \"abc\", \"header\": \"X-Api-Key\", \"forwardKeyName\": \"x-api-key\"}", "forwardKeyName"},
            {"{\"apiId\": \"abc\", \"forwardKeyName\": \"X Consumer\"}", "forwardKeyName"},
            {"{\"apiId\": \"abc\", \"excludedRoutes\": [\"everything\"]}", "excludedRoutes"},
            {"{\"apiId\": \"abc\", \"tornDown\": \"x\"}", "tornDown"},
            {"{\"apiId\": \"abc\", \"tornDown\": true}", "tornDown"},
            {
                "{\"apiId\": \"abc\", \"routes\": [{\"routeKey\": \"GET /\", \"routeId\": \"r1\", \"before\": "
                        + "{\"authorizationType\": \"OPEN\"}}]}",
                "routes[0].before.authorizationType"
            },
            {
                "{\"apiId\": \"abc\", \"routes\": [{\"routeKey\": \"GET /\", \"routeId\": \"r1\", \"before\": "
                        + "{\"authorizationType\": \"JWT\"}}]}",
                "routes[0].before.authorizerId"
            },
            {"{\"apiId\": \"abc\", \"routes\": [{\"routeKey\": \"GET /\", \"routeId\": \"r 1\"}]}", "routes[0].routeId"
            },
            {"{\"apiId\": \"abc\", \"routes\": [{\"routeKey\": \"/items\", \"routeId\": \"r1\"}]}", "routes[0].routeKey"
            },
        };
        for (String[] c : cases) {
            Path p = dir.resolve("bad.json");
            Files.writeString(p, c[0]);
            ExitException e = catchThrowableOfType(() -> ConfigFile.read(p), ExitException.class);
            assertThat(e).as(c[0]).isNotNull();
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage())
                    .as(c[0])
                    .contains(p.toString())
                    .contains("\"" + c[1] + "\"")
                    .doesNotContain("ClassCast")
                    .doesNotContain("--");
        }
    }

    @Test
    void newerSchema_isRefusedWithWhatToDo() throws Exception {
        Path p = dir.resolve("new.json");
        Files.writeString(p, "{\"schemaVersion\": 3, \"envs\": {}}");
        ExitException e = catchThrowableOfType(() -> ConfigFile.read(p), ExitException.class);
        assertThat(e.getMessage()).contains("schemaVersion 3");
    }

    @Test
    void write_isAtomicAndLeavesNoTemporaryFile() throws Exception {
        Path p = fixture();
        ConfigFile.read(p).orElseThrow().write();
        try (var files = Files.list(dir)) {
            assertThat(files.map(x -> x.getFileName().toString())).containsExactly("secure-api.json");
        }
        Path fresh = dir.resolve("sub/fresh.json");
        ConfigFile.empty(fresh)
                .with("dev", ConfigFile.read(p).orElseThrow().entry("default").orElseThrow())
                .write();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)))
                .as("meant to be committed: readable like any source file")
                .isEqualTo("rw-r--r--");
    }

    @Test
    void aConfigNestedThousandsOfLevelsDeep_isBadInputInOneLine_notAStackOverflow() throws Exception {
        Path p = dir.resolve("deep.json");
        Files.writeString(p, "{\"envs\": " + "[".repeat(3000) + "]".repeat(3000) + "}");
        ExitException e = catchThrowableOfType(() -> ConfigFile.read(p), ExitException.class);
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitException.BAD_INPUT);
        assertThat(e.getMessage())
                .contains(p.toString())
                .contains("nested deeper than 64 levels")
                .doesNotContain("\n");
    }

    @Test
    void anOversizedConfig_isBadInputBeforeItIsRead() throws Exception {
        Path p = dir.resolve("huge.json");
        Files.writeString(p, "{\"x\": \"" + "a".repeat((int) ConfigFile.MAX_BYTES) + "\"}");
        ExitException e = catchThrowableOfType(() -> ConfigFile.read(p), ExitException.class);
        assertThat(e.exitCode()).isEqualTo(ExitException.BAD_INPUT);
        assertThat(e.getMessage()).contains("at most " + ConfigFile.MAX_BYTES);
    }

    @Test
    void aDuplicatedEntryName_isBadInputNamingBothLines() throws Exception {
        Path p = dir.resolve("dup.json");
        Files.writeString(
                p,
                String.join(
                        "\n",
                        "{",
                        "  \"schemaVersion\": 2,",
                        "  \"envs\": {",
                        "    \"prod\": {\"apiId\": \"aaaa1111\"},",
                        "    \"dev\": {\"apiId\": \"bbbb2222\"},",
                        "    \"prod\": {\"apiId\": \"cccc3333\"}",
                        "  }",
                        "}"));
        ExitException e = catchThrowableOfType(() -> ConfigFile.read(p), ExitException.class);
        assertThat(e).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitException.BAD_INPUT);
        assertThat(e.getMessage())
                .contains("\"prod\" is given twice")
                .contains("line 4")
                .contains("line 6");
    }
}
