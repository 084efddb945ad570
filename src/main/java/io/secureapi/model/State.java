package io.secureapi.model;

import io.secureapi.support.Names;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What AWS holds, as plain values: the engine plans on these, so planning is testable offline. */
public final class State {
    private State() {}

    public record Api(String id, String name, String protocol, String endpoint, boolean corsConfigured) {}

    public record Route(String id, String key, String authorizationType, String authorizerId, List<String> scopes) {
        public boolean isOptions() {
            return key.startsWith("OPTIONS ");
        }

        public Authorization authorization() {
            return new Authorization(
                    authorizationType == null ? "NONE" : authorizationType,
                    authorizerId,
                    scopes == null ? List.of() : scopes);
        }
    }

    /** A route's authorization, as recorded before setup so teardown can restore it. */
    public record Authorization(String type, String authorizerId, List<String> scopes) {
        public static final Authorization NONE = new Authorization("NONE", null, List.of());
    }

    /**
     * A stage: with AutoDeploy off it serves its deployment (deploymentId; null when it has none).
     * {@code lastDeploymentStatusMessage}: how its last automatic deployment went (AutoDeploy stages
     * only; null when AWS gives none).
     */
    public record Stage(String name, boolean autoDeploy, String deploymentId, String lastDeploymentStatusMessage) {
        public Stage(String name, boolean autoDeploy, String deploymentId) {
            this(name, autoDeploy, deploymentId, null);
        }

        /**
         * What AWS says after a successful automatic deployment of this stage's current deployment
         * (the get-stages example: "Successfully deployed stage with deployment ID 'dty748'",
         * https://docs.aws.amazon.com/cli/latest/reference/apigatewayv2/get-stages.html).
         */
        public String deployedMessage() {
            return "Successfully deployed stage with deployment ID '" + deploymentId + "'";
        }

        /** An AutoDeploy stage whose last automatic deployment did not succeed for its current deployment. */
        public boolean autoDeployFailed() {
            return autoDeploy
                    && lastDeploymentStatusMessage != null
                    && !lastDeploymentStatusMessage.isBlank()
                    && !lastDeploymentStatusMessage.strip().equals(deployedMessage());
        }
    }

    public record Authorizer(
            String id,
            String name,
            String type,
            List<String> identitySource,
            String payloadFormatVersion,
            boolean simpleResponses,
            Integer resultTtl,
            String uri) {}

    /** A secret; {@code deletedDate} null unless scheduled for deletion, {@code kmsKeyId} null for the AWS-managed key. */
    public record Secret(
            String arn,
            String name,
            Instant deletedDate,
            Map<String, String> tags,
            boolean hasCurrent,
            String kmsKeyId) {
        public Secret(String arn, String name, Instant deletedDate, Map<String, String> tags) {
            this(arn, name, deletedDate, tags, true, null);
        }

        public boolean scheduledForDeletion() {
            return deletedDate != null;
        }

        public boolean ownedBy(String apiId) {
            return apiId.equals(tags.get(Names.TAG_API_ID));
        }
    }

    public record Function(
            String arn,
            String name,
            String role,
            String runtime,
            String handler,
            String state,
            String lastUpdateStatus,
            String codeSha256,
            Map<String, String> env,
            Map<String, String> tags,
            String version,
            String revisionId) {
        public Function {
            if (version == null) version = "$LATEST";
        }

        /**
         * After an update of its environment that Lambda accepted for this very revision: only the
         * variables, the state, the update status and the revision changed.
         */
        public Function updated(Map<String, String> env, String state, String lastUpdateStatus, String revisionId) {
            return new Function(
                    arn,
                    name,
                    role,
                    runtime,
                    handler,
                    state,
                    lastUpdateStatus,
                    codeSha256,
                    env,
                    tags,
                    version,
                    revisionId);
        }

        public boolean managed() {
            return "true".equals(tags.get(Names.TAG_MANAGED));
        }
    }

    /** A role; {@code inlinePolicy} (secure-api's logs policy) null when it has none. */
    public record Role(String arn, String name, Map<String, String> tags, String inlinePolicy) {}
}
