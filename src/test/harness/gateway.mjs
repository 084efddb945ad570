#!/usr/bin/env node
// A local stand-in for an API Gateway HTTP API whose routes use the bundled
// REQUEST authorizer (identity source $request.header.<header>, payload 2.0,
// simple responses, optional result cache). The moto Lambda cannot run
// functions here, so the Java tests of `secure-api verify --probe` point at this.
//
//   node src/test/harness/gateway.mjs
//
// Env: SECRET_ARN, AWS_ENDPOINT_URL, AWS_REGION and credentials (read by the
// real handler), KEY_HEADER (default authorization), OPEN=1 (an unprotected
// API: 200 to everything), CACHE_TTL (authorizer result TTL in seconds,
// default 0 = no cache), PORT (default 0 = a free port), and, to reach what
// secure-api's flush does (all optional; without them the harness behaves as
// it always did):
//   API_ID, STAGE_NAME (default $default): the API and stage this stands in
//     for. Before each request the harness asks the emulator at
//     AWS_ENDPOINT_URL (GET /_secure_api/reset-cache-log?apiId=API_ID) for the
//     ResetAuthorizersCache calls it recorded; one for this stage since the
//     last look empties the result cache, as API Gateway's would be.
//   FUNCTION_NAME: the authorizer function this stands in for. Before each
//     request the harness reads its configuration from the emulator
//     (GetFunctionConfiguration); when it changed since the last look, the
//     function's environment variables are applied to this process and a
//     fresh instance of the handler module takes over (Lambda sends the next
//     invocations to new execution environments). The function's environment
//     also applies at start.
//
//   With API_ID, the authorizer's identity sources are followed: before each
//     request the harness reads the API's authorizers (GetAuthorizers) and uses
//     the one named AUTHORIZER_NAME (default secure-api-key, else the only
//     one); its IdentitySource ($request.header.*, $context.httpMethod,
//     $context.path) makes the cache key, in order, and a missing or empty
//     value is a 401 without invoking the function. The event's domainName is
//     the execute-api host (<API_ID>.execute-api.<region>.amazonaws.com).
//   With API_ID, a named STAGE_NAME is served as on the execute-api host:
//     requests under /<stage>/ reach the stage with /<stage> stripped (a
//     request outside it gets 404 {"message":"Not Found"}), and the stage's
//     access logging is followed: before each request the harness reads the
//     stage (GetStage) and, when it has AccessLogSettings, writes one event per
//     request to the destination log group (PutLogEvents) in the stage's
//     format, with the $context variables it knows substituted (others, and
//     missing values, are "-", as API Gateway logs them)
//     (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
//     The event is stored before the response is sent, so a client that got
//     its answer finds its request in the logs.
//
// Prints exactly one line, `http://127.0.0.1:PORT`, on stdout once listening;
// the handler's log lines go to stderr. Exits 0 on stdin EOF or SIGTERM/SIGINT
// (so start it with a pipe on stdin, not /dev/null).
//
// Per request, as API Gateway does:
//   header missing or empty   -> 401 {"message":"Unauthorized"}, handler not called
//   handler says false        -> 403 {"message":"Forbidden"}
//   handler throws / bad shape -> 500 {"message":"Internal Server Error"}
//   handler says true         -> the backend stub: 200 {"ok":true,"authorizer":<context>}
//                                (what the integration can read as $context.authorizer.*)
// With CACHE_TTL, an answer (allow or deny) is cached per identity source
// value for the TTL; a throw or a malformed answer is not. AWS documents that
// the cache holds the authorizer's result, keyed by the identity sources
// ("Caching authorizer responses",
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html);
// it does not say whether a failed invocation is cached: here it is not.

import http from 'node:http';
import { randomUUID } from 'node:crypto';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// stdout carries only the URL line; decision logs go to stderr.
console.log = (...args) => console.error(...args);

const OPEN = process.env.OPEN === '1';
const CACHE_TTL_MS = Math.max(0, Number(process.env.CACHE_TTL) || 0) * 1000;
const resultCache = new Map(); // identity source values (JSON) -> { result, until }
const HEADER = (process.env.KEY_HEADER || 'authorization').toLowerCase();
const REGION = process.env.AWS_REGION || 'us-east-1';
const ACCOUNT = '123456789012';
const API_ID = process.env.API_ID || 'local';
const STAGE = process.env.STAGE_NAME || '$default';
const API_ID_GIVEN = Boolean(process.env.API_ID);
const WATCH_RESETS = Boolean(process.env.API_ID);
const FUNCTION_NAME = process.env.FUNCTION_NAME;
const ENDPOINT = (process.env.AWS_ENDPOINT_URL || '').replace(/\/+$/, '');
if ((WATCH_RESETS || FUNCTION_NAME) && !ENDPOINT) throw new Error('API_ID and FUNCTION_NAME need AWS_ENDPOINT_URL (the emulator)');

// moto picks the service from the credential scope of the Authorization
// header and does not check signatures; this only ever talks to the emulator.
const emulatorHeaders = (service) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID || 'test'}/20200101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});

async function emulatorJson(path, service) {
  const res = await fetch(`${ENDPOINT}${path}`, { headers: service ? emulatorHeaders(service) : {} });
  if (!res.ok) throw new Error(`emulator ${path}: HTTP ${res.status}`);
  return res.json();
}

let lastReset = null; // the highest ResetAuthorizersCache seq seen for this stage
async function applyCacheResets() {
  const { resets } = await emulatorJson(`/_secure_api/reset-cache-log?apiId=${encodeURIComponent(API_ID)}`);
  const seq = Math.max(0, ...resets.filter((r) => r.apiId === API_ID && r.stageName === STAGE).map((r) => r.seq));
  if (lastReset !== null && seq > lastReset) resultCache.clear();
  lastReset = seq;
}

// GetFunctionConfiguration
// (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html). RevisionId
// and LastModified name a configuration; moto keeps both across UpdateFunctionConfiguration, so
// the environment variables are compared too.
let instance = 0;
let handler;
let fingerprint;
let applied = {}; // the function's variables last applied to process.env
async function followFunction() {
  const config = await emulatorJson(`/2015-03-31/functions/${encodeURIComponent(FUNCTION_NAME)}/configuration`, 'lambda');
  const vars = config.Environment?.Variables ?? {};
  const now = JSON.stringify([config.RevisionId, config.LastModified, config.CodeSha256, vars]);
  if (now === fingerprint) return;
  for (const name of Object.keys(applied)) if (!(name in vars)) delete process.env[name];
  Object.assign(process.env, vars);
  applied = vars;
  fingerprint = now;
  // A distinct URL is a distinct module instance: empty key cache, as a new execution environment.
  ({ handler } = await import(`../../main/authorizer/index.mjs?instance=${++instance}`));
  console.error(JSON.stringify({ harness: 'handler instance', instance }));
}

// The stage's AccessLogSettings (GetStage,
// https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html).
let accessLog = null; // {group, format} while the stage has access logging
async function followStage() {
  const res = await fetch(`${ENDPOINT}/v2/apis/${encodeURIComponent(API_ID)}/stages/${encodeURIComponent(STAGE)}`, { headers: emulatorHeaders('apigateway') });
  if (res.status === 404) { accessLog = null; return; } // no such stage in the emulator: nothing to log
  if (!res.ok) throw new Error(`emulator GetStage: HTTP ${res.status}`);
  const s = (await res.json()).accessLogSettings;
  const group = s?.destinationArn?.match(/:log-group:(.+?)(:\*)?$/)?.[1];
  accessLog = group && s.format ? { group, format: s.format } : null;
}

const STREAM = `gateway-${process.pid}-${Date.now()}`;
const streams = new Set();
async function logsCall(target, body) {
  const res = await fetch(`${ENDPOINT}/`, {
    method: 'POST',
    headers: { ...emulatorHeaders('logs'), 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${target}` },
    body: JSON.stringify(body),
  });
  if (!res.ok && !(target === 'CreateLogStream' && res.status === 400)) throw new Error(`emulator ${target}: HTTP ${res.status} ${await res.text()}`);
}

// $context variables of HTTP API access logs this stand-in knows.
function contextValues(req, url, status, result, started) {
  const v = {
    requestId: req.requestId,
    extendedRequestId: req.requestId,
    requestTimeEpoch: String(started),
    requestTime: new Date(started).toUTCString(),
    apiId: API_ID,
    stage: STAGE,
    routeKey: '$default',
    httpMethod: req.method,
    path: url.pathname,
    protocol: `HTTP/${req.httpVersion}`,
    status: String(status),
    'identity.sourceIp': req.socket.remoteAddress,
    'identity.userAgent': req.headers['user-agent'] ?? '',
    responseLatency: String(Date.now() - started),
    integrationLatency: status === 200 ? '0' : '-',
    'authorizer.error': status === 500 ? 'Internal Server Error' : '-',
  };
  for (const [k, x] of Object.entries(result?.context ?? {})) v[`authorizer.${k}`] = String(x);
  return v;
}

async function writeAccessLog(req, url, status, result, started) {
  if (!accessLog) return;
  const values = contextValues(req, url, status, result, started);
  const message = accessLog.format.replace(/\$\{?context\.([A-Za-z0-9_.]+?)\}?(?=[^A-Za-z0-9_.]|$)/g,
    (_, name) => (values[name] === undefined || values[name] === '' ? '-' : String(values[name]).replace(/["\\]/g, '\\$&')));
  const { group } = accessLog;
  if (!streams.has(group)) {
    await logsCall('CreateLogStream', { logGroupName: group, logStreamName: STREAM });
    streams.add(group);
  }
  await logsCall('PutLogEvents', { logGroupName: group, logStreamName: STREAM, logEvents: [{ timestamp: started, message }] });
}

// The authorizer's identity sources (GetAuthorizers,
// https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html).
const AUTHORIZER_NAME = process.env.AUTHORIZER_NAME || 'secure-api-key';
let identitySources = [`$request.header.${HEADER}`];
async function followAuthorizer() {
  const res = await fetch(`${ENDPOINT}/v2/apis/${encodeURIComponent(API_ID)}/authorizers`, { headers: emulatorHeaders('apigateway') });
  if (res.status === 404) return; // no such API in the emulator: the header alone
  if (!res.ok) throw new Error(`emulator GetAuthorizers: HTTP ${res.status}`);
  const items = (await res.json()).items ?? [];
  const a = items.find((x) => x.name === AUTHORIZER_NAME) ?? (items.length === 1 ? items[0] : null);
  if (a?.identitySource?.length) identitySources = a.identitySource;
}

// The identity source values of a request, in the authorizer's order; null when one is missing.
function identityOf(req, raw) {
  const out = [];
  for (const src of identitySources) {
    let v;
    if (src.toLowerCase().startsWith('$request.header.')) v = (req.headersDistinct[src.slice(16).toLowerCase()] ?? []).join(',');
    else if (src === '$context.httpMethod') v = req.method;
    else if (src === '$context.path') v = raw.pathname;
    else throw new Error(`stand-in gateway: identity source ${src} is not supported`);
    if (!v || v.trim() === '') return null;
    out.push(v);
  }
  return out;
}

if (WATCH_RESETS) await applyCacheResets(); // resets before the start are not ours
if (WATCH_RESETS) await followAuthorizer();
if (WATCH_RESETS) await followStage();
if (FUNCTION_NAME) await followFunction();
else ({ handler } = await import('../../main/authorizer/index.mjs'));

// One look at a time: concurrent requests share it.
let looking = null;
function look() {
  looking ??= (async () => {
    if (WATCH_RESETS) await applyCacheResets();
    if (WATCH_RESETS) await followStage();
    if (WATCH_RESETS) await followAuthorizer();
    if (FUNCTION_NAME) await followFunction();
  })().finally(() => { looking = null; });
  return looking;
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'apigw-requestid': res.req.requestId,
  });
  res.end(text);
}

// Payload 2.0: lower-case names, repeated headers joined with commas,
// cookies moved to their own array.
function eventFor(req, url, identity, stagePath = url.pathname) {
  const headers = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (name !== 'cookie') headers[name] = values.join(',');
  }
  const query = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  const now = new Date();
  const event = {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/${STAGE}/${req.method}${stagePath}`,
    identitySource: identity,
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      domainName: API_ID_GIVEN ? `${API_ID}.execute-api.${REGION}.amazonaws.com` : req.headers.host ?? '127.0.0.1',
      domainPrefix: API_ID_GIVEN ? API_ID : (req.headers.host ?? '127').split('.')[0],
      http: {
        method: req.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress,
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: req.requestId,
      routeKey: '$default',
      stage: STAGE,
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    pathParameters: {},
    stageVariables: {},
  };
  if (req.headersDistinct.cookie) event.cookies = req.headersDistinct.cookie.flatMap((c) => c.split('; '));
  if (Object.keys(query).length) event.queryStringParameters = query;
  return event;
}

// The answer to one request: [status, body, the authorizer's result when it allowed].
async function answer(req, raw, url) {
  if (OPEN) return [200, { ok: true }];
  const identity = identityOf(req, raw);
  if (!identity) return [401, { message: 'Unauthorized' }];
  const cacheKey = JSON.stringify(identity);
  let result = resultCache.get(cacheKey);
  if (!result || result.until <= Date.now()) {
    resultCache.delete(cacheKey);
    try {
      // rawPath and http.path keep /<stage>, as on the execute-api host (payload 2.0)
      result = await handler(eventFor(req, raw, identity, url.pathname));
    } catch {
      return [500, { message: 'Internal Server Error' }];
    }
    if (typeof result?.isAuthorized !== 'boolean') return [500, { message: 'Internal Server Error' }];
    if (CACHE_TTL_MS > 0) resultCache.set(cacheKey, { ...result, until: Date.now() + CACHE_TTL_MS });
  }
  if (!result.isAuthorized) return [403, { message: 'Forbidden' }];
  return [200, result.context ? { ok: true, authorizer: result.context } : { ok: true }, result];
}

async function route(req, res) {
  req.requestId = randomUUID();
  const started = Date.now();
  for await (const _ of req); // drain the body; the stub backend ignores it
  const raw = new URL(req.url, 'http://localhost');
  if (WATCH_RESETS || FUNCTION_NAME) await look(); // a failed look: 500 (route's catch)
  // a named stage on the execute-api host: /<stage> leads the path and is not part of it
  const prefix = STAGE === '$default' || !API_ID_GIVEN ? '' : `/${STAGE}`;
  if (prefix && raw.pathname !== prefix && !raw.pathname.startsWith(`${prefix}/`)) return send(res, 404, { message: 'Not Found' });
  const url = new URL(raw.pathname.slice(prefix.length) || '/', 'http://localhost');
  url.search = raw.search;
  const [status, body, result] = await answer(req, raw, url);
  await writeAccessLog(req, raw, status, result, started);
  return send(res, status, body);
}

const server = http.createServer((req, res) => {
  route(req, res).catch(() => {
    if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
  });
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
