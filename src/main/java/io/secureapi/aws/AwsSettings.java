package io.secureapi.aws;

import java.net.URI;
import java.util.Optional;

/** Where and as whom the tool talks to AWS: resolved once from flags and the environment. */
public record AwsSettings(String region, Optional<String> profile, Optional<URI> endpoint) {
}
