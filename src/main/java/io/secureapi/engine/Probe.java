package io.secureapi.engine;

import io.secureapi.keys.ApiKey;
import io.secureapi.model.Check;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * verify --probe: real HTTP requests to the API, as a client would send them. No key → 401
 * (API Gateway's answer to a missing identity source), a wrong key → 403, the right key →
 * neither. The key goes only into the request header: never into a message.
 */
public final class Probe {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Probe() {}

    /** An HTTP answer, or why there was none. */
    record Answer(int status, String error) {
        boolean reached() {
            return error == null;
        }
    }

    /** The three probes against one URL; {@code keySource} says where the right key came from, or why there is none. */
    public static List<Check> run(URI url, String header, Verify.ProbeKeySource keySource) {
        return run(url, header, keySource, null);
    }

    /** Like {@link #run(URI, String, Verify.ProbeKeySource)}; {@code stage}: the stage the URL calls, null when unknown (--probe-url). */
    public static List<Check> run(URI url, String header, Verify.ProbeKeySource keySource, String stage) {
        String unreachedNext = "check the URL (--probe-url), the network, and that "
                + (stage == null ? "the stage it calls" : "stage " + stage + " of the API") + " is deployed";
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        String res = "GET " + url;
        Answer none = send(http, url, header, null);
        if (!none.reached()) {
            // nothing answers there: one check says why, instead of three identical failures
            return List.of(Check.fail(
                    "probe.no-key",
                    res,
                    "cannot connect to " + hostPort(url) + ": " + none.error()
                            + " (the probe with a wrong key and with the right key were not sent)",
                    unreachedNext));
        }
        Answer wrong = send(http, url, header, wrongKey(keySource.key()));
        Check right = keySource.key() == null
                ? Check.fail(
                        "probe.right-key",
                        res,
                        "no key to probe with: " + keySource.description(),
                        "give the key clients use: --key-file FILE, --key-stdin or SECURE_API_PROBE_KEY")
                : rightKey(res, header, send(http, url, header, keySource.key()), keySource.description());
        return List.of(noKey(res, header, none), wrongKey(res, header, wrong), right);
    }

    /** A random key that is not {@code right} (null: no right key known). */
    private static ApiKey wrongKey(ApiKey right) {
        while (true) {
            byte[] b = new byte[32];
            RANDOM.nextBytes(b);
            String k = "sak_probe_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            if (right == null || !right.reveal().equals(k)) return ApiKey.unchecked(k);
        }
    }

    static Answer send(HttpClient http, URI url, String header, ApiKey key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url)
                .GET()
                .timeout(REQUEST_TIMEOUT)
                .header("User-Agent", "secure-api-verify-probe");
        if (key != null) b.header(header, key.reveal());
        try {
            HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
            return new Answer(r.statusCode(), null);
        } catch (IOException e) {
            return new Answer(0, reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "interrupted");
        }
    }

    /** Why a request got no answer, in words (java.net.http messages name the URL and cause, never request headers). */
    static String reason(IOException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) t = t.getCause();
        if (e instanceof java.net.http.HttpConnectTimeoutException)
            return "no answer within " + CONNECT_TIMEOUT.toSeconds() + " s (connect timeout)";
        if (e instanceof java.net.http.HttpTimeoutException)
            return "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
        if (e instanceof java.net.ConnectException || t instanceof java.net.ConnectException) {
            String m = t.getMessage();
            return m == null || m.isBlank() || m.equalsIgnoreCase("Connection refused") ? "connection refused" : m;
        }
        if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException)
            return "unknown host";
        return e.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private static String hostPort(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }

    private static Check unreachable(String id, String res, Answer a) {
        return Check.fail(
                id,
                res,
                "could not reach " + res.substring(4) + " (" + a.error() + ")",
                // an earlier probe of the same URL was answered: the stage is there
                "check the URL (--probe-url) and the network, then run verify again");
    }

    static Check noKey(String res, String header, Answer a) {
        String id = "probe.no-key";
        if (!a.reached()) return unreachable(id, res, a);
        if (a.status() == 401) return Check.pass(id, res, res + " without " + header + " → 401, as expected");
        String why = a.status() / 100 == 2 || a.status() / 100 == 3
                ? ": the API answers without a key — it is open"
                : a.status() == 403
                        ? ": expected 401 (API Gateway's answer when the identity source is missing)"
                        : a.status() == 404
                                ? ": no route or stage serves this URL; pass --probe-url with a protected path"
                                : "";
        return Check.fail(
                id,
                res,
                res + " without " + header + " → " + a.status() + ", expected 401" + why,
                Check.SETUP_FIX + " (it protects every route), then probe again");
    }

    static Check wrongKey(String res, String header, Answer a) {
        String id = "probe.wrong-key";
        if (!a.reached()) return unreachable(id, res, a);
        if (a.status() == 403)
            return Check.pass(id, res, res + " with a wrong key in " + header + " → 403, as expected");
        String why = a.status() / 100 == 2 || a.status() / 100 == 3
                ? ": a wrong key gets in — the API is open or the authorizer accepts any key"
                : a.status() == 401 ? ": " + header + " may not be the authorizer's identity source" : "";
        return Check.fail(
                id,
                res,
                res + " with a wrong key in " + header + " → " + a.status() + ", expected 403" + why,
                Check.SETUP_FIX);
    }

    static Check rightKey(String res, String header, Answer a, String from) {
        String id = "probe.right-key";
        if (!a.reached()) return unreachable(id, res, a);
        String with = res + " with the right key (" + from + ") in " + header + " → " + a.status();
        if (a.status() == 401)
            return Check.fail(
                    id, res, with + ": " + header + " is not the header the authorizer reads", Check.SETUP_FIX);
        if (a.status() == 403) {
            return Check.fail(
                    id,
                    res,
                    with + ": the key is refused (a different key is stored, or the authorizer cannot read the secret)",
                    "check the key (--key-file), or look at the authorizer's logs; " + Check.SETUP_FIX
                            + " repairs the wiring");
        }
        if (a.status() >= 500) {
            return Check.warn(
                    id,
                    res,
                    with + ": the key passed no 401/403, but the authorizer or the backend failed",
                    "look at the authorizer's and the backend's logs");
        }
        return Check.pass(id, res, with + ": the key gets through");
    }
}
