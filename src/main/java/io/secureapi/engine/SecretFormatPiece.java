package io.secureapi.engine;

/**
 * The bundled authorizer's secret converted from a legacy plaintext format to digests, every key
 * kept and nothing shown. It runs after the function piece: the function's previous code reads
 * plaintext only, so the digests are stored once the code that reads them is in place.
 */
public final class SecretFormatPiece implements Piece {
    @Override
    public String name() {
        return "secret format";
    }

    /** Store the legacy value as digests, with what else this run stores ({@code keys}, convert set). */
    record Convert(SecretPiece.Keys keys) implements Change.Diff {
    }

    /**
     * A secret the secret piece restores cannot be read before (its value is "known after apply"):
     * converted as above if it turns out to hold a legacy value, else left alone.
     */
    record ConvertIfLegacy() implements Change.Diff {
    }

    @Override
    public Change plan(Wiring w) {
        String name = w.target.secretName();
        if (!SecretPiece.legacy(w)) {
            String detail = "digests (HMAC-SHA-256 under a random salt); no key stored";
            boolean restored = w.secret().map(State.Secret::scheduledForDeletion).orElse(false);
            return restored ? new Change(name(), name, Change.Action.OK, detail, new ConvertIfLegacy()) : Change.ok(name(), name, detail);
        }
        SecretPiece.KeyPlan p = SecretPiece.digestPlan(w);
        return new Change(name(), name, Change.Action.UPDATE, String.join("; ", p.why()), new Convert(p.keys()));
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        State.Secret s = w.secret().orElseThrow();
        SecretPiece.Keys keys;
        if (change.diff() instanceof ConvertIfLegacy) {
            if (!SecretPiece.legacy(w)) return w.snapshot();
            w.progress.say(Change.Action.UPDATE.word() + " " + name() + ": " + w.target.secretName());
            keys = SecretPiece.digestPlan(w).keys();
        } else {
            keys = change.diff(Convert.class).keys();
        }
        Snapshot stored = SecretPiece.store(w, s, keys);
        State.Secret now = SecretPiece.find(w, s.arn()).orElse(null);
        return stored.with(b -> b.secret = now);
    }

    @Override
    public Change planRemoval(Wiring w) {
        return Change.ok(name(), w.target.secretName(), "goes with the secret");
    }
}
