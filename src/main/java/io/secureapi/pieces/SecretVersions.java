package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;

import io.secureapi.error.ExitException;
import io.secureapi.keys.SecretValue;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.services.secretsmanager.model.InvalidParameterException;
import software.amazon.awssdk.services.secretsmanager.model.LimitExceededException;
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
     * Confirmed by reading the secret back: AWSCURRENT is not on the version this run wrote, so no
     * key of this run is accepted and its write-ahead record may go.
     */
    public static class NotStored extends ExitException {
        public NotStored(int exitCode, String message, String hint, Throwable cause) {
            super(exitCode, message, hint, cause);
        }
    }

    /** Not stored because another run moved AWSCURRENT first: read the secret again and re-apply the change. */
    public static final class Changed extends NotStored {
        Changed(String message, String hint, Throwable cause) {
            super(ExitException.AWS, message, hint, cause);
        }
    }

    /** Secrets Manager removes unlabeled versions only when there are more than this many (reference_limits.html). */
    public static final int VERSION_QUOTA = 100;

    /** Unlabeled versions younger than this are never removed (same page). */
    public static final Duration VERSION_MIN_AGE = Duration.ofHours(24);

    /**
     * Stores {@code value} as the new AWSCURRENT if AWSCURRENT is still {@code readVersionId}
     * (null: the secret has no current value, so it is stored as AWSCURRENT directly). Returns the
     * new version id.
     *
     * <p>After any error the outcome is read back, never guessed: the SDK's standard retry mode
     * resends a call whose answer was lost (a read timeout, a dropped connection: "socket-level
     * failures where no HTTP response was received", docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html),
     * so a compare-and-set that took effect is retried and then fails because AWSCURRENT already
     * moved. This run's version id is the ClientRequestToken it chose ("This value becomes the
     * VersionId of the new version", API_PutSecretValue.html), and DescribeSecret's
     * VersionIdsToStages says where AWSCURRENT is. On it (or on AWSPREVIOUS, which only a move of
     * AWSCURRENT puts there): stored, go on. Elsewhere: {@link NotStored} ({@link Changed} when
     * another run won the compare-and-set). Unreadable: an ExitException that is neither, so a
     * write-ahead record stays for the next run.
     */
    public static String putIfCurrent(
            Wiring w, String arn, String secretName, String value, String readVersionId, String doing) {
        return namingKmsKey(w, () -> put(w, arn, secretName, value, readVersionId, doing));
    }

    private static String put(
            Wiring w, String arn, String secretName, String value, String readVersionId, String doing) {
        // one token per write: an SDK retry after a lost response cannot make a second version
        String token = UUID.randomUUID().toString();
        boolean moving = false;
        try {
            if (readVersionId == null) {
                call(
                        doing,
                        w.region(),
                        () -> w.aws.secrets()
                                .putSecretValue(
                                        r -> r.secretId(arn).secretString(value).clientRequestToken(token)));
                return token;
            }
            call(
                    doing,
                    w.region(),
                    () -> w.aws.secrets()
                            .putSecretValue(r -> r.secretId(arn)
                                    .secretString(value)
                                    .clientRequestToken(token)
                                    .versionStages(STAGED)));
            moving = true;
            // a true compare-and-set: "If the label is attached and you either do not specify this parameter,
            // or the version ID does not match, then the operation fails"
            // (docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html)
            call(
                    doing,
                    w.region(),
                    () -> w.aws.secrets()
                            .updateSecretVersionStage(r -> r.secretId(arn)
                                    .versionStage(SecretValue.CURRENT)
                                    .moveToVersionId(token)
                                    .removeFromVersionId(readVersionId)));
            return token;
        } catch (ExitException failed) {
            return judge(w, arn, secretName, token, doing, failed, moving);
        }
    }

    /** The write failed as far as the SDK knows: reads where AWSCURRENT is and decides (see putIfCurrent). */
    private static String judge(
            Wiring w, String arn, String secretName, String token, String doing, ExitException failed, boolean moving) {
        Map<String, List<String>> stages;
        try {
            stages = call(
                    "reading secret " + secretName + " back to tell whether this run's version was stored",
                    w.region(),
                    () -> w.aws.secrets().describeSecret(r -> r.secretId(arn)).versionIdsToStages());
        } catch (ExitException unreadable) {
            throw new ExitException(
                    failed.exitCode(),
                    failed.getMessage() + "; whether it was stored cannot be told (" + unreadable.getMessage() + ")",
                    "run the command again: it reads the secret afresh, and a new key kept in the write-ahead file"
                            + " (secure-api.json.pending) is shown then if AWS holds it",
                    failed);
        }
        List<String> ours = stages == null ? List.of() : stages.getOrDefault(token, List.of());
        if (ours.contains(SecretValue.CURRENT) || ours.contains(SecretValue.PREVIOUS)) {
            w.progress.say(doing + ": the answer was lost, but version " + token
                    + " of this run is stored (read back from the secret)");
            return token;
        }
        Throwable cause = failed.getCause();
        if (cause instanceof LimitExceededException) {
            throw quotaReached(w, arn, secretName, doing, failed);
        }
        if (moving && cause instanceof InvalidParameterException) {
            throw new Changed(
                    doing + " (" + w.region() + "): secret " + secretName
                            + " changed while this command ran (another secure-api run?), so nothing of this run was made current",
                    "run the command again: it reads the secret afresh",
                    failed);
        }
        throw new NotStored(
                failed.exitCode(),
                failed.getMessage() + "; nothing of this run was made current (read back from the secret)",
                failed.hint(),
                failed);
    }

    /**
     * The version quota: "Secrets Manager removes unlabeled versions when there are more than 100,
     * but it does not remove versions created less than 24 hours ago... you will reach the quota
     * for secret versions" (docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html).
     * Says how many versions the last 24 h made (ListSecretVersionIds with IncludeDeprecated: "By
     * default, versions without staging labels aren't included", API_ListSecretVersionIds.html) and
     * when the oldest unlabeled one of them becomes removable.
     */
    static NotStored quotaReached(Wiring w, String arn, String secretName, String doing, ExitException failed) {
        Instant now = Instant.now();
        String counted;
        String when;
        try {
            List<software.amazon.awssdk.services.secretsmanager.model.SecretVersionsListEntry> all = call(
                    "listing every version of secret " + secretName + " (IncludeDeprecated)",
                    w.region(),
                    () -> w
                            .aws
                            .secrets()
                            .listSecretVersionIdsPaginator(
                                    r -> r.secretId(arn).includeDeprecated(true).maxResults(100))
                            .stream()
                            .flatMap(p -> p.versions().stream())
                            .toList());
            Instant dayAgo = now.minus(VERSION_MIN_AGE);
            long recent = all.stream()
                    .filter(v -> v.createdDate() != null && v.createdDate().isAfter(dayAgo))
                    .count();
            Optional<Instant> removable = all.stream()
                    .filter(v -> v.versionStages() == null || v.versionStages().isEmpty())
                    .map(v -> v.createdDate())
                    .filter(c -> c != null && c.isAfter(dayAgo))
                    .min(Instant::compareTo)
                    .map(c -> c.plus(VERSION_MIN_AGE).truncatedTo(ChronoUnit.SECONDS));
            counted = "it holds " + all.size() + " versions, " + recent + " of them made in the last 24 hours";
            when = removable
                    .map(t -> "wait until " + t + " (when the oldest of them becomes removable) and run it again")
                    .orElse("wait until versions made in the last 24 hours are a day old, then run it again");
        } catch (ExitException unlisted) {
            counted = "its versions could not be listed (" + unlisted.getMessage() + ")";
            when = "wait until versions made in the last 24 hours are a day old, then run it again";
        }
        return new NotStored(
                ExitException.AWS,
                doing + " (" + w.region() + "): LimitExceededException: secret " + secretName
                        + " reached the quota for secret versions (Secrets Manager keeps every version made in the"
                        + " last 24 hours and removes unlabeled ones only beyond " + VERSION_QUOTA + "); "
                        + counted + "; nothing of this run was stored",
                when + "; next time change several keys in one version: secure-api keys add NAME1 NAME2 NAME3,"
                        + " secure-api keys revoke NAME1 NAME2 --yes",
                failed);
    }
}
