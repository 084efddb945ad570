package io.secureapi.pieces;

import io.secureapi.model.Change;
import io.secureapi.model.Check;
import java.util.List;

/**
 * One AWS piece of the wiring. Reader reads its actual state into the run's snapshot;
 * the piece plans the difference against the target as a typed {@link Change.Diff}, applies
 * exactly that diff (never planning again), checks it (verify) and removes what secure-api made
 * of it (teardown).
 */
public interface Piece {
    String name();

    /** Compares actual with desired: the row to print and the diff apply consumes. Pure: no AWS calls. */
    Change plan(Wiring w);

    /**
     * The plan's rows for this piece, decided after the {@code earlier} rows of the same plan: one,
     * except for a piece with one row per resource (a stage without AutoDeploy per row).
     */
    default List<Change> planRows(Wiring w, List<Change> earlier) {
        return List.of(plan(w));
    }

    /** The line apply and remove say before acting on {@code c}; null when the piece says its own. */
    default String progressLine(Change c) {
        return c.action().word() + " " + name() + ": " + c.resource();
    }

    /**
     * Makes the planned diff true; called only when {@code change.applies()}, in plan order, on the
     * snapshot the changes before it left. Answers the snapshot it leaves.
     */
    Snapshot apply(Wiring w, Change change);

    /** verify's checks of this piece, on the snapshot. Pure: no AWS calls. */
    default List<Check> check(Wiring w, Check.Options o) {
        return List.of();
    }

    /** Plans removing what secure-api made of this piece (teardown). Pure, like plan: no AWS calls. */
    default Change planRemoval(Wiring w) {
        return Change.ok(name(), "-", "nothing of secure-api's here");
    }

    /** Teardown's rows for this piece: one, unless the piece has one row per resource. */
    default List<Change> removalRows(Wiring w) {
        return List.of(planRemoval(w));
    }

    /** Removes what the planned diff names; called only when {@code change.applies()}. Not-found counts as done, so reruns are safe. */
    default Snapshot remove(Wiring w, Change change) {
        return w.snapshot();
    }
}
