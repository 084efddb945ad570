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
    public void read(Wiring w) {
        // the value is read with the secret
    }

    @Override
    public Change plan(Wiring w) {
        String name = w.target.secretName();
        if (!SecretPiece.legacy(w)) return Change.ok(name(), name, "digests (HMAC-SHA-256 under a random salt); no key stored");
        return new Change(name(), name, Change.Action.UPDATE, String.join("; ", SecretPiece.digestPlan(w, false).why()));
    }

    @Override
    public void apply(Wiring w, Change change) {
        ApiKey liveBefore = w.newLiveKey;
        ApiKey devBefore = w.newDevKey;
        SecretPiece.DigestPlan p = SecretPiece.digestPlan(w, true);
        SecretPiece.putDigests(w, w.secret.orElseThrow(), p.next(), w.newLiveKey != liveBefore ? w.newLiveKey : null,
                w.newDevKey != devBefore ? w.newDevKey : null);
        w.secret = SecretPiece.find(w, w.secret.get().arn());
    }

    @Override
    public Change planRemoval(Wiring w) {
        return Change.ok(name(), w.target.secretName(), "goes with the secret");
    }
}
