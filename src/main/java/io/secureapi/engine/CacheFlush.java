package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.run;

import io.secureapi.model.State;
import io.secureapi.pieces.EnvVarPiece;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * After a key is removed from the secret, the caches that may still accept it are emptied, in
 * this order: the bundled function's configuration changes (SECURE_API_FLUSHED_AT) and the update
 * completes, so new invocations start with an empty key cache; then API Gateway's authorizer
 * result cache is reset on every stage. Reversed, a request in between would be allowed by a warm
 * function and its answer cached again for the whole TTL.
 */
public final class CacheFlush {
    /** Set on every flush; setup merges the environment and never resets or removes it. */
    public static final String ENV_FLUSHED_AT = "SECURE_API_FLUSHED_AT";

    /**
     * What the flush did. {@code stages} are those whose authorizer cache was reset; {@code took} is
     * from the secret write to the last reset: the longest a revoked key could still be accepted.
     */
    public record Result(String function, List<String> stages, Instant revokedAt, Instant flushedAt) {
        public long seconds() {
            return Math.max(
                    1, (long) Math.ceil(Duration.between(revokedAt, flushedAt).toMillis() / 1000.0));
        }
    }

    private CacheFlush() {}

    /** Runs the flush; {@code revokedAt} is when the secret write finished. Failures are exit 3 with the step named. */
    public static Result flush(Wiring w, Instant revokedAt) {
        String fn = w.functionName();
        String arn = w.function().map(State.Function::arn).orElse(fn);
        w.progress.say("emptying the key cache of Lambda function " + fn);
        EnvVarPiece.mergeInto(
                w,
                arn,
                Map.of(
                        ENV_FLUSHED_AT,
                        Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()),
                "setting " + ENV_FLUSHED_AT + " on Lambda function " + fn);

        List<String> stages = stages(w);
        for (String stage : stages) {
            w.progress.say("resetting the authorizer cache of stage " + stage + " of API " + w.apiId());
            // HTTP APIs: ResetAuthorizersCache flushes the Lambda authorizer cache of a stage
            // (docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename-cache-authorizers.html)
            run(
                    "resetting the authorizer cache of stage " + stage + " of API " + w.apiId(),
                    w.region(),
                    () -> w.aws.apigateway()
                            .resetAuthorizersCache(r -> r.apiId(w.apiId()).stageName(stage)));
        }
        return new Result(fn, stages, revokedAt, Instant.now());
    }

    /** Every stage of the API, across pages. */
    static List<String> stages(Wiring w) {
        return StagesPiece.stages(w).stream().map(State.Stage::name).toList();
    }
}
