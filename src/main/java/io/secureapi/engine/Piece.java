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
}
