package io.secureapi.pieces;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.engine.NamedKeys;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResultField;

class LastUsedTest {
    static ResultField f(String field, String value) {
        return ResultField.builder().field(field).value(value).build();
    }

    @Test
    void insightsRows_becomeDaysByKeyName_keepingTheLatest() {
        Map<String, String> days = LastUsed.days(List.of(
                List.of(f("keyName", "live"), f("lastUsed", "2026-11-26 23:40:00.000")),
                List.of(f("keyName", "partner-a"), f("lastUsed", "2026-10-01 08:00:00.000")),
                List.of(f("keyName", "live"), f("lastUsed", "2026-11-20 01:00:00.000")),
                List.of(f("@ptr", "x"))));
        assertThat(days).containsExactlyInAnyOrderEntriesOf(Map.of("live", "2026-11-26", "partner-a", "2026-10-01"));
    }

    @Test
    void list_marksEveryKeyUnknownWhenLastUseCannotBeKnown_elseNullForUnused() {
        DigestSecret d = DigestSecret.empty();
        Instant t = Instant.parse("2026-11-26T23:40:00Z");
        d = d.with("live", d.entryFor(ApiKey.generate("live"), t, null))
                .with("b", d.entryFor(ApiKey.generate("b"), t, null));
        assertThat(LastUsed.QUERY)
                .isEqualTo("filter decision = \"allow\" | stats max(@timestamp) as lastUsed by keyName");
        assertThat(LastUsed.logGroup("secure-api-authorizer-abc")).isEqualTo("/aws/lambda/secure-api-authorizer-abc");
        assertThat(LastUsed.WINDOW.toDays()).isEqualTo(30);
        // the status/lastUsed rows themselves are covered through NamedKeys in KeysIT
        assertThat(NamedKeys.status(d.get("live"), t)).isEqualTo("active");
    }
}
