// secure-api bundled authorizer: an API Gateway HTTP API REQUEST authorizer
// (payload format 2.0, simple responses) that checks an API key against the
// keys kept in Secrets Manager. Runtime: nodejs24.x (uses nothing newer than
// Node 20). Its only dependency is the AWS SDK v3 that the Lambda runtime
// ships, so the deployed zip is this one file.
//
// Env: SECRET_ARN (required), KEY_CACHE_SECONDS (default 60),
//      KEY_HEADER (default "authorization").
//
// Secret formats:
// - Digests (written by this version), read from AWSCURRENT only, since the
//   previous version may hold a revoked key:
//   {"format":"secure-api-digests","version":1,"salt":"<64 hex>","keys":{NAME:
//   {"digest":"<hex HMAC-SHA-256(salt bytes, key)>","created":…,"expires":ISO|null,
//   "retiring":{"digest":…,"expires":…}|null}}}
// - Legacy: a JSON object of named plaintext keys, or a plain string (one key,
//   "live"); the keys of AWSCURRENT and, if present, AWSPREVIOUS.
//
// Decisions, each deliberate:
// - A key that matches nothing, or has expired: {isAuthorized:false} (403).
// - Keys that cannot be read (any Secrets Manager error, throttling, a broken
//   or newer-version secret, a failed AWSPREVIOUS read other than "no such
//   version"): the handler THROWS. A deny would be cached by API Gateway for
//   the result TTL and lock out every client sending that key; a failed
//   invocation is answered 500 ("Troubleshooting Lambda authorizers": "If API
//   Gateway can't invoke your Lambda authorizer, or your Lambda authorizer
//   returns a response in an invalid format, clients receive a 500") and the
//   cache holds authorizer results ("Caching authorizer responses"), see
//   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
//   A hung call ends the same way: the function times out.
// - A value shaped like a generated key (sak_<name>_ + 43 + 6 base62) whose
//   CRC32 checksum is wrong is denied before any AWS call.
// - Digests: one HMAC of the presented key, then a Map lookup, so the time
//   does not grow with the number of keys. Legacy keys: SHA-256 of both sides
//   and timingSafeEqual over 32 bytes, all compared without early exit.
// - Keys live only in this module's memory, refreshed at most once per
//   KEY_CACHE_SECONDS, and only ever as a complete set: a failed refresh keeps
//   nothing. A configuration change (SECURE_API_FLUSHED_AT) makes Lambda start
//   new execution environments, which begin empty; nothing is written to disk.
// - Key material, header values, digests and key lengths are never logged.
//   One JSON line per request: decision (allow|deny|error), reason, keyName.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const DEFAULT_CACHE_SECONDS = 60;
const KEY_SHAPE = /^sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX64 = /^[0-9a-f]{64}$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

let client; // created on first use, so env (region, endpoint) is read then
let cache = null; // { arn, expiresAt, keys: { digests } | { legacy } }
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

// CRC-32 (IEEE, as zlib), written out: zlib.crc32 is newer than Node 20.0.
const CRC = Int32Array.from({ length: 256 }, (_, n) => {
  for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
  return n;
});

/** The 6 base62 checksum characters of a generated key's prefix. */
export function keyChecksum(prefix) {
  let c = -1;
  for (const b of Buffer.from(prefix, 'utf8')) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  let n = (c ^ -1) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) out = BASE62[n % 62] + out;
  return out;
}

const badChecksum = (key) => KEY_SHAPE.test(key) && keyChecksum(key.slice(0, -6)) !== key.slice(-6);

function cacheMillis() {
  const raw = process.env.KEY_CACHE_SECONDS;
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return (Number.isFinite(n) && n >= 0 ? n : DEFAULT_CACHE_SECONDS) * 1000;
}

// Every field is checked: a secret this code does not fully understand is a
// failure to read the keys, never a smaller set of keys.
function parseDigests(doc) {
  const bad = () => failure('SecretMalformed');
  if (doc.version !== 1) throw typeof doc.version === 'number' && doc.version > 1 ? failure('SecretFormatTooNew') : bad();
  if (typeof doc.salt !== 'string' || !HEX64.test(doc.salt)) throw bad();
  const keys = doc.keys;
  if (!keys || typeof keys !== 'object' || Array.isArray(keys)) throw bad();
  const byDigest = new Map();
  const add = (name, entry, retiring) => {
    if (!entry || typeof entry !== 'object' || typeof entry.digest !== 'string' || !HEX64.test(entry.digest)) throw bad();
    let expires = Infinity;
    if (entry.expires != null) {
      expires = typeof entry.expires === 'string' && INSTANT.test(entry.expires) ? Date.parse(entry.expires) : NaN;
      if (Number.isNaN(expires)) throw bad();
    }
    // A digest held twice keeps its first holder: current keys before retiring ones.
    if (!byDigest.has(entry.digest)) byDigest.set(entry.digest, { name, expires, retiring, bytes: Buffer.from(entry.digest, 'hex') });
  };
  const entries = Object.entries(keys);
  for (const [name, entry] of entries) {
    if (!NAME.test(name)) throw bad();
    add(name, entry, false);
  }
  for (const [name, entry] of entries) if (entry.retiring != null) add(name, entry.retiring, true);
  return { salt: Buffer.from(doc.salt, 'hex'), byDigest };
}

// The digest format, or a legacy one: a JSON object of named keys
// ({"live": "...", "dev": "..."}) or a plain string (the manual recipe),
// which is named "live".
function parseSecret(secretString) {
  if (typeof secretString !== 'string') throw failure('SecretStringMissing');
  const text = secretString.trim();
  if (!text.startsWith('{')) return { legacy: text ? [['live', text]] : [] };
  // Something that looks like JSON but is not is a broken secret, not a key.
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw failure('SecretNotJson');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw failure('SecretNotJson');
  if (doc.format === 'secure-api-digests') return { digests: parseDigests(doc) };
  // Empty or non-string values are skipped: an empty key must never match.
  return { legacy: Object.entries(doc).filter(([, v]) => typeof v === 'string' && v.length > 0) };
}

async function read(arn, stage) {
  client ??= new SecretsManagerClient({});
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  return out.SecretString;
}

const hashed = (entries, stage) => entries.map(([name, key]) => ({ name, stage, digest: sha256(key) }));

async function loadKeys(arn) {
  const current = parseSecret(await read(arn, CURRENT));
  if (current.digests) return current;
  if (current.legacy.length === 0) throw failure('SecretHasNoKeys');
  // Legacy rotation: AWSPREVIOUS holds the key clients may still send. Absent
  // before the first rotation and after `rotate-key --finish`; any other read
  // failure fails the whole load, or those clients would be denied (and the
  // deny cached) because of one throttled call. A value that was read but
  // holds no usable key (broken, or digests that may include revoked keys)
  // adds nothing: no client can be relying on it.
  let text;
  try {
    text = await read(arn, PREVIOUS);
  } catch (err) {
    if (err?.name !== 'ResourceNotFoundException') throw err;
  }
  let previous = [];
  try {
    if (text !== undefined) previous = parseSecret(text).legacy ?? [];
  } catch {
    // Read, but no usable key in it.
  }
  // Current first, so a key present in both stages reports AWSCURRENT.
  return { legacy: [...hashed(current.legacy, CURRENT), ...hashed(previous, PREVIOUS)] };
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
      cache = null;
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
  if (keys.digests) {
    const { salt, byDigest } = keys.digests;
    const digest = createHmac('sha256', salt).update(presented, 'utf8').digest('hex');
    const hit = byDigest.get(digest);
    // Found by its hex; the bytes are compared in constant time for good measure.
    return hit && timingSafeEqual(Buffer.from(digest, 'hex'), hit.bytes) ? { ...hit, stage: CURRENT } : null;
  }
  const digest = sha256(presented);
  let found = null;
  for (const k of keys.legacy) {
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
    // Logging must never change a decision.
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
  // Thrown, not denied: API Gateway answers 500 and caches nothing.
  const fail = (reason, err) => {
    log({ decision: 'error', reason, error: errorName(err), ...base });
    return Object.assign(new Error(`secure-api authorizer: ${reason} (${errorName(err)})`), { name: 'KeysUnavailable' });
  };
  let stage = 'input';
  try {
    const value = presentedValue(event);
    if (!value) return deny('missing_key');
    // API Gateway joins repeated headers with commas; ambiguous, so refuse.
    if (value.includes(',')) return deny('multiple_values');
    const presented = extractKey(value);
    if (!presented) return deny('missing_key');
    if (badChecksum(presented)) return deny('bad_checksum');
    stage = 'keys';
    const arn = process.env.SECRET_ARN;
    if (!arn) throw failure('NoSecretArn');
    const keys = await getKeys(arn);
    stage = 'match';
    const hit = match(presented, keys);
    if (!hit) return deny('no_match');
    if (hit.expires !== undefined && now() >= hit.expires) return deny('expired', { keyName: hit.name });
    log({ decision: 'allow', reason: 'match', keyName: hit.name, stage: hit.stage, ...(hit.retiring && { retiring: true }), ...base });
    return { isAuthorized: true, context: { keyName: hit.name } };
  } catch (err) {
    throw fail(stage === 'keys' ? 'secret_unavailable' : 'internal_error', err);
  }
}
