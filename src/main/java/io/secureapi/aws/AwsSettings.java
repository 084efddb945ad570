package io.secureapi.aws;

import java.net.URI;

/**
 * Where and as whom the tool talks to AWS: resolved once from flags and the environment.
 * {@code profile} null: the SDK's default credentials chain; {@code endpoint} null: AWS's own.
 */
public record AwsSettings(String region, String profile, URI endpoint) {}
