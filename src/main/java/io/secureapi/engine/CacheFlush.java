package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;

import io.secureapi.error.ExitException;
import io.secureapi.model.State;
import io.secureapi.pieces.FunctionPiece;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Backoff;
import io.secureapi.support.Names;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.apigatewayv2.model.TooManyRequestsException;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.PreconditionFailedException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;

/**
 * After every write of the digest secret (keys add/revoke, rotate-key, --finish), the caches that
 * may still answer from the key set before it are emptied, in this order:
 *
 * <ol>
 *   <li>the bundled function's environment gets KEY_MIN_GENERATION = the generation just written
 *       (merged, never dropping another variable; with RevisionId) and the update completes
 *       (LastUpdateStatus Successful): new invocations run in new environments, and one still
 *       holding an older key set re-reads before it answers;
 *   <li>API Gateway's authorizer result cache is reset on every stage;
 *   <li>once the function's timeout has passed since the configuration became Successful, every
 *       stage is reset again: an invocation that started before the change has ended by then, and
 *       an allow it left in the cache is gone.
 * </ol>
 *
 * Reversed, a request in between would be answered by a warm function and its answer cached again
 * for the whole TTL. A flush that does not complete is recorded as a tag on the secret ({@link
 * #PENDING_TAG}; no new secret version), which verify reports (keys.flush-pending) and the next
 * complete flush removes. With the user's own function there is no configuration of ours to
 * change: the flush is the cache resets only.
 */
public final class CacheFlush {
    /** Set on every flush; setup merges the environment and never resets or removes it. */
    public static final String ENV_FLUSHED_AT = "SECURE_API_FLUSHED_AT";

    /** The generation the bundled authorizer must hold before it answers (index.mjs reads it). */
    public static final String ENV_MIN_GENERATION = "KEY_MIN_GENERATION";

    /** On the secret while a flush is outstanding: "generation/time" of the write it was for. */
    public static final String PENDING_TAG = "secure-api:flush-pending";

    /** UpdateFunctionConfiguration attempts while another update is in progress or the revision moved. */
    static final int CONFIGURE_ATTEMPTS = 5;

    /** How long a stage's reset is retried while API Gateway answers 429 (TooManyRequests). */
    static final Duration RESET_RETRY = Duration.ofSeconds(60);

    /**
     * What the flush did. {@code function} null with the user's own function. {@code writtenAt} is
     * when the secret write finished, {@code configuredAt} when the function's new configuration
     * became Successful (null: none), {@code flushedAt} the last reset: the longest the old key set
     * could still be answered from is {@link #seconds()}.
     */
    public record Result(
            String function,
            List<String> stages,
            Instant writtenAt,
            Instant configuredAt,
            Instant flushedAt,
            long generation,
            int functionTimeoutSeconds,
            int authorizerTtlSeconds,
            List<String> warnings) {
        public Result {
            stages = List.copyOf(stages);
            warnings = List.copyOf(warnings);
        }

        /** Measured: from the secret write to the last reset. */
        public long seconds() {
            return ceilSeconds(writtenAt, flushedAt);
        }

        /** Had the last step failed: how long the old key set could still have been answered from, counted from the write. */
        public long worstCaseSeconds() {
            if (configuredAt == null) return ceilSeconds(writtenAt, flushedAt) + authorizerTtlSeconds;
            return ceilSeconds(writtenAt, configuredAt) + functionTimeoutSeconds + authorizerTtlSeconds;
        }

        public String worstCaseReason() {
            if (configuredAt == null) {
                return "an answer cached just before the reset would have lasted the authorizer TTL ("
                        + authorizerTtlSeconds + " s)";
            }
            return "an invocation that started just before the configuration change can run up to the function's timeout ("
                    + functionTimeoutSeconds + " s), and its answer is cached for the authorizer TTL ("
                    + authorizerTtlSeconds + " s); the second reset removes it";
        }

        /** The fields keys and rotate-key put in --output json. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("complete", true);
            m.put("function", function);
            m.put("generation", generation);
            m.put("stages", stages);
            m.put("writtenAt", writtenAt.toString());
            m.put("configuredAt", configuredAt == null ? null : configuredAt.toString());
            m.put("flushedAt", flushedAt.toString());
            m.put("measuredSeconds", seconds());
            m.put("worstCaseSecondsIfLastStepFailed", worstCaseSeconds());
            m.put("worstCaseReason", worstCaseReason());
            m.put("warnings", warnings);
            return m;
        }
    }

    private CacheFlush() {}

    static long ceilSeconds(Instant from, Instant to) {
        return Math.max(1, (long) Math.ceil(Duration.between(from, to).toMillis() / 1000.0));
    }

    /** The tag value recording an outstanding flush: generation/time (characters Secrets Manager tags allow). */
    static String pendingValue(long generation, Instant at) {
        return generation + "/" + at.truncatedTo(ChronoUnit.SECONDS);
    }

    /** The outstanding flush recorded on the secret, if any. */
    public static Optional<String> pending(State.Secret secret) {
        return Optional.ofNullable(secret.tags()).map(t -> t.get(PENDING_TAG));
    }

    /**
     * Runs the flush for a write of {@code generation} that finished at {@code writtenAt}. A failed
     * step is exit 3 naming it, with the worst case and the reason, after the failure is recorded on
     * the secret; {@code rerun} says what completes it (e.g. "run secure-api keys revoke a --yes again").
     */
    public static Result flush(
            Wiring w, State.Secret secret, Instant writtenAt, long generation, boolean managed, String rerun) {
        int ttl = w.target.cacheTtl();
        List<String> warnings = new ArrayList<>();
        Instant configuredAt = null;
        int timeout = 0;
        String fn = managed ? w.functionName() : null;
        String step = "";
        int keyCache = KeyRotation.DEFAULT_KEY_CACHE_SECONDS;
        try {
            if (managed) {
                step = "setting " + ENV_MIN_GENERATION + " on Lambda function " + fn;
                GetFunctionConfigurationResponse now = configure(w, generation);
                configuredAt = Instant.now();
                timeout = now.timeout() == null ? 3 : now.timeout();
                if (now.environment() != null && now.environment().variables() != null) {
                    keyCache = KeyRotation.keyCacheSeconds(
                            now.environment().variables().get(Names.ENV_KEY_CACHE_SECONDS));
                }
            } else {
                warnings.add(
                        "API " + w.apiId() + " is checked by your own function "
                                + Wiring.nameOf(w.target.function().orElse(w.functionName()))
                                + ": only API Gateway's authorizer cache was reset; how long your function caches the secret is its own");
            }
            step = "resetting the authorizer cache";
            List<String> stages = stages(w);
            resetAll(w, stages);
            if (managed) {
                step = "resetting the authorizer cache again after the function's timeout";
                waitOut(w, configuredAt.plusSeconds(timeout), timeout);
                resetAll(w, stages);
            }
            Instant flushedAt = Instant.now();
            if (pending(secret).isPresent()) {
                step = "removing tag " + PENDING_TAG + " from secret " + secret.name();
                clearPending(w, secret);
            }
            return new Result(fn, stages, writtenAt, configuredAt, flushedAt, generation, timeout, ttl, warnings);
        } catch (ExitException e) {
            if (step.startsWith("removing tag")) throw e;
            long worst;
            String reason;
            if (managed && configuredAt == null) {
                worst = ceilSeconds(writtenAt, Instant.now()) + keyCache + ttl;
                reason = "a warm authorizer keeps the key set it holds for up to " + keyCache
                        + " s (KEY_CACHE_SECONDS), and API Gateway caches each answer for " + ttl + " s";
            } else if (managed && step.contains("again")) {
                worst = ceilSeconds(writtenAt, configuredAt) + timeout + ttl;
                reason = "an invocation that started before the configuration change could end up to " + timeout
                        + " s later, and its answer is cached for " + ttl + " s";
            } else {
                worst = ceilSeconds(writtenAt, Instant.now()) + ttl;
                reason = "API Gateway caches each answer for " + ttl + " s";
            }
            String recorded = recordPending(w, secret, generation, writtenAt);
            throw new ExitException(
                    ExitException.AWS,
                    e.getMessage() + ". The cache flush did not complete (" + step
                            + "): the change may take effect only up to " + worst + " s after the secret was written ("
                            + reason + ")" + recorded,
                    rerun + ": it completes the flush (until then secure-api verify fails keys.flush-pending)"
                            + (e.hint() == null ? "" : "; " + e.hint()),
                    e);
        }
    }

    /**
     * Merges KEY_MIN_GENERATION (and SECURE_API_FLUSHED_AT) into the function's environment as it
     * is now, with its RevisionId, and waits until the update is Successful. Lambda refuses a change
     * while another update is in progress (ResourceConflictException: "wait until LastUpdateStatus
     * is Successful", docs.aws.amazon.com/lambda/latest/dg/functions-states.html) and refuses a
     * RevisionId that is no longer the latest (PreconditionFailedException,
     * docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html): both are waited
     * out with the function-updated waiter, read again and retried, a bounded number of times.
     */
    static GetFunctionConfigurationResponse configure(Wiring w, long generation) {
        String name = w.functionName();
        String arn = w.function().map(State.Function::arn).orElse(w.functionArn());
        Backoff backoff = new Backoff(Duration.ofMinutes(2), Duration.ofMillis(500), Backoff.MAX_DELAY);
        w.progress.say("setting " + ENV_MIN_GENERATION + "=" + generation + " on Lambda function " + name);
        for (int attempt = 1; ; attempt++) {
            GetFunctionConfigurationResponse now = call(
                    "reading the configuration of Lambda function " + name,
                    w.region(),
                    () -> w.aws.lambda().getFunctionConfiguration(r -> r.functionName(arn)));
            if ("InProgress".equals(now.lastUpdateStatusAsString())) {
                FunctionPiece.waitUpdated(w, name);
                continue;
            }
            Map<String, String> merged = new LinkedHashMap<>();
            if (now.environment() != null && now.environment().variables() != null)
                merged.putAll(now.environment().variables());
            merged.put(ENV_MIN_GENERATION, Long.toString(generation));
            merged.put(
                    ENV_FLUSHED_AT, Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
            String revision = now.revisionId();
            String doing = "setting " + ENV_MIN_GENERATION + " on Lambda function " + name;
            boolean last = attempt >= CONFIGURE_ATTEMPTS;
            boolean done = call(doing, w.region(), () -> {
                try {
                    w.aws.lambda()
                            .updateFunctionConfiguration(r ->
                                    r.functionName(arn).revisionId(revision).environment(e -> e.variables(merged)));
                    return true;
                } catch (ResourceConflictException | PreconditionFailedException busy) {
                    if (last) throw busy;
                    return false;
                }
            });
            if (!done) {
                if (!backoff.retry(
                        w.progress, "Lambda function " + name + " is being changed by someone else; waiting"))
                    throw new ExitException(
                            ExitException.AWS,
                            doing + " (" + w.region() + "): the function kept changing",
                            "run it again once nobody else is changing the function",
                            null);
                FunctionPiece.waitUpdated(w, name);
                continue;
            }
            // LastUpdateStatus Successful: invocations from now on run the new configuration, in new environments
            // (docs.aws.amazon.com/lambda/latest/dg/functions-states.html)
            FunctionPiece.waitUpdated(w, name);
            return now;
        }
    }

    /** ResetAuthorizersCache on each stage, each retried while API Gateway answers 429. */
    static void resetAll(Wiring w, List<String> stages) {
        for (String stage : stages) {
            String doing = "resetting the authorizer cache of stage " + stage + " of API " + w.apiId();
            w.progress.say(doing);
            Backoff backoff = new Backoff(RESET_RETRY, Duration.ofSeconds(1), Backoff.MAX_DELAY);
            while (true) {
                // HTTP APIs: ResetAuthorizersCache flushes the Lambda authorizer cache of a stage; 429 is
                // TooManyRequestsException
                // (docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename-cache-authorizers.html)
                boolean done = call(doing, w.region(), () -> {
                    try {
                        w.aws.apigateway()
                                .resetAuthorizersCache(r -> r.apiId(w.apiId()).stageName(stage));
                        return true;
                    } catch (TooManyRequestsException throttled) {
                        if (!backoff.retry(w.progress, doing + ": too many requests, waiting")) throw throttled;
                        return false;
                    }
                });
                if (done) break;
            }
        }
    }

    /** What {@link #waitOut} says while it waits (and tells its Backoff clock, so tests can pass that wait at once). */
    public static final String FUNCTION_TIMEOUT_WAIT = "waiting for invocations that started before the change to end";

    /** Waits until {@code until}, saying so at least every few seconds (the Backoff clock, so tests can replace it). */
    static void waitOut(Wiring w, Instant until, int timeout) {
        Duration left = Duration.between(Instant.now(), until);
        if (left.isNegative() || left.isZero()) return;
        Backoff b = new Backoff(left.plusSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
        w.progress.say("waiting " + Math.max(1, left.toSeconds()) + " s (the function's timeout, " + timeout
                + " s, since its configuration changed) so no answer started before the change is left in a cache");
        while (Instant.now().isBefore(until)) {
            if (!b.retry(w.progress, FUNCTION_TIMEOUT_WAIT)) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new ExitException(ExitException.FAILED, "interrupted while waiting", "run it again", null);
                }
                break;
            }
        }
    }

    /** Records an outstanding flush on the secret; answers what to add to the message. */
    static String recordPending(Wiring w, State.Secret secret, long generation, Instant writtenAt) {
        String value = pendingValue(generation, writtenAt);
        try {
            tagPending(w, secret, value, "tagging secret " + secret.name() + " " + PENDING_TAG);
            return "; recorded on secret " + secret.name() + " as tag " + PENDING_TAG + "=" + value;
        } catch (ExitException e) {
            return "; recording it on secret " + secret.name() + " failed too (" + e.getMessage() + ")";
        }
    }

    /**
     * Before a key write that a flush will follow: the flush it needs is recorded first, so a run
     * killed between the write and the flush's end (SIGKILL: no error path runs) still leaves the
     * tag; verify then fails keys.flush-pending and rerunning the command completes the flush, which
     * removes the tag. Returns the secret as tagged now. A tag that cannot be written stops the run
     * before the write.
     */
    public static State.Secret recordAhead(Wiring w, State.Secret secret, long generation) {
        String value = pendingValue(generation, Instant.now());
        tagPending(w, secret, value, "tagging secret " + secret.name() + " " + PENDING_TAG + " before the key write");
        Map<String, String> tags = new LinkedHashMap<>(secret.tags() == null ? Map.of() : secret.tags());
        tags.put(PENDING_TAG, value);
        return new State.Secret(
                secret.arn(), secret.name(), secret.deletedDate(), tags, secret.hasCurrent(), secret.kmsKeyId());
    }

    /** Sets the pending-flush tag to {@code value}; {@code doing} names the step in an error. */
    private static void tagPending(Wiring w, State.Secret secret, String value, String doing) {
        // TagResource adds or overwrites a tag without a new secret version
        // (docs.aws.amazon.com/secretsmanager/latest/apireference/API_TagResource.html)
        run(
                doing,
                w.region(),
                () -> w.aws.secrets()
                        .tagResource(r -> r.secretId(secret.arn())
                                .tags(t -> t.key(PENDING_TAG).value(value))));
    }

    static void clearPending(Wiring w, State.Secret secret) {
        w.progress.say("removing tag " + PENDING_TAG + " from secret " + secret.name());
        // docs.aws.amazon.com/secretsmanager/latest/apireference/API_UntagResource.html
        run(
                "removing tag " + PENDING_TAG + " from secret " + secret.name(),
                w.region(),
                () -> w.aws.secrets()
                        .untagResource(r -> r.secretId(secret.arn()).tagKeys(PENDING_TAG)));
    }

    /** Every stage of the API, across pages. */
    static List<String> stages(Wiring w) {
        return StagesPiece.stages(w).stream().map(State.Stage::name).toList();
    }
}
