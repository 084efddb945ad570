package io.secureapi.engine;

import java.util.List;

/**
 * One AWS piece of the wiring. {@link Reader} reads its actual state into the run's snapshot;
 * the piece plans the difference against the target as a typed {@link Change.Diff}, applies
 * exactly that diff (never planning again), checks it (verify) and removes what secure-api made
 * of it (teardown).
 */
public interface Piece {
    String name();

    /** Compares actual with desired: the row to print and the diff apply consumes. Pure: no AWS calls. */
    Change plan(Wiring w);

    /**
     * Makes the planned diff true; called only when {@code change.applies()}, in plan order, on the
     * snapshot the changes before it left. Answers the snapshot it leaves.
     */
    Snapshot apply(Wiring w, Change change);

    /** verify's checks of this piece, on the snapshot. Pure: no AWS calls. */
    default List<Check> check(Wiring w, Verify.Options o) {
        return List.of();
    }

    /** Plans removing what secure-api made of this piece (teardown). Pure, like plan: no AWS calls. */
    default Change planRemoval(Wiring w) {
        return Change.ok(name(), "-", "nothing of secure-api's here");
    }

    /** Removes what the planned diff names; called only when {@code change.applies()}. Not-found counts as done, so reruns are safe. */
    default Snapshot remove(Wiring w, Change change) {
        return w.snapshot();
    }
}
