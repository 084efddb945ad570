package io.secureapi.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A loopback HTTP forwarder between the tool and the emulator that, by rule, answers chosen
 * requests with AWS-shaped throttling, 500s or AccessDenied, or resets the connection (before
 * forwarding, or after: the request took effect and the response is lost). Rules match on the
 * operation: the X-Amz-Target header (Secrets Manager), the Action form field (IAM, STS), or
 * "METHOD /path" (Lambda, API Gateway).
 */
public final class FaultProxy implements AutoCloseable {
    public enum Fault {
        /** 429 ThrottlingException (Throttling for query APIs): retried by the SDK with backoff. */
        THROTTLE,
        /** 500 InternalFailure: retried by the SDK. */
        SERVER_ERROR,
        /** TCP reset before forwarding: the request never reaches AWS; retried by the SDK. */
        RESET,
        /** Forwarded, then a TCP reset instead of the answer: it took effect, the caller does not know. */
        LOST_RESPONSE,
        /** 400 AccessDeniedException (JSON) / 403 AccessDenied (REST, query): not retried. */
        ACCESS_DENIED,
        /** An error of the test's choosing: status, code and message (see {@link #failWith}). */
        ERROR
    }

    /** A service error as AWS sends it: HTTP status, error code, message. */
    public record ServiceError(int status, String code, String message) {}

    /** One request as received. */
    public record Request(String method, String path, Map<String, String> headers, byte[] body) {
        /** X-Amz-Target (e.g. secretsmanager.CreateSecret), the Action field (CreateRole), or "POST /2015-03-31/functions". */
        public String operation() {
            String target = headers.get("x-amz-target");
            if (target != null) return target;
            String type = headers.getOrDefault("content-type", "");
            if (type.startsWith("application/x-www-form-urlencoded")) {
                for (String kv : new String(body, StandardCharsets.UTF_8).split("&")) {
                    if (kv.startsWith("Action=")) return URLDecoder.decode(kv.substring(7), StandardCharsets.UTF_8);
                }
            }
            int q = path.indexOf('?');
            return method + " " + URLDecoder.decode(q < 0 ? path : path.substring(0, q), StandardCharsets.UTF_8);
        }

        boolean queryProtocol() {
            return headers.getOrDefault("content-type", "").startsWith("application/x-www-form-urlencoded");
        }

        boolean jsonProtocol() {
            return headers.containsKey("x-amz-target");
        }
    }

    /** Matches an operation exactly: "secretsmanager.CreateSecret", "CreateRole". */
    public static Predicate<Request> op(String operation) {
        return r -> r.operation().equals(operation);
    }

    /** Matches a REST call: method and a regex on the path, e.g. rest("POST", "/v2/apis/[^/]+/authorizers"). */
    public static Predicate<Request> rest(String method, String pathRegex) {
        return r -> r.operation().matches(method + " " + pathRegex);
    }

    public static Predicate<Request> any() {
        return r -> true;
    }

    private static final class Rule {
        final Predicate<Request> match;
        final Fault fault;
        final AtomicInteger left;
        final ServiceError error;

        Rule(Predicate<Request> match, Fault fault, int times, ServiceError error) {
            this.match = match;
            this.fault = fault;
            this.left = new AtomicInteger(times);
            this.error = error;
        }

        /** True when this rule fires for the request (and counts it). */
        boolean fires(Request r) {
            if (!match.test(r)) return false;
            while (true) {
                int n = left.get();
                if (n == 0) return false;
                if (n < 0) return true;
                if (left.compareAndSet(n, n - 1)) return true;
            }
        }
    }

    private final URI upstream;
    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<String> operations = new CopyOnWriteArrayList<>();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final List<String> faulted = new CopyOnWriteArrayList<>();
    private volatile Predicate<Request> cutTrigger;
    private volatile Fault cutFault;
    private volatile boolean cut;

    private FaultProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        pool.submit(this::acceptLoop);
    }

    public static FaultProxy start(String upstream) {
        try {
            return new FaultProxy(URI.create(upstream));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the fault proxy", e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Answers matching requests with the fault, {@code times} times (negative: forever). */
    public FaultProxy fail(Predicate<Request> match, Fault fault, int times) {
        rules.add(new Rule(match, fault, times, null));
        return this;
    }

    /** Answers matching requests with this service error, {@code times} times (negative: forever). */
    public FaultProxy failWith(Predicate<Request> match, int status, String code, String message, int times) {
        rules.add(new Rule(match, Fault.ERROR, times, new ServiceError(status, code, message)));
        return this;
    }

    /**
     * Holds the first request matching {@code match} and never answers it: forwarded first (it takes
     * effect in AWS) or not at all. The latch opens once it is held, so a test can kill the caller
     * at exactly that moment.
     */
    public java.util.concurrent.CountDownLatch hold(Predicate<Request> match, boolean forwardFirst) {
        return hold(match, forwardFirst, new java.util.concurrent.CountDownLatch(1));
    }

    /** Like {@link #hold(Predicate, boolean)}, but forwards and answers once {@code release} opens. */
    public java.util.concurrent.CountDownLatch hold(
            Predicate<Request> match, boolean forwardFirst, java.util.concurrent.CountDownLatch release) {
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        holdMatch = match;
        holdForward = forwardFirst;
        holdLatch = held;
        holdRelease = release;
        return held;
    }

    private volatile java.util.concurrent.CountDownLatch holdRelease;

    private volatile Predicate<Request> holdMatch;
    private volatile boolean holdForward;
    private volatile java.util.concurrent.CountDownLatch holdLatch;

    /** Lets the first request matching {@code trigger} through, then answers every later request with the fault. */
    public FaultProxy failEverythingAfter(Predicate<Request> trigger, Fault fault) {
        this.cutFault = fault;
        this.cutTrigger = trigger;
        return this;
    }

    public boolean cutHappened() {
        return cut;
    }

    /** Every request seen, as operation names, in order. */
    public List<String> operations() {
        return List.copyOf(operations);
    }

    /** Every request as "METHOD path?query" (URL-decoded), e.g. to see a Qualifier parameter. */
    public List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    /** The requests answered with a fault, as "operation: FAULT". */
    public List<String> faulted() {
        return List.copyOf(faulted);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing a test proxy
        }
        pool.shutdownNow();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                pool.submit(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            while (true) {
                Request req = readRequest(in);
                if (req == null) return;
                operations.add(req.operation());
                requestLines.add(req.method() + " " + URLDecoder.decode(req.path(), StandardCharsets.UTF_8));
                Predicate<Request> hm = holdMatch;
                if (hm != null && hm.test(req)) {
                    holdMatch = null;
                    byte[] answer = holdForward ? forward(req) : null;
                    holdLatch.countDown();
                    try {
                        holdRelease.await();
                    } catch (InterruptedException closed) {
                        return;
                    }
                    out.write(answer != null ? answer : forward(req));
                    out.flush();
                    continue;
                }
                Fault fault = cut ? cutFault : null;
                ServiceError custom = null;
                if (fault == null) {
                    for (Rule rule : rules) {
                        if (rule.fires(req)) {
                            fault = rule.fault;
                            custom = rule.error;
                            break;
                        }
                    }
                }
                if (fault != null) faulted.add(req.operation() + ": " + fault);
                if (fault == Fault.RESET) {
                    reset(client);
                    return;
                }
                if (fault != null && fault != Fault.LOST_RESPONSE) {
                    writeError(out, req, fault, custom);
                    continue;
                }
                byte[] response = forward(req);
                if (fault == Fault.LOST_RESPONSE) {
                    reset(client);
                    return;
                }
                out.write(response);
                out.flush();
                Predicate<Request> trigger = cutTrigger;
                if (trigger != null && !cut && trigger.test(req)) cut = true;
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static Map<String, String> readHeaders(InputStream in, List<String> raw) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            raw.add(line);
            headers.put(
                    line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        return headers;
    }

    private static byte[] readBody(InputStream in, Map<String, String> headers, boolean toEof) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = readLine(in);
                if (size == null) break;
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (true) {
                        String trailer = readLine(in);
                        if (trailer == null || trailer.isEmpty()) break;
                    }
                    break;
                }
                body.write(in.readNBytes(n));
                readLine(in);
            }
            return body.toByteArray();
        }
        String length = headers.get("content-length");
        if (length != null) return in.readNBytes(Integer.parseInt(length));
        return toEof ? in.readAllBytes() : new byte[0];
    }

    private static Request readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        while (requestLine != null && requestLine.isEmpty()) requestLine = readLine(in);
        if (requestLine == null) return null;
        String[] parts = requestLine.split(" ");
        Map<String, String> headers = readHeaders(in, new ArrayList<>());
        if ("100-continue".equalsIgnoreCase(headers.getOrDefault("expect", ""))) {
            // not sent by the SDK for these services; answered for completeness
            headers.remove("expect");
        }
        byte[] body = readBody(in, headers, false);
        return new Request(parts[0], parts[1], headers, body);
    }

    /** Sends the request upstream on a fresh connection and returns the answer, re-framed with Content-Length. */
    private byte[] forward(Request req) throws IOException {
        try (Socket up = new Socket(upstream.getHost(), upstream.getPort())) {
            OutputStream o = up.getOutputStream();
            StringBuilder head = new StringBuilder(req.method() + " " + req.path() + " HTTP/1.1\r\n");
            req.headers().forEach((k, v) -> {
                if (!k.equals("connection")
                        && !k.equals("transfer-encoding")
                        && !k.equals("content-length")
                        && !k.equals("expect")) {
                    head.append(k).append(": ").append(v).append("\r\n");
                }
            });
            head.append("content-length: ").append(req.body().length).append("\r\n");
            head.append("connection: close\r\n\r\n");
            o.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            o.write(req.body());
            o.flush();
            InputStream in = new BufferedInputStream(up.getInputStream());
            String status = readLine(in);
            if (status == null) throw new IOException("no answer from upstream");
            List<String> raw = new ArrayList<>();
            Map<String, String> headers = readHeaders(in, raw);
            String[] sp = status.split(" ", 3);
            int code = Integer.parseInt(sp[1]);
            boolean noBody = req.method().equals("HEAD") || code == 204 || code == 304;
            byte[] body = noBody ? new byte[0] : readBody(in, headers, true);
            StringBuilder b = new StringBuilder("HTTP/1.1 " + sp[1] + (sp.length > 2 ? " " + sp[2] : "") + "\r\n");
            for (String line : raw) {
                String k = line.substring(0, line.indexOf(':')).trim().toLowerCase(Locale.ROOT);
                if (k.equals("connection")
                        || k.equals("transfer-encoding")
                        || k.equals("content-length")
                        || k.equals("keep-alive")) continue;
                b.append(line).append("\r\n");
            }
            b.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
            all.write(body);
            return all.toByteArray();
        }
    }

    /** An error as the service would send it, in the request's protocol, so the SDK parses its code. */
    private static void writeError(OutputStream out, Request req, Fault fault, ServiceError custom) throws IOException {
        int status;
        String code;
        String message;
        switch (fault) {
            case ERROR -> {
                status = custom.status();
                code = custom.code();
                message = custom.message();
            }
            case THROTTLE -> {
                status = 429;
                code = req.queryProtocol() ? "Throttling" : "ThrottlingException";
                message = "Rate exceeded";
            }
            case ACCESS_DENIED -> {
                status = req.jsonProtocol() ? 400 : 403;
                code = req.queryProtocol() ? "AccessDenied" : "AccessDeniedException";
                message = "User: arn:aws:iam::123456789012:user/operator is not authorized to perform this action";
            }
            default -> {
                status = 500;
                code = req.queryProtocol() ? "ServiceUnavailable" : "InternalFailure";
                message = "We encountered an internal error. Please try again.";
            }
        }
        String body;
        String type;
        if (req.queryProtocol()) {
            type = "text/xml";
            body = "<ErrorResponse><Error><Type>" + (status >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + code
                    + "</Code><Message>" + message
                    + "</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>";
        } else {
            type = req.jsonProtocol() ? "application/x-amz-json-1.1" : "application/json";
            body = "{\"__type\":\"" + code + "\",\"message\":\""
                    + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " Fault\r\nContent-Type: " + type + "\r\nx-amzn-ErrorType: " + code
                + "\r\nx-amzn-RequestId: fault-proxy\r\nContent-Length: " + bytes.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
    }
}
