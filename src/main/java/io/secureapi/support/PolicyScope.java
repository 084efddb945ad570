package io.secureapi.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * An operator policy template (policies/operator-*.json) scoped to given APIs, functions and
 * regions: each {@code *} the template leaves for "any API", "the bundled function of any API",
 * "your function", "any region" or "any partition" becomes the names given, and every condition
 * stays (its secret ARNs, Secrets Manager endpoints and authorizer URIs scoped the same way). What
 * is not given stays a wildcard. Pure: no AWS call.
 */
public final class PolicyScope {
    /** One API the policy is for: its id, region (null: any), account (null: any), secret name, and the user's function (null: bundled). */
    public record Api(String apiId, String region, String account, String secretName, String function) {}

    private final List<Api> apis;
    private final List<String> regions;

    /** {@code apis}: the APIs (empty: any API); {@code regions}: scan's regions (empty: any). */
    public PolicyScope(List<Api> apis, List<String> regions) {
        this.apis = List.copyOf(apis);
        this.regions = List.copyOf(regions);
    }

    /** The partition of a region: aws-cn for China, aws-us-gov for GovCloud (US), else aws. */
    public static String partition(String region) {
        if (region == null) return "*";
        if (region.startsWith("cn-")) return "aws-cn";
        if (region.startsWith("us-gov-")) return "aws-us-gov";
        return "aws";
    }

    /** The template, scoped. {@code template} is the parsed policy document. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> apply(Map<String, Object> template) {
        Map<String, Object> out = new LinkedHashMap<>(template);
        List<Object> statements = new ArrayList<>();
        boolean yours = apis.stream().anyMatch(a -> a.function() != null);
        for (Object o : (List<Object>) template.get("Statement")) {
            Map<String, Object> s = new LinkedHashMap<>((Map<String, Object>) o);
            String sid = String.valueOf(s.get("Sid"));
            boolean yourFunctionStatement = sid.startsWith("YourAuthorizerFunction");
            // scoped to APIs without --function: the statements for your function have nothing to grant
            if (yourFunctionStatement && !apis.isEmpty() && !yours) continue;
            List<String> resources = new ArrayList<>();
            for (String r : strings(s.get("Resource"))) resources.addAll(scopeResource(r, yourFunctionStatement));
            s.put(
                    "Resource",
                    resources.size() == 1 ? resources.get(0) : new ArrayList<>(new LinkedHashSet<>(resources)));
            if (s.get("Condition") instanceof Map<?, ?> cond)
                s.put("Condition", scopeCondition((Map<String, Object>) cond));
            statements.add(s);
        }
        out.put("Statement", statements);
        return out;
    }

    private List<String> scopeResource(String r, boolean yourFunctionStatement) {
        if ("*".equals(r) || !r.startsWith("arn:")) return List.of(r);
        if (apis.isEmpty()) {
            if (regions.isEmpty()) return List.of(r);
            List<String> out = new ArrayList<>();
            for (String region : regions) out.add(arn(r, partition(region), region, null));
            return out;
        }
        Set<String> out = new LinkedHashSet<>();
        for (Api a : apis) out.addAll(forApi(r, a, yourFunctionStatement));
        return new ArrayList<>(out);
    }

    private static List<String> forApi(String r, Api a, boolean yourFunctionStatement) {
        String p = partition(a.region());
        String region = a.region() == null ? "*" : a.region();
        String base = arn(r, p, region, a.account());
        String id = a.apiId();
        String bundled = Names.managedFunctionName(id);
        if (base.contains(":apigateway:")) {
            // "/apis/*" is an API and everything below it (in IAM, * also matches /)
            if (base.endsWith("::/apis/*")) {
                String one = base.replace("::/apis/*", "::/apis/" + id);
                return List.of(one, one + "/*");
            }
            return List.of(base.replace("::/apis/*", "::/apis/" + id).replace("::/restapis/*", "::/restapis/" + id));
        }
        if (base.contains(":secret:")) {
            return List.of(base.replaceFirst(":secret:.*$", ":secret:" + a.secretName() + "-??????"));
        }
        if (base.contains(":function:")) {
            if (yourFunctionStatement && base.endsWith(":function:*")) {
                if (a.function() == null) return List.of();
                String fn = base.substring(0, base.length() - 1) + a.function().split(":")[0];
                return List.of(fn, fn + ":*");
            }
            return List.of(base.replace("function:secure-api-authorizer-*", "function:" + bundled));
        }
        if (base.contains(":role/secure-api-authorizer-*")) {
            return List.of(base.replace("role/secure-api-authorizer-*", "role/" + Names.managedRoleName(id)));
        }
        if (base.contains(":log-group:/aws/apigateway/secure-api/*")) {
            // the API's access-log group (setup --access-logs)
            String group = base.replace("/aws/apigateway/secure-api/*", "/aws/apigateway/secure-api/" + id);
            return List.of(group, group + ":*");
        }
        if (base.contains(":log-group:/aws/lambda/secure-api-authorizer-*")) {
            String group = base.replace("/aws/lambda/secure-api-authorizer-*", "/aws/lambda/" + bundled);
            return List.of(group, group + ":*");
        }
        return List.of(base);
    }

    /** Partition, region and account filled where the ARN leaves them as {@code *} (IAM ARNs have no region). */
    private static String arn(String r, String partition, String region, String account) {
        String[] p = r.split(":", 6);
        if (p.length < 6) return r;
        if ("*".equals(p[1])) p[1] = partition;
        if ("*".equals(p[3]) && region != null) p[3] = region;
        if ("*".equals(p[4]) && account != null) p[4] = account;
        return String.join(":", p);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> scopeCondition(Map<String, Object> cond) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> op : cond.entrySet()) {
            if (!(op.getValue() instanceof Map<?, ?> keys)) {
                out.put(op.getKey(), op.getValue());
                continue;
            }
            Map<String, Object> scoped = new LinkedHashMap<>();
            for (Map.Entry<String, Object> k : ((Map<String, Object>) keys).entrySet()) {
                Function<String, List<String>> f = v -> scopeValue(k.getKey(), v);
                if (k.getValue() instanceof List<?> list) {
                    Set<String> vs = new LinkedHashSet<>();
                    for (Object v : list) vs.addAll(f.apply(String.valueOf(v)));
                    scoped.put(k.getKey(), new ArrayList<>(vs));
                } else {
                    List<String> vs = f.apply(String.valueOf(k.getValue()));
                    scoped.put(k.getKey(), vs.size() == 1 ? vs.get(0) : new ArrayList<>(new LinkedHashSet<>(vs)));
                }
            }
            out.put(op.getKey(), scoped);
        }
        return out;
    }

    private List<String> scopeValue(String key, String v) {
        if (apis.isEmpty()) return List.of(v);
        List<String> out = new ArrayList<>();
        for (Api a : apis) {
            String region = a.region();
            if (key.equals("kms:ViaService") && region != null) {
                // one endpoint per region: secretsmanager.<region>.<DNS suffix of its partition>
                String endpoint = "secretsmanager." + region + "." + Arns.dnsSuffix(region);
                boolean china = region.startsWith("cn-");
                if (v.endsWith(".cn") == china) out.add(endpoint);
            } else if (key.equals("kms:EncryptionContext:SecretARN")) {
                out.add(arn(v, partition(region), region == null ? "*" : region, a.account())
                        .replaceFirst(":secret:.*$", ":secret:" + a.secretName() + "-??????"));
            } else if (key.equals("apigateway:Request/AuthorizerUri")) {
                String p = partition(region);
                String r = region == null ? "*" : region;
                String prefix = "arn:" + p + ":apigateway:" + r + ":lambda:path/2015-03-31/functions/arn:" + p
                        + ":lambda:" + r + ":" + "${aws:PrincipalAccount}" + ":function:";
                out.add(prefix + Names.managedFunctionName(a.apiId()) + "/invocations");
                if (a.function() != null) {
                    String fn = a.function().split(":")[0];
                    out.add(prefix + fn + "/invocations");
                    out.add(prefix + fn + ":*/invocations");
                }
            } else {
                out.add(v);
            }
        }
        return out;
    }

    private static List<String> strings(Object o) {
        if (o == null) return List.of();
        if (o instanceof List<?> l) return l.stream().map(String::valueOf).toList();
        return List.of(String.valueOf(o));
    }
}
