package io.secureapi.support;

import java.util.Optional;

/** ARNs the tool builds; partition and account always come from an ARN AWS gave us. */
public final class Arns {
    private Arns() {}

    /** arn:partition:service:region:account:resource */
    public record Parsed(String partition, String service, String region, String account, String resource) {}

    public static Optional<Parsed> parse(String arn) {
        if (arn == null || !arn.startsWith("arn:")) return Optional.empty();
        String[] p = arn.split(":", 6);
        if (p.length < 6) return Optional.empty();
        return Optional.of(new Parsed(p[1], p[2], p[3], p[4], p[5]));
    }

    public static String authorizerUri(String partition, String region, String functionArn) {
        return "arn:" + partition + ":apigateway:" + region + ":lambda:path/2015-03-31/functions/" + functionArn
                + "/invocations";
    }

    /** The function ARN inside an authorizer URI (.../functions/ARN/invocations). */
    public static Optional<String> functionOfAuthorizerUri(String uri) {
        if (uri == null) return Optional.empty();
        int from = uri.indexOf("/functions/");
        int to = uri.lastIndexOf("/invocations");
        if (from < 0 || to <= from) return Optional.empty();
        return Optional.of(uri.substring(from + "/functions/".length(), to));
    }

    public static String authorizerSourceArn(
            String partition, String region, String account, String apiId, String authorizerId) {
        return "arn:" + partition + ":execute-api:" + region + ":" + account + ":" + apiId + "/authorizers/"
                + authorizerId;
    }

    /** The DNS suffix of AWS endpoints in the region's partition: China's is amazonaws.com.cn. */
    public static String dnsSuffix(String region) {
        // docs.amazonaws.cn/en_us/aws/latest/userguide/endpoints-arns.html: China (Beijing, Ningxia) endpoints end in
        // .amazonaws.com.cn
        return region != null && region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    }

    public static String role(String partition, String account, String roleName) {
        return "arn:" + partition + ":iam::" + account + ":role/" + roleName;
    }
}
