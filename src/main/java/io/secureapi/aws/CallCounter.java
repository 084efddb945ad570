package io.secureapi.aws;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts AWS operations as reads or writes by their name (Get/List/Describe are reads). It
 * proves "a converged rerun makes zero writes" and feeds the --verbose summary line.
 */
public final class CallCounter implements ExecutionInterceptor {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CallCounter.class);
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger writes = new AtomicInteger();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        // names only: never a request body (it may carry a key)
        LOG.debug("AWS {} {}", attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME), op);
        if (isRead(op)) reads.incrementAndGet();
        else writes.incrementAndGet();
    }

    /** Remembers the IAM action of a failed call, so an AccessDenied error can name it. */
    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        String action;
        if (service != null && service.toLowerCase().startsWith("apigateway")) {
            // API Gateway's IAM actions are HTTP verbs on resource paths.
            action = context.httpRequest()
                    .map(r -> "apigateway:" + r.method().name() + " on "
                            + r.encodedPath().replaceFirst("^/v2", ""))
                    .orElse("apigateway:" + op);
        } else {
            action = iamPrefix(service) + ":" + op;
        }
        LAST_FAILED.set(action);
    }

    private static String iamPrefix(String service) {
        if (service == null) return "unknown";
        String s = service.toLowerCase().replace(" ", "");
        if (s.startsWith("secretsmanager")) return "secretsmanager";
        if (s.startsWith("lambda")) return "lambda";
        if (s.startsWith("iam")) return "iam";
        if (s.startsWith("sts")) return "sts";
        if (s.startsWith("cloudwatchlogs")) return "logs";
        return s;
    }

    private static final ThreadLocal<String> LAST_FAILED = new ThreadLocal<>();

    public static Optional<String> lastFailedAction() {
        return Optional.ofNullable(LAST_FAILED.get());
    }

    public static boolean isRead(String operation) {
        return operation != null
                && (operation.startsWith("Get")
                        || operation.startsWith("List")
                        || operation.startsWith("Describe")
                        || operation.startsWith("BatchGet")
                        // ExportApi reads what a stage serves (apigateway:GET)
                        || operation.startsWith("Export")
                        // a Logs Insights query reads log events: AWS's CloudWatchLogsReadOnlyAccess
                        // grants logs:StartQuery and logs:StopQuery
                        // (docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchLogsReadOnlyAccess.html)
                        || operation.equals("StartQuery")
                        || operation.equals("StopQuery"));
    }

    public int reads() {
        return reads.get();
    }

    public int writes() {
        return writes.get();
    }
}
