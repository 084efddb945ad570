// secure-api bundled authorizer: an API Gateway HTTP API REQUEST authorizer
// (payload format 2.0, simple responses) that checks a shared-secret API key
// held in Secrets Manager. Runtime: nodejs22.x. Its only dependency is the
// AWS SDK v3 that the Lambda runtime already ships, so the deployed zip is
// this one file.
//
// Env: SECRET_ARN (required), KEY_CACHE_SECONDS (default 60),
//      KEY_HEADER (default "authorization").
//
// Security properties, each deliberate:
// - Fails closed: every error path returns {isAuthorized:false}; the handler
//   never throws (a throw becomes a 500, and an unclear state must not pass).
// - The presented key and every stored key are hashed with SHA-256 before
//   comparing, so timingSafeEqual always sees 32 bytes: it cannot throw on a
//   length mismatch and the timing does not reveal the stored key's length.
//   All candidates are compared, without early exit.
// - Key material, header values, digests and key lengths are never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const DEFAULT_CACHE_SECONDS = 60;

let client; // created on first use, so env (region, endpoint) is read then
let cache = null; // { arn, expiresAt, keys: [{ name, stage, digest }] }
let inflight = null; // { arn, promise }: the one refresh all callers share
let now = Date.now;

/** Test hook: forget the client and keys; optionally inject a clock (ms). */
export function _resetForTests({ clock } = {}) {
  client = undefined;
  cache = null;
  inflight = null;
  now = clock ?? Date.now;
}

const sha256 = (s) => createHash('sha256').update(s, 'utf8').digest();
const failure = (name) => Object.assign(new Error(name), { name });

function cacheMillis() {
  const raw = process.env.KEY_CACHE_SECONDS;
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return (Number.isFinite(n) && n >= 0 ? n : DEFAULT_CACHE_SECONDS) * 1000;
}

// A JSON object of named keys ({"live": "...", "dev": "..."}) or a plain
// string (the manual recipe), which is named "live".
function parseSecret(secretString) {
  if (typeof secretString !== 'string') throw failure('SecretStringMissing');
  const text = secretString.trim();
  if (!text.startsWith('{')) return text ? [['live', text]] : [];
  // Something that looks like JSON but is not is a broken secret, not a key.
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw failure('SecretNotJson');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw failure('SecretNotJson');
  // Empty or non-string values are skipped: an empty key must never match.
  return Object.entries(doc).filter(([, v]) => typeof v === 'string' && v.length > 0);
}

async function fetchStage(arn, stage) {
  client ??= new SecretsManagerClient({});
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  return parseSecret(out.SecretString).map(([name, key]) => ({ name, stage, digest: sha256(key) }));
}

async function loadKeys(arn) {
  // Both stages in parallel: a cold start pays one round trip, not two.
  const [cur, prev] = await Promise.allSettled([fetchStage(arn, CURRENT), fetchStage(arn, PREVIOUS)]);
  if (cur.status === 'rejected') throw cur.reason;
  if (cur.value.length === 0) throw failure('SecretHasNoKeys');
  // AWSPREVIOUS is optional: absent before the first rotation and after
  // `rotate-key --finish`. Any failure there only loses the previous keys.
  let previous = [];
  if (prev.status === 'fulfilled') previous = prev.value;
  else if (prev.reason?.name !== 'ResourceNotFoundException') {
    log({ event: 'key_load_warning', stage: PREVIOUS, error: errorName(prev.reason) });
  }
  // Current first, so a key present in both stages reports AWSCURRENT.
  return [...cur.value, ...previous];
}

// Cached keys, or one shared refresh. A failure is not cached: the promise is
// dropped and the next request tries again.
function getKeys(arn) {
  if (cache && cache.arn === arn && now() < cache.expiresAt) return Promise.resolve(cache.keys);
  if (inflight && inflight.arn === arn) return inflight.promise;
  const entry = { arn };
  entry.promise = loadKeys(arn).then(
    (keys) => {
      cache = { arn, keys, expiresAt: now() + cacheMillis() };
      if (inflight === entry) inflight = null;
      return keys;
    },
    (err) => {
      if (inflight === entry) inflight = null;
      throw err;
    },
  );
  inflight = entry;
  return entry.promise;
}

function presentedValue(event) {
  const wanted = (process.env.KEY_HEADER || 'authorization').toLowerCase();
  const headers = event?.headers;
  let value;
  if (headers && typeof headers === 'object') {
    value = headers[wanted];
    // Payload 2.0 lower-cases header names; tolerate a caller that did not.
    if (value === undefined) {
      for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) value = v;
    }
  }
  if (value === undefined && Array.isArray(event?.identitySource)) value = event.identitySource[0];
  return typeof value === 'string' ? value : undefined;
}

// "Bearer <key>" (scheme case-insensitive, one space) or the raw key.
function extractKey(value) {
  return value.length >= 7 && value.slice(0, 7).toLowerCase() === 'bearer ' ? value.slice(7) : value;
}

function match(presented, keys) {
  const digest = sha256(presented);
  let found = null;
  for (const k of keys) {
    // No early exit: the time taken does not tell which key (if any) matched.
    const eq = timingSafeEqual(digest, k.digest);
    if (eq && found === null) found = k;
  }
  return found;
}

const errorName = (err) => String(err?.name || 'Error').slice(0, 100);

function log(fields) {
  try {
    console.log(JSON.stringify(fields));
  } catch {
    // Logging must never turn a decision into a throw.
  }
}

export async function handler(event) {
  let base = {};
  try {
    base = {
      routeArn: event?.routeArn,
      routeKey: event?.routeKey ?? event?.requestContext?.routeKey,
      requestId: event?.requestContext?.requestId,
      sourceIp: event?.requestContext?.http?.sourceIp,
    };
  } catch {
    // A malformed event still gets a (denied) decision below.
  }
  const deny = (reason, extra) => {
    log({ decision: 'deny', reason, ...extra, ...base });
    return { isAuthorized: false };
  };
  try {
    const arn = process.env.SECRET_ARN;
    if (!arn) return deny('no_secret_arn');
    const value = presentedValue(event);
    if (!value) return deny('missing_key');
    // API Gateway joins repeated headers with commas; ambiguous, so refuse.
    if (value.includes(',')) return deny('multiple_values');
    const presented = extractKey(value);
    if (!presented) return deny('missing_key');
    let keys;
    try {
      keys = await getKeys(arn);
    } catch (err) {
      return deny('secret_unavailable', { error: errorName(err) });
    }
    const hit = match(presented, keys);
    if (!hit) return deny('no_match');
    log({ decision: 'allow', reason: 'match', keyName: hit.name, stage: hit.stage, ...base });
    return { isAuthorized: true, context: { keyName: hit.name } };
  } catch (err) {
    try {
      return deny('internal_error', { error: errorName(err) });
    } catch {
      return { isAuthorized: false };
    }
  }
}
