package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;

import io.secureapi.error.ExitException;
import io.secureapi.keys.SecretValue;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.services.secretsmanager.model.InvalidParameterException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Read-modify-write of the digest secret without lost updates. Secrets Manager has no conditional
 * put, but UpdateSecretVersionStage fails when RemoveFromVersionId no longer holds the label
 * ("If the label is attached and you either do not specify this parameter, or the version ID does not
 * match, then the operation fails": Secrets Manager API reference, UpdateSecretVersionStage). So a new
 * version is stored under a label of our own, then AWSCURRENT moves to it only from the version this
 * run read: two runs (a keys add and a keys revoke, say) never silently overwrite each other.
 */
public final class SecretVersions {

    /**
     * Without a pending record nobody can tell "shown but not finished" from "never seen", so the
     * next step names both; never --finish alone, which would revoke the key clients still send.
     */
    public static final String UNFINISHED_NEXT =
            "if you have the new key, paste it into Bubble, then run secure-api rotate-key --finish; "
                    + "if nobody has it, secure-api rotate-key --discard-current makes the old key the only one again";

    public record Version(String id, Set<String> stages, Instant created) {
        public boolean has(String stage) {
            return stages.contains(stage);
        }
    }

    /** The label a new version waits under until AWSCURRENT moves to it; one version holds it at a time. */
    static final String STAGED = "SECURE_API_STAGED";

    /** AWSCURRENT's version id and value as read at one moment. */
    public record Current(String versionId, String value) {}

    private SecretVersions() {}

    /** Runs a step on the secret's value; a KMS refusal through Secrets Manager names the secret's key. */
    static <T> T namingKmsKey(Wiring w, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (ExitException e) {
            throw io.secureapi.aws.AwsCall.namingKey(
                    e, w.secret().map(io.secureapi.model.State.Secret::kmsKeyId).orElse(null));
        }
    }

    public static Optional<Current> current(Wiring w, String arn, String secretName) {
        return namingKmsKey(w, () -> currentRead(w, arn, secretName));
    }

    private static Optional<Current> currentRead(Wiring w, String arn, String secretName) {
        return ifFound(
                        "reading the AWSCURRENT value of secret " + secretName,
                        w.region(),
                        ResourceNotFoundException.class,
                        () -> w.aws.secrets()
                                .getSecretValue(b -> b.secretId(arn).versionStage(SecretValue.CURRENT)))
                .map(r -> new Current(r.versionId(), r.secretString()));
    }

    /**
     * Stores {@code value} as the new AWSCURRENT if AWSCURRENT is still {@code readVersionId};
     * otherwise nothing becomes current and the run stops (exit 3) so it can be run again on fresh state.
     * Returns the new version id.
     */
    public static String putIfCurrent(
            Wiring w, String arn, String secretName, String value, String readVersionId, String doing) {
        return namingKmsKey(w, () -> put(w, arn, secretName, value, readVersionId, doing));
    }

    private static String put(
            Wiring w, String arn, String secretName, String value, String readVersionId, String doing) {
        // one token per run: an SDK retry after a lost response cannot make a second version
        String token = UUID.randomUUID().toString();
        if (readVersionId == null) {
            return call(
                            doing,
                            w.region(),
                            () -> w.aws.secrets()
                                    .putSecretValue(r ->
                                            r.secretId(arn).secretString(value).clientRequestToken(token)))
                    .versionId();
        }
        String staged = call(
                        doing,
                        w.region(),
                        () -> w.aws.secrets()
                                .putSecretValue(r -> r.secretId(arn)
                                        .secretString(value)
                                        .clientRequestToken(token)
                                        .versionStages(STAGED)))
                .versionId();
        call(doing, w.region(), () -> {
            try {
                return w.aws.secrets()
                        .updateSecretVersionStage(r -> r.secretId(arn)
                                .versionStage(SecretValue.CURRENT)
                                .moveToVersionId(staged)
                                .removeFromVersionId(readVersionId));
            } catch (InvalidParameterException changed) {
                throw new ExitException(
                        ExitException.AWS,
                        doing + " (" + w.region() + "): secret " + secretName
                                + " changed while this command ran (another secure-api run?), so nothing of this run was made current",
                        "run the command again: it reads the secret afresh",
                        changed);
            }
        });
        return staged;
    }
}
