// secure-api bundled authorizer: HTTP API REQUEST authorizer (payload 2.0, simple responses).
// nodejs24.x, nothing newer than Node 20, no dependency but the runtime's AWS SDK v3.
// Env: SECRET_ARN, KEY_CACHE_SECONDS (default 60), KEY_HEADER (default authorization).
// - Digest secrets are read from AWSCURRENT only (AWSPREVIOUS may hold a revoked key); legacy
//   ones (JSON of named keys, or a plain string named "live") from AWSCURRENT and AWSPREVIOUS.
// - No match or expired: deny. Keys unreadable: THROW. A deny is cached for the TTL and locks out
//   every client with that key; a failed invocation gets a 500 and the cache holds responses
//   (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html,
//   "Troubleshooting", "Caching").
// - Keys stay in memory, only as a complete set; a new configuration (SECURE_API_FLUSHED_AT)
//   means new execution environments, which start empty. Never logged: keys, digests, lengths.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const KEY_SHAPE = /^sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const hex = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

let client; // created on first use, so env (region, endpoint) is read then
let cache = null; // { arn, expiresAt, keys: { digests } | { legacy } }
let inflight = null; // { arn, promise }: the one refresh callers share
let now = Date.now;

/** Test hook: forget the client and keys; optionally set the clock (ms). */
export function _resetForTests({ clock } = {}) {
  client = undefined;
  cache = null;
  inflight = null;
  now = clock ?? Date.now;
}

const sha256 = (s) => createHash('sha256').update(s, 'utf8').digest();
const failure = (name) => Object.assign(new Error(name), { name });

// CRC-32 (IEEE, as zlib): zlib.crc32 is newer than Node 20.0.
const CRC = Int32Array.from({ length: 256 }, (_, n) => {
  for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
  return n;
});

// Generated keys end with 6 base62 of the CRC32 of the rest.
export function keyChecksum(prefix) {
  let c = -1;
  for (const b of Buffer.from(prefix, 'utf8')) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  let n = (c ^ -1) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) out = BASE62[n % 62] + out;
  return out;
}

function cacheMillis() {
  const raw = process.env.KEY_CACHE_SECONDS;
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return (Number.isFinite(n) && n >= 0 ? n : 60) * 1000;
}

// Every field is checked: a secret not fully understood is unreadable, never fewer keys.
function parseDigests(doc) {
  const bad = () => failure('SecretMalformed');
  if (doc.version !== 1) throw doc.version > 1 ? failure('SecretFormatTooNew') : bad();
  const { salt, keys } = doc;
  if (!hex(salt) || !keys || typeof keys !== 'object' || Array.isArray(keys)) throw bad();
  const byDigest = new Map();
  const add = (name, e, retiring) => {
    if (!e || typeof e !== 'object' || !hex(e.digest)) throw bad();
    const expires = e.expires == null ? Infinity : INSTANT.test(e.expires) ? Date.parse(e.expires) : NaN;
    if (Number.isNaN(expires)) throw bad();
    // A digest held twice keeps its first holder: current keys before retiring ones.
    if (!byDigest.has(e.digest)) byDigest.set(e.digest, { name, expires, retiring, bytes: Buffer.from(e.digest, 'hex') });
  };
  const entries = Object.entries(keys);
  for (const [name, e] of entries) {
    if (!NAME.test(name)) throw bad();
    add(name, e, false);
  }
  for (const [name, e] of entries) if (e.retiring != null) add(name, e.retiring, true);
  return { salt: Buffer.from(salt, 'hex'), byDigest };
}

function parseSecret(text) {
  if (typeof text !== 'string') throw failure('SecretStringMissing');
  text = text.trim();
  if (!text.startsWith('{')) return { legacy: text ? [['live', text]] : [] };
  // Something that looks like JSON but is not is a broken secret, not a key.
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {}
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw failure('SecretNotJson');
  if (doc.format === 'secure-api-digests') return { digests: parseDigests(doc) };
  // Empty or non-string values are skipped: an empty key must never match.
  return { legacy: Object.entries(doc).filter(([, v]) => typeof v === 'string' && v.length > 0) };
}

// A read, retries included, gives up after 2 s: a hang ends in a logged throw, not a timeout.
async function read(arn, stage) {
  client ??= new SecretsManagerClient({});
  const command = new GetSecretValueCommand({ SecretId: arn, VersionStage: stage });
  return (await client.send(command, { abortSignal: AbortSignal.timeout(2000) })).SecretString;
}

const hashed = (entries, stage) => entries.map(([name, key]) => ({ name, stage, digest: sha256(key) }));

async function loadKeys(arn) {
  const current = parseSecret(await read(arn, CURRENT));
  if (current.digests) return current;
  if (current.legacy.length === 0) throw failure('SecretHasNoKeys');
  // Clients may still send AWSPREVIOUS's key: a read failure other than "no such version" fails
  // the load. A value holding no usable key (broken, or digests, maybe revoked) adds nothing.
  let text;
  try {
    text = await read(arn, PREVIOUS);
  } catch (err) {
    if (err?.name !== 'ResourceNotFoundException') throw err;
  }
  let previous = [];
  try {
    if (text !== undefined) previous = parseSecret(text).legacy ?? [];
  } catch {}
  // Current first, so a key present in both stages reports AWSCURRENT.
  return { legacy: [...hashed(current.legacy, CURRENT), ...hashed(previous, PREVIOUS)] };
}

// Cached keys, or one shared refresh. A failure is not cached: the next request tries again.
function getKeys(arn) {
  if (cache?.arn === arn && now() < cache.expiresAt) return cache.keys;
  if (inflight?.arn === arn) return inflight.promise;
  const entry = { arn };
  entry.promise = loadKeys(arn)
    .then((keys) => (cache = { arn, keys, expiresAt: now() + cacheMillis() }).keys, (err) => {
      cache = null;
      throw err;
    })
    .finally(() => inflight === entry && (inflight = null));
  inflight = entry;
  return entry.promise;
}

function presentedValue(event) {
  const wanted = (process.env.KEY_HEADER || 'authorization').toLowerCase();
  const headers = event?.headers && typeof event.headers === 'object' ? event.headers : {};
  // Payload 2.0 lower-cases header names; tolerate a caller that did not.
  let value = headers[wanted] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === wanted)?.[1];
  if (value === undefined && Array.isArray(event?.identitySource)) value = event.identitySource[0];
  return typeof value === 'string' ? value : undefined;
}

function match(presented, keys) {
  if (keys.digests) {
    const { salt, byDigest } = keys.digests;
    const digest = createHmac('sha256', salt).update(presented, 'utf8').digest('hex');
    const hit = byDigest.get(digest);
    // One HMAC and a Map lookup, whatever the number of keys; then a constant-time check.
    return hit && timingSafeEqual(Buffer.from(digest, 'hex'), hit.bytes) ? { ...hit, stage: CURRENT } : null;
  }
  const digest = sha256(presented);
  let found = null;
  // No early exit: the time taken does not tell which key (if any) matched.
  for (const k of keys.legacy) if (timingSafeEqual(digest, k.digest) && !found) found = k;
  return found;
}

const errorName = (err) => String(err?.name || 'Error').slice(0, 100);

const log = (fields) => console.log(JSON.stringify(fields));

export async function handler(event) {
  const base = {
    routeArn: event?.routeArn,
    routeKey: event?.routeKey,
    requestId: event?.requestContext?.requestId,
    sourceIp: event?.requestContext?.http?.sourceIp,
  };
  const deny = (reason, extra) => {
    log({ decision: 'deny', reason, ...extra, ...base });
    return { isAuthorized: false };
  };
  let step = 'input';
  try {
    const value = presentedValue(event);
    if (!value) return deny('missing_key');
    // API Gateway joins repeated headers with commas; ambiguous, so refuse.
    if (value.includes(',')) return deny('multiple_values');
    // "Bearer <key>" (scheme case-insensitive, one space) or the raw key.
    const key = value.slice(0, 7).toLowerCase() === 'bearer ' ? value.slice(7) : value;
    if (!key) return deny('missing_key');
    if (KEY_SHAPE.test(key) && keyChecksum(key.slice(0, -6)) !== key.slice(-6)) return deny('bad_checksum');
    step = 'keys';
    const arn = process.env.SECRET_ARN;
    if (!arn) throw failure('NoSecretArn');
    const keys = await getKeys(arn);
    step = 'match';
    const hit = match(key, keys);
    if (!hit) return deny('no_match');
    if (now() >= hit.expires) return deny('expired', { keyName: hit.name });
    log({ decision: 'allow', reason: 'match', keyName: hit.name, stage: hit.stage, ...(hit.retiring && { retiring: true }), ...base });
    return { isAuthorized: true, context: { keyName: hit.name } };
  } catch (err) {
    // Thrown, not denied: a 500, cached nowhere.
    const reason = step === 'keys' ? 'secret_unavailable' : 'internal_error';
    log({ decision: 'error', reason, error: errorName(err), ...base });
    throw Object.assign(new Error(`secure-api authorizer: ${reason} (${errorName(err)})`), { name: 'KeysUnavailable' });
  }
}
