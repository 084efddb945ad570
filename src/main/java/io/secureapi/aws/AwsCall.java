package io.secureapi.aws;

import io.secureapi.error.ExitException;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs one AWS step and turns an SDK failure into a one-line error that names the step, the
 * resource and the region, the AWS error code, and (for AccessDenied) the missing IAM action.
 */
public final class AwsCall {
    private AwsCall() {}

    public static <T> T call(String doing, String region, Supplier<T> step) {
        try {
            return step.get();
        } catch (SdkException e) {
            throw translate(doing, region, e);
        }
    }

    public static void run(String doing, String region, Runnable step) {
        call(doing, region, () -> {
            step.run();
            return null;
        });
    }

    /**
     * A read where AWS's not-found answer ({@code notFound}) is an answer, not a failure: empty. A
     * step that returns null (a resource without the optional part asked for) is empty too.
     */
    public static <T> java.util.Optional<T> ifFound(
            String doing, String region, Class<? extends SdkException> notFound, Supplier<T> step) {
        return call(doing, region, () -> {
            try {
                return java.util.Optional.ofNullable(step.get());
            } catch (SdkException e) {
                if (notFound.isInstance(e)) return java.util.Optional.empty();
                throw e;
            }
        });
    }

    /** A delete where already gone ({@code gone}) is done; true if this call deleted it. */
    public static boolean unlessGone(String doing, String region, Class<? extends SdkException> gone, Runnable step) {
        return ifFound(doing, region, gone, () -> {
                    step.run();
                    return true;
                })
                .isPresent();
    }

    public static ExitException translate(String doing, String region, SdkException e) {
        String where = doing + " (" + region + ")";
        if (e instanceof AwsServiceException service) {
            // an answer without an error body (an HTTP 500 from a proxy or an emulator) has no code: say its status
            String code = service.awsErrorDetails() == null
                            || service.awsErrorDetails().errorCode() == null
                    ? "HTTP " + service.statusCode()
                    : service.awsErrorDetails().errorCode();
            String detail = service.awsErrorDetails() == null
                    ? e.getMessage()
                    : service.awsErrorDetails().errorMessage();
            if ("UnrecognizedClientException".equals(code)
                    || "InvalidClientTokenId".equals(code)
                    || "ExpiredTokenException".equals(code)
                    || "InvalidSignatureException".equals(code)) {
                return new ExitException(
                        ExitException.AWS,
                        where + ": " + code + " — the AWS credentials are invalid or expired",
                        "refresh them (aws sso login, or new access keys), or pick others with --profile",
                        e);
            }
            if (isAccessDenied(code, service.statusCode())) {
                String action = CallCounter.lastFailedAction().orElse("the action for this step");
                if (refusedByKms(service, detail)) return kmsDenied(where, code, action, null, e);
                return new ExitException(
                        ExitException.AWS,
                        where + ": " + code + " — the caller lacks " + action,
                        "grant it: policies/operator-setup.json (setup, rotate-key, teardown) or "
                                + "policies/operator-verify.json (verify) list every action secure-api needs; "
                                + "secure-api iam-policy --for COMMAND --env NAME prints it scoped to your API",
                        e);
            }
            if (service.isThrottlingException()) {
                return new ExitException(
                        ExitException.AWS,
                        where + ": throttled by AWS past retries (" + code + ")",
                        "wait a minute and run it again; reruns are safe",
                        e);
            }
            return new ExitException(
                    ExitException.AWS,
                    where + ": " + code + (detail == null ? "" : " — " + oneLine(detail)),
                    "run it again with --verbose for details; reruns are safe",
                    e);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
        if (e instanceof SdkClientException && msg.contains("credentials")) {
            return new ExitException(
                    ExitException.AWS,
                    where + ": no AWS credentials found",
                    "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile",
                    e);
        }
        return new ExitException(
                ExitException.AWS,
                where + ": " + msg,
                "check the network and --endpoint-url, then run it again; reruns are safe",
                e);
    }

    /** A KMS key Secrets Manager was refused: the missing action is one of KMS's, named in the message. */
    public static final String KMS_DENIED_MARK = "Secrets Manager could not use the secret's KMS key";

    /**
     * Secrets Manager acts on the secret's KMS key with the caller's permissions: the caller of
     * GetSecretValue needs kms:Decrypt, the caller of CreateSecret or PutSecretValue
     * kms:GenerateDataKey (and kms:Decrypt), and Secrets Manager answers AccessDenied naming KMS when
     * KMS refuses ("Permissions for the KMS key",
     * docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
     */
    static boolean refusedByKms(AwsServiceException service, String detail) {
        String svc = service.awsErrorDetails() == null
                ? null
                : service.awsErrorDetails().serviceName();
        return detail != null
                && detail.contains("KMS")
                && (svc == null || svc.toLowerCase(java.util.Locale.ROOT).contains("secrets"));
    }

    /**
     * The error for a KMS refusal through Secrets Manager: the key ({@code keyId}, null when not
     * known here), the KMS action, the statement to add, and that the key policy may need it too.
     */
    public static ExitException kmsDenied(String where, String code, String smAction, String keyId, Throwable cause) {
        boolean reads = smAction.endsWith("GetSecretValue");
        String kmsAction = reads ? "kms:Decrypt" : "kms:GenerateDataKey and kms:Decrypt";
        String key = keyId == null ? "the secret's customer managed KMS key" : "KMS key " + keyId;
        return new ExitException(
                ExitException.AWS,
                where + ": " + code + " — " + KMS_DENIED_MARK + ": the caller lacks " + kmsAction + " on " + key
                        + " (Secrets Manager uses it with the caller's permissions for " + smAction + ")",
                "grant " + kmsAction
                        + " through Secrets Manager only: statement UseTheSecretsKmsKeyThroughSecretsManager "
                        + "of policies/operator-setup.json"
                        + (reads ? " (verify: ReadKeySecretValueThroughKms of policies/operator-verify.json)" : "")
                        + "; if the key policy lacks the statement that lets "
                        + "the account's IAM policies grant access to the key, its owner must allow the caller in the "
                        + "key policy too",
                cause);
    }

    /** The same KMS refusal with the key named, where the caller knows the secret's key ({@code keyId} null: as is). */
    public static ExitException namingKey(ExitException e, String keyId) {
        if (keyId == null || e.getMessage() == null || !e.getMessage().contains(KMS_DENIED_MARK)) return e;
        return new ExitException(
                e.exitCode(),
                e.getMessage().replace("the secret's customer managed KMS key", "KMS key " + keyId),
                e.hint(),
                e.getCause());
    }

    /** Whether a step failed because AWS refused the caller (AccessDenied), as translated here. */
    public static boolean accessDenied(ExitException e) {
        return e.getCause() instanceof AwsServiceException service
                && service.awsErrorDetails() != null
                && isAccessDenied(service.awsErrorDetails().errorCode(), service.statusCode());
    }

    private static boolean isAccessDenied(String code, int status) {
        return code != null
                && (code.startsWith("AccessDenied")
                        || code.equals("UnauthorizedOperation")
                        || code.equals("AuthorizationError"));
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("\\s+", " ").trim();
        // The SDK appends "(Service: X, Status Code: N, Request ID: ...)": keep it, it helps support.
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
