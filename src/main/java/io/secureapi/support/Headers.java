package io.secureapi.support;

import java.util.Optional;

/** Rules for header names the tool writes, shared by a flag and the same field of secure-api.json. */
public final class Headers {
    private Headers() {}

    /**
     * Why {@code header} cannot be the header setup --forward-key-name maps on every integration
     * (empty: it can): a plain header name API Gateway lets a mapping set, not the key's own header.
     * Reserved headers: docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
     * ("Reserved headers").
     */
    public static Optional<String> notForwardable(String header, String keyHeader) {
        if (header == null || !header.matches("[A-Za-z0-9-]{1,64}"))
            return Optional.of("is not a header name (letters, digits and -, up to 64)");
        String h = header.toLowerCase(java.util.Locale.ROOT);
        if ((keyHeader != null && h.equals(keyHeader.toLowerCase(java.util.Locale.ROOT)))
                || h.equals("host")
                || h.equals("content-length")
                || h.equals("authorization")
                || h.startsWith("x-amz-")
                || h.startsWith("x-amzn-")
                || h.equals("connection")
                || h.equals("transfer-encoding")) {
            return Optional.of("names a header API Gateway reserves or the key travels in");
        }
        return Optional.empty();
    }
}
