package io.secureapi.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.error.ExitException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DigestSecretTest {
    static final String SALT = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    static final String VECTOR_KEY = "sak_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1XMiRQ";

    @Test
    void checksum_matchesTheSharedTestVector() {
        // zlib.crc32(b"sak_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg") == 1409165972
        assertThat(ApiKey.checksum("sak_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg"))
                .isEqualTo("1XMiRQ");
        assertThat(ApiKey.checksumValid(VECTOR_KEY)).isTrue();
        assertThat(ApiKey.checksumValid(VECTOR_KEY.replace("1XMiRQ", "1XMiRR"))).isFalse();
        assertThat(ApiKey.checksumValid(VECTOR_KEY.replace("ABC", "ABD"))).isFalse();
    }

    @Test
    void generatedKeys_haveTheShapeAValidChecksumAndAreDistinct() {
        Set<String> seen = new HashSet<>();
        for (String name : new String[] {"live", "dev", "partner-a", "a", "x".repeat(32)}) {
            for (int i = 0; i < 50; i++) {
                String k = ApiKey.generate(name).reveal();
                assertThat(k).startsWith("sak_" + name + "_").hasSize(5 + name.length() + 49);
                assertThat(ApiKey.hasShape(k)).as(k).isTrue();
                assertThat(ApiKey.checksumValid(k)).as(k).isTrue();
                assertThat(seen.add(k)).isTrue();
            }
        }
    }

    @Test
    void generatedKeys_useEveryBase62Character() {
        Set<Character> chars = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String k = ApiKey.generate("live").reveal();
            for (char c : k.substring(9, 9 + 43).toCharArray()) chars.add(c);
        }
        assertThat(chars).hasSize(62);
    }

    @Test
    void digest_isHmacSha256UnderTheSaltBytes() {
        DigestSecret d = new DigestSecret(SALT, Map.of());
        // python3: hmac.new(bytes(range(32)), KEY, hashlib.sha256).hexdigest()
        assertThat(d.digest(VECTOR_KEY)).isEqualTo("c30522e393ca6d0cec9ddf43c2610599a29536ecf9a705d0f5783f9af03652b9");
    }

    @Test
    void roundTrip_keepsEveryFieldAndHoldsNoKey() {
        ApiKey live = ApiKey.generate("live");
        ApiKey old = ApiKey.generate("partner-a");
        Instant t = Instant.parse("2026-11-26T23:40:00Z");
        DigestSecret d = DigestSecret.empty();
        d = d.with("live", d.entryFor(live, t, null));
        d = d.with(
                "partner-a",
                new DigestSecret.Entry(
                        d.digest("x".repeat(40)),
                        t,
                        Instant.parse("2027-03-31T23:59:59Z"),
                        new DigestSecret.Retiring(d.digest(old.reveal()), t, null)));
        String json = d.toJson();
        assertThat(json)
                .doesNotContain(live.reveal())
                .doesNotContain(old.reveal())
                .contains("\"format\":\"secure-api-digests\"")
                .contains("\"version\":1")
                .contains("\"expires\":null")
                .contains("\"retiring\":null");
        assertThat(DigestSecret.is(json)).isTrue();
        DigestSecret back = DigestSecret.parse(json, "s");
        assertThat(back.keys()).isEqualTo(d.keys());
        assertThat(back.salt()).isEqualTo(d.salt());
        assertThat(back.generation()).isEqualTo(d.generation() + 1);
        assertThat(back.nameOf(live)).isEqualTo("live");
        assertThat(back.nameOf(old)).isEqualTo("partner-a");
        assertThat(back.nameOf(ApiKey.generate("live"))).isNull();
    }

    @Test
    void everyWrite_storesTheNextGeneration_absentReadsAsZero_andChangesKeepIt() {
        String old = "{\"format\":\"secure-api-digests\",\"version\":1,\"salt\":\"" + SALT + "\",\"keys\":{}}";
        DigestSecret d = DigestSecret.parse(old, "s");
        assertThat(d.generation()).isZero();
        DigestSecret added = d.with("partner-a", d.entryFor(ApiKey.generate("partner-a"), Instant.now(), null));
        assertThat(added.generation()).as("a change in memory is not a write").isZero();
        String stored = added.toJson();
        assertThat(stored).contains("\"generation\":1");
        DigestSecret back = DigestSecret.parse(stored, "s");
        assertThat(back.generation()).isEqualTo(1);
        assertThat(DigestSecret.parse(back.without("partner-a").toJson(), "s").generation())
                .isEqualTo(2);
        assertThat(back.writtenGeneration()).isEqualTo(2);
        for (String bad : java.util.List.of("-1", "1.5", "\"3\"", "9007199254740992")) {
            String json = "{\"format\":\"secure-api-digests\",\"version\":1,\"generation\":" + bad + ",\"salt\":\""
                    + SALT + "\",\"keys\":{}}";
            assertThatThrownBy(() -> DigestSecret.parse(json, "s"))
                    .as(bad)
                    .isInstanceOf(ExitException.class)
                    .hasMessageContaining("generation");
        }
    }

    @Test
    void newerVersion_isRefusedWithExit2() {
        String json = "{\"format\":\"secure-api-digests\",\"version\":2,\"salt\":\"" + SALT + "\",\"keys\":{}}";
        assertThatThrownBy(() -> DigestSecret.parse(json, "my-secret"))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("newer secure-api")
                .extracting(e -> ((ExitException) e).exitCode())
                .isEqualTo(2);
    }

    @Test
    void legacyValues_areNotTheDigestFormat() {
        assertThat(DigestSecret.is("{\"live\":\"abc\"}")).isFalse();
        assertThat(DigestSecret.is("plain-string-key")).isFalse();
        assertThat(DigestSecret.is("{not json")).isFalse();
    }

    @Test
    void migrate_keepsEveryKey_andMidRotationTheOldOneRetires() {
        Map<String, String> current = new LinkedHashMap<>(Map.of(
                "live", "new-live-key-0123456789abcdef0123456789", "dev", "dev-key-0123456789abcdef0123456789abcd"));
        Map<String, String> previous = Map.of(
                "live", "old-live-key-0123456789abcdef0123456789", "dev", "dev-key-0123456789abcdef0123456789abcd");
        DigestSecret d = DigestSecret.migrate(current, previous, Instant.parse("2026-11-26T23:40:00.123Z"));
        assertThat(d.keys()).containsOnlyKeys("live", "dev");
        assertThat(d.nameOf(ApiKey.of(current.get("live"), "t"))).isEqualTo("live");
        assertThat(d.nameOf(ApiKey.of(previous.get("live"), "t"))).isEqualTo("live");
        assertThat(d.get("live").retiring().digest()).isEqualTo(d.digest(previous.get("live")));
        assertThat(d.get("dev").retiring()).isNull();
        assertThat(d.get("live").created()).isEqualTo(Instant.parse("2026-11-26T23:40:00Z"));
        assertThat(d.toJson()).doesNotContain("key-0123456789");
    }

    @Test
    void maxKeys_fitInOneSecretValueInTheWorstCase_andOneMoreDoesNot() {
        DigestSecret d = DigestSecret.empty();
        Instant t = Instant.parse("2026-11-26T23:40:00Z");
        int n = 0;
        while (true) {
            String name = String.format("%032d", n);
            DigestSecret next = d.with(
                    name,
                    new DigestSecret.Entry(
                            d.digest("k" + n), t, t, new DigestSecret.Retiring(d.digest("o" + n), t, t)));
            if (next.toJson().getBytes(StandardCharsets.UTF_8).length > DigestSecret.MAX_BYTES) break;
            d = next;
            n++;
        }
        // the documented limit is the largest round number that always fits
        assertThat(n).isGreaterThanOrEqualTo(DigestSecret.MAX_KEYS).isLessThan(DigestSecret.MAX_KEYS + 50);
    }

    @Test
    void names_areCheckedBeforeAnything() {
        assertThat(DigestSecret.checkName("partner-a", "NAME")).isEqualTo("partner-a");
        assertThat(DigestSecret.checkName("live", "NAME")).isEqualTo("live");
        for (String bad : new String[] {"", "-a", "A", "a_b", "x".repeat(33), "a b"}) {
            assertThatThrownBy(() -> DigestSecret.checkName(bad, "NAME")).isInstanceOf(ExitException.class);
        }
    }
}
