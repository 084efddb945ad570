package io.secureapi.pieces;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Merging the snapshots of changes that ran at once (setup's concurrent writes). */
class SnapshotMergeTest {
    static final Snapshot BASE = Snapshot.EMPTY.with(b -> {
        b.secretPolicy = "policy as read";
        b.functionPolicy = "function policy as read";
    });

    @Test
    void aComponentTheChangeReplaced_isTaken_andTheOthersKept() {
        Snapshot lane = BASE.with(b -> b.secretPolicy = "policy written");

        Snapshot merged = BASE.merged(BASE, lane);

        assertThat(merged.secretPolicy()).isEqualTo("policy written");
        assertThat(merged.functionPolicy()).isSameAs(BASE.functionPolicy());
    }

    @Test
    void aChangeThatReplacedAComponentByAnEqualValue_doesNotUndoAnotherChangesWrite() {
        Snapshot writer = BASE.with(b -> b.secretPolicy = "policy written");
        // read it again, found it as before: a new object, the same value
        Snapshot rereader = BASE.with(b -> b.secretPolicy = new String("policy as read"));

        assertThat(BASE.merged(BASE, writer).merged(BASE, rereader).secretPolicy())
                .isEqualTo("policy written");
        assertThat(BASE.merged(BASE, rereader).merged(BASE, writer).secretPolicy())
                .isEqualTo("policy written");
    }

    @Test
    void changesToDifferentComponents_allLand_inEitherOrder() {
        Snapshot one = BASE.with(b -> b.secretPolicy = "policy written");
        Snapshot two = BASE.with(b -> b.functionPolicy = "permission added");

        for (Snapshot merged : new Snapshot[] {
            BASE.merged(BASE, one).merged(BASE, two), BASE.merged(BASE, two).merged(BASE, one)
        }) {
            assertThat(merged.secretPolicy()).isEqualTo("policy written");
            assertThat(merged.functionPolicy()).isEqualTo("permission added");
        }
    }
}
