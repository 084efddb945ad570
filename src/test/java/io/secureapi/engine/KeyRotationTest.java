package io.secureapi.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import io.secureapi.model.Change;
import io.secureapi.model.State;
import io.secureapi.pieces.SecretVersions;
import io.secureapi.support.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** rotate-key's planning on in-memory secret state: no network. */
class KeyRotationTest {
    static final String A = "sak_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    static final String B = "sak_live_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    static final String D = "sak_dev_DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD";
    static final State.Secret SECRET =
            new State.Secret("arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf", "s", null, Map.of());

    static String json(String live, String dev) {
        return dev == null ? Json.write(Map.of("live", live)) : "{\"live\":\"" + live + "\",\"dev\":\"" + dev + "\"}";
    }

    static KeyRotation rotation(
            String current,
            String previous,
            boolean userFunction,
            String env,
            Optional<ApiKey> supplied,
            boolean finish,
            boolean force) {
        List<SecretVersions.Version> versions = new ArrayList<>();
        versions.add(
                new SecretVersions.Version("v-current", Set.of("AWSCURRENT"), Instant.parse("2025-01-02T03:04:05Z")));
        if (previous != null) versions.add(new SecretVersions.Version("v-previous", Set.of("AWSPREVIOUS"), null));
        KeyRotation.Versions snap = new KeyRotation.Versions(
                SECRET,
                versions,
                current,
                previous,
                userFunction,
                userFunction ? "your own function my-fn" : "secure-api-authorizer-abc");
        KeyRotation.Request req = new KeyRotation.Request(
                "abc", "us-east-1", null, null, env, supplied.orElse(null), finish, force, false);
        return new KeyRotation(req, null, snap, null, List.of());
    }

    static KeyRotation rotate(String current, String previous, String env) {
        return rotation(current, previous, false, env, Optional.empty(), false, false);
    }

    @Test
    void nextValue_live_replacesOnlyTheLiveKeyAndCarriesDevOver() {
        ApiKey k = ApiKey.generate("live");
        Map<String, Object> next = Json.parseObject(KeyRotation.nextValue(json(A, D), "live", k));
        assertThat(next)
                .containsEntry("live", k.reveal())
                .containsEntry("dev", D)
                .hasSize(2);
    }

    @Test
    void nextValue_dev_replacesOnlyTheDevKey() {
        ApiKey k = ApiKey.generate("dev");
        Map<String, Object> next = Json.parseObject(KeyRotation.nextValue(json(A, D), "dev", k));
        assertThat(next).containsEntry("live", A).containsEntry("dev", k.reveal());
    }

    @Test
    void nextValue_plainString_staysAPlainString() {
        ApiKey k = ApiKey.generate("live");
        assertThat(KeyRotation.nextValue("manual-recipe-key-0123456789abcdefghij", "live", k))
                .isEqualTo(k.reveal());
        assertThat(KeyRotation.isPlain("manual-recipe-key")).isTrue();
        assertThat(KeyRotation.isPlain("{not json")).isTrue();
        assertThat(KeyRotation.isPlain(json(A, null))).isFalse();
    }

    @Test
    void onlyInPrevious_namesKeysThePreviousVersionAloneAccepts() {
        assertThat(KeyRotation.onlyInPrevious(Map.of("live", A, "dev", D), Map.of("live", B, "dev", D)))
                .containsExactly("live");
        assertThat(KeyRotation.onlyInPrevious(Map.of("live", A), Map.of("live", A, "dev", D)))
                .as("setup --dev-key added a key")
                .isEmpty();
        assertThat(KeyRotation.onlyInPrevious(Map.of(), Map.of("live", A))).isEmpty();
    }

    @Test
    void plan_firstRotation_updatesTheSecretAndWarnsNothing() {
        KeyRotation r = rotate(json(A, D), null, "live");
        Change c = r.plan().changes().get(0);
        assertThat(c.action()).isEqualTo(Change.Action.UPDATE);
        assertThat(c.detail()).contains("live").contains("AWSPREVIOUS");
        assertThat(c.diff()).isEqualTo(new KeyRotation.Rotate("live", false, List.of()));
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void plan_afterAFinishedOrHarmlessPrevious_isAllowed() {
        assertThat(rotate(json(A, D), json(A, null), "live").plan().changeCount())
                .isEqualTo(1);
    }

    @Test
    void plan_unfinishedRotation_refusesNamingTheKeyThatWouldStop() {
        KeyRotation r = rotate(json(B, D), json(A, D), "live");
        assertThatThrownBy(r::plan).isInstanceOfSatisfying(ExitException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage())
                    .contains("previous live key")
                    .contains("not finished")
                    .doesNotContain(A)
                    .doesNotContain(B);
            assertThat(e.hint())
                    .contains("if you have the new key")
                    .contains("--finish")
                    .contains("if nobody has it")
                    .contains("--discard-current")
                    .doesNotContain("--abandon-previous");
        });
        KeyRotation dev = rotate(json(B, D), json(A, D), "dev");
        assertThatThrownBy(dev::plan)
                .as("a dev rotation drops the unfinished live one too")
                .isInstanceOf(ExitException.class);
    }

    @Test
    void plan_unfinishedRotationAbandoningPrevious_rotatesAndWarns() {
        KeyRotation r = rotation(json(B, D), json(A, D), false, "live", Optional.empty(), false, true);
        assertThat(r.plan().changeCount()).isEqualTo(1);
        assertThat(r.plan().changes().get(0).diff())
                .as("apply revokes what the plan named")
                .isEqualTo(new KeyRotation.Rotate("live", false, List.of("live")));
        assertThat(r.warnings()).anyMatch(w -> w.contains("stops being accepted") && w.contains("previous live key"));
    }

    @Test
    void plan_devWithUserFunction_isBadInput() {
        KeyRotation r =
                rotation("manual-recipe-key-0123456789abcdefghij", null, true, "dev", Optional.empty(), false, false);
        assertThatThrownBy(r::plan).isInstanceOfSatisfying(ExitException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("bundled authorizer").contains("my-fn");
        });
    }

    @Test
    void plan_devWithoutADevKey_pointsAtSetupDevKey() {
        assertThatThrownBy(() -> rotate(json(A, null), null, "dev").plan())
                .isInstanceOfSatisfying(
                        ExitException.class, e -> assertThat(e.hint()).contains("setup --dev-key"));
    }

    @Test
    void plan_userFunction_warnsThatZeroDowntimeDependsOnIt() {
        KeyRotation r =
                rotation("manual-recipe-key-0123456789abcdefghij", null, true, "live", Optional.empty(), false, false);
        assertThat(r.plan().changeCount()).isEqualTo(1);
        assertThat(r.warnings())
                .singleElement()
                .asString()
                .contains("my-fn")
                .contains("AWSPREVIOUS")
                .contains("zero downtime");
    }

    @Test
    void plan_suppliedKeyAlreadyCurrent_isNothingToDo_andEqualToTheOtherKey_isBadInput() {
        assertThat(rotation(json(A, D), null, false, "live", Optional.of(ApiKey.of(A, "test")), false, false)
                        .plan()
                        .isEmpty())
                .isTrue();
        KeyRotation clash = rotation(json(A, D), null, false, "live", Optional.of(ApiKey.of(D, "test")), false, false);
        assertThatThrownBy(clash::plan).isInstanceOfSatisfying(ExitException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("current dev key").doesNotContain(D);
        });
    }

    @Test
    void plan_finish_removesAwsPreviousOrSaysThereIsNone() {
        Change none = rotation(json(A, D), null, false, "live", Optional.empty(), true, false)
                .plan()
                .changes()
                .get(0);
        assertThat(none.changes()).isFalse();
        assertThat(none.detail()).contains("no AWSPREVIOUS");
        Change finish = rotation(json(B, D), json(A, D), false, "live", Optional.empty(), true, false)
                .plan()
                .changes()
                .get(0);
        assertThat(finish.action()).isEqualTo(Change.Action.UPDATE);
        assertThat(finish.detail()).contains("v-previous").contains("previous live key");
        assertThat(finish.diff()).isEqualTo(new KeyRotation.RemovePrevious("v-previous", List.of("live")));
    }

    @Test
    void plan_digestFormat_finishAndDiscardNameTheKeyApplyActsOn() {
        DigestSecret d = DigestSecret.empty();
        DigestSecret.Entry old = d.entryFor(ApiKey.of(A, "test"), Instant.parse("2025-01-01T00:00:00Z"), null);
        DigestSecret.Entry next = d.entryFor(ApiKey.of(B, "test"), Instant.parse("2025-01-02T00:00:00Z"), null)
                .withRetiring(new DigestSecret.Retiring(old.digest(), old.created(), old.expires()));
        String value = d.with("live", next).toJson();
        Change finish = rotation(value, null, false, "live", Optional.empty(), true, false)
                .plan()
                .changes()
                .get(0);
        assertThat(finish.diff()).isEqualTo(new KeyRotation.Finish(java.util.List.of("live")));
        Change discard = rotation(value, null, false, "live", Optional.empty(), false, false)
                .discardPlan()
                .changes()
                .get(0);
        assertThat(discard.diff()).isEqualTo(new KeyRotation.Discard("live"));
        Change nothing = rotation(d.with("live", old).toJson(), null, false, "live", Optional.empty(), true, false)
                .plan()
                .changes()
                .get(0);
        assertThat(nothing.applies()).as("nothing to finish: nothing for apply").isFalse();
    }

    @Test
    void keyCacheSeconds_readsLikeTheBundledAuthorizer() {
        assertThat(KeyRotation.keyCacheSeconds(null)).isEqualTo(60);
        assertThat(KeyRotation.keyCacheSeconds("")).isEqualTo(60);
        assertThat(KeyRotation.keyCacheSeconds("15")).isEqualTo(15);
        assertThat(KeyRotation.keyCacheSeconds("0")).isZero();
        assertThat(KeyRotation.keyCacheSeconds("2.5")).isEqualTo(3);
        assertThat(KeyRotation.keyCacheSeconds("-1")).isEqualTo(60);
        assertThat(KeyRotation.keyCacheSeconds("soon")).isEqualTo(60);
    }

    @Test
    void cacheWindow_isKeyCachePlusAuthorizerTtl() {
        assertThat(new KeyRotation.CacheWindow(60, 300, "authorizer").seconds()).isEqualTo(360);
        assertThat(new KeyRotation.CacheWindow(null, 300, "authorizer").seconds())
                .isEqualTo(300);
    }

    @Test
    void snapshotAndPlan_neverShowKeyMaterial() {
        KeyRotation r = rotation(
                json(B, D), json(A, null), false, "live", Optional.of(ApiKey.of(B + "x", "test")), false, true);
        String shown = r.snapshot() + " " + r.plan() + " " + r.plan().changes() + " "
                + r.plan().toJson() + " " + r.request() + " " + r.warnings();
        assertThat(r.plan().changes().get(0).diff())
                .as("the supplied key stays in the request")
                .isEqualTo(new KeyRotation.Rotate("live", true, List.of("live")));
        assertThat(shown).doesNotContain(A).doesNotContain(B).doesNotContain(D);
        ApiKey k = ApiKey.generate("live");
        assertThat(new KeyRotation.Outcome(k, true, "v2", "v1", List.of()).toString())
                .doesNotContain(k.reveal());
    }

    @Test
    void bubbleSetting_namesTheFieldToPaste() {
        assertThat(KeyRotation.bubbleSetting("live")).isEqualTo("Key value");
        assertThat(KeyRotation.bubbleSetting("dev")).isEqualTo("Development key value");
    }
}
