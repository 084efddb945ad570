package io.secureapi.engine;

/**
 * One AWS piece of the wiring. Read the actual state into the {@link Wiring}, plan the
 * difference against the target, apply only that difference. Verify and teardown reuse these.
 */
public interface Piece {
    String name();

    /** Reads this piece's actual state; reads only, never writes. */
    void read(Wiring w);

    /** Compares actual with desired. Pure: no AWS calls. */
    Change plan(Wiring w);

    /** Makes the planned change true; called only when {@code change.changes()}. */
    void apply(Wiring w, Change change);

    /** Plans removing what secure-api made of this piece (teardown). Pure, like plan: no AWS calls. */
    default Change planRemoval(Wiring w) {
        return Change.ok(name(), "-", "nothing of secure-api's here");
    }

    /** Removes it; called only when {@code change.changes()}. Not-found counts as done, so reruns are safe. */
    default void remove(Wiring w, Change change) {
    }
}
