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

    @Override
    public Change plan(Wiring w) {
        String name = w.target.secretName();
        if (!SecretPiece.legacy(w)) return Change.ok(name(), name, "digests (HMAC-SHA-256 under a random salt); no key stored");
        return new Change(name(), name, Change.Action.UPDATE, String.join("; ", SecretPiece.digestPlan(w, false).why()));
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        ApiKey liveBefore = w.keys.live;
        ApiKey devBefore = w.keys.dev;
        SecretPiece.DigestPlan p = SecretPiece.digestPlan(w, true);
        String arn = w.secret().orElseThrow().arn();
        Snapshot stored = SecretPiece.putDigests(w, w.secret().get(), p.next(), w.keys.live != liveBefore ? w.keys.live : null,
                w.keys.dev != devBefore ? w.keys.dev : null);
        State.Secret now = SecretPiece.find(w, arn).orElse(null);
        return stored.with(b -> b.secret = now);
    }

    @Override
    public Change planRemoval(Wiring w) {
        return Change.ok(name(), w.target.secretName(), "goes with the secret");
    }
}
