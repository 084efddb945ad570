// secure-api's HTTP API REQUEST authorizer (payload 2.0, simple responses), Node 20, runtime SDK.
// A deny is cached for the TTL; when unsure, THROW: a 500, never cached
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html).
// Never logged: keys, digests, lengths.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

const KEY_SHAPE = /^sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const hex = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

let client, cache, inflight, catchUp, crc; // cache: { arn, keys, at: its read's start, expiresAt }
let tried = -Infinity; // the last read's start
let now = Date.now;

export function _resetForTests({ clock } = {}) {
  client = cache = inflight = catchUp = undefined;
  tried = -Infinity;
  now = clock ?? Date.now;
}

const sha256 = (s) => createHash('sha256').update(s).digest();
const failure = (name) => Object.assign(new Error(name), { name });
const log = (fields) => console.log(JSON.stringify(fields));

// A generated key ends with 6 base62 of the CRC32 (IEEE) of the rest.
export function keyChecksum(prefix) {
  crc ??= Int32Array.from({ length: 256 }, (_, n) => {
    for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
    return n;
  });
  let n = -1;
  for (const b of Buffer.from(prefix)) n = crc[(n ^ b) & 0xff] ^ (n >>> 8);
  n = (n ^ -1) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) out = BASE62[n % 62] + out;
  return out;
}

function envNumber(name, fallback) {
  const n = Number(process.env[name]?.trim() || NaN);
  return n >= 0 && n < Infinity ? n : fallback;
}

// To 9999-12-31T23:59:59Z; NaN for what Date.parse rolls over (Feb 30, 24:00).
function instant(s) {
  const ms = typeof s === 'string' && INSTANT.test(s) ? Date.parse(s) : NaN;
  return ms === ms && new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19) ? ms : NaN;
}

// A bad version, salt or generation: the secret is unreadable. A bad name or digest: that entry is
// left out. Another bad field: a request matching the entry throws.
function parseDigests(doc) {
  const bad = () => failure('SecretMalformed');
  if (doc.version !== 1) throw doc.version > 1 ? failure('SecretFormatTooNew') : bad();
  const { salt, keys, generation = 0 } = doc;
  if (!hex(salt) || typeof keys !== 'object' || !keys || Array.isArray(keys)) throw bad();
  if (!Number.isSafeInteger(generation) || generation < 0) throw bad();
  const byDigest = new Map();
  const add = (name, e, retiring, off) => { // off: the entry's disabled (refused, kept)
    const named = NAME.test(name); // else maybe a key: not logged
    if (!named || typeof e !== 'object' || !hex(e?.digest)) {
      return log({ warning: 'entry_unreadable', ...(named && { keyName: name }), ...(retiring && { retiring }) });
    }
    const expires = e.expires == null ? Infinity : instant(e.expires); // NaN: unreadable
    // Current keys win over retiring ones; a retiring digest has its name's scope.
    if (!byDigest.has(e.digest)) byDigest.set(e.digest, { name, expires, retiring, off, routes: scopes.get(name), bytes: Buffer.from(e.digest, 'hex') });
  };
  const entries = Object.entries(keys);
  // Compiled once per read: the warm decision only walks one key's patterns.
  const scopes = new Map(entries.map(([name, e]) => [name, e?.routes == null ? null : compileRoutes(e.routes)]));
  for (const [name, e] of entries) add(name, e, false, e?.disabled);
  for (const [name, e] of entries) if (e?.retiring != null) add(name, e.retiring, true, e.disabled);
  return { generation, digests: { salt: Buffer.from(salt, 'hex'), byDigest } };
}

function parseSecret(text) {
  if (typeof text !== 'string') throw failure('SecretStringMissing');
  text = text.trim();
  if (!text.startsWith('{')) return { legacy: text ? [['live', text]] : [] };
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {}
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw failure('SecretNotJson');
  if (doc.format === 'secure-api-digests') return parseDigests(doc);
  return { legacy: Object.entries(doc).filter(([, v]) => typeof v === 'string' && v.length > 0) };
}

// Retries included, 2 s at most.
async function read(arn, stage) {
  client ??= new SecretsManagerClient({});
  const cmd = new GetSecretValueCommand({ SecretId: arn, VersionStage: stage });
  return (await client.send(cmd, { abortSignal: AbortSignal.timeout(2000) })).SecretString;
}

// Digests: AWSCURRENT only (AWSPREVIOUS may hold a revoked key). Legacy: AWSPREVIOUS too, where
// only "no such version" is no failure.
async function loadKeys(arn) {
  const current = parseSecret(await read(arn, 'AWSCURRENT'));
  if (current.digests) return current;
  if (current.legacy.length === 0) throw failure('SecretHasNoKeys');
  let text;
  try {
    text = await read(arn, 'AWSPREVIOUS');
  } catch (err) {
    if (err?.name !== 'ResourceNotFoundException') throw err;
  }
  let previous;
  try {
    previous = parseSecret(text).legacy; // digests or broken: nothing
  } catch {}
  // Current first: a key in both stages reports AWSCURRENT.
  const hashed = (entries, stage) => entries.map(([name, key]) => ({ name, stage, digest: sha256(key) }));
  return { generation: 0, legacy: [...hashed(current.legacy, 'AWSCURRENT'), ...hashed(previous ?? [], 'AWSPREVIOUS')] };
}

// One shared read. A failure changes nothing: the keys held stay.
function load(arn) {
  if (inflight?.arn === arn) return inflight;
  const at = (tried = now());
  const p = loadKeys(arn)
    .then((keys) => {
      // Never back to a lower generation (a lagging read).
      if (cache?.arn !== arn || keys.generation >= cache.keys.generation) cache = { arn, keys, at };
      cache.expiresAt = now() + envNumber('KEY_CACHE_SECONDS', 60) * 1000;
      return cache.keys;
    })
    .finally(() => inflight === p && (inflight = null));
  return (inflight = Object.assign(p, { arn }));
}

// Below KEY_MIN_GENERATION (set by a flush): re-read for 2 s, then throw.
async function getKeys(arn) {
  const keys = cache?.arn === arn && now() < cache.expiresAt ? cache.keys : await load(arn);
  const min = envNumber('KEY_MIN_GENERATION', 0);
  if (keys.generation >= min) return keys;
  catchUp ??= (async () => {
    for (const end = Date.now() + 2000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      if ((await load(arn).catch(() => keys)).generation >= min) return;
    }
    throw failure('GenerationBehind');
  })().finally(() => (catchUp = null));
  await catchUp;
  return cache.keys;
}

// Route scopes: "METHOD /path" or "ANY /path"; "*" as the last segment matches one or more segments.
// The same grammar as the Java side's RouteScope. Unreadable: false (a request matching the entry throws).
const ROUTE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (\/|(?:\/[A-Za-z0-9._~!$&'()+;=:@-]+)*(?:\/\*)?)$/;
export function compileRoutes(list) {
  if (!Array.isArray(list) || list.length === 0) return false;
  const out = [];
  for (const r of list) {
    const m = typeof r === 'string' && ROUTE.exec(r);
    if (!m || !m[2] || /\/\.\.?(\/|$)/.test(m[2])) return false;
    const wild = m[2].endsWith('/*');
    out.push({ method: m[1], path: wild ? m[2].slice(0, -1) : m[2], wild });
  }
  return out;
}

// The execute-api host (<apiId>.execute-api.<region>.amazonaws.<tld>) carries a named stage as the
// path's first segment; a custom domain's mapping does not. Payload 2.0: requestContext.http.method,
// requestContext.http.path, rawPath, requestContext.domainName and .stage
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
const EXECUTE_API = /^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
// Dot-segments, "//", encoded "/", "." or "\" (or a bare "\"): a normalising backend could reach
// past a scope, so a scoped key is refused on them.
const UNSAFE = /\/\.\.?(\/|$)|\/\/|%(2f|2e|5c)|\\/i;
export function requestTarget(event) {
  const ctx = event?.requestContext;
  const method = ctx?.http?.method;
  const raw = event?.rawPath, decoded = ctx?.http?.path;
  const path = typeof raw === 'string' ? raw : decoded;
  if (typeof method !== 'string' || typeof path !== 'string' || path[0] !== '/') return null;
  if (UNSAFE.test(path) || (typeof decoded === 'string' && UNSAFE.test(decoded))) return { method, unsafe: true };
  const stage = ctx.stage;
  let p = path;
  if (typeof stage === 'string' && stage !== '$default' && EXECUTE_API.test(String(ctx.domainName).toLowerCase())) {
    if (p === `/${stage}`) p = '/';
    else if (p.startsWith(`/${stage}/`)) p = p.slice(stage.length + 1);
  }
  return { method: method.toUpperCase(), path: p };
}

export function inScope(routes, target) {
  for (const r of routes) {
    if (r.method !== 'ANY' && r.method !== target.method) continue;
    if (r.wild ? target.path.length > r.path.length && target.path.startsWith(r.path) : target.path === r.path) return true;
  }
  return false;
}

function presented(event) {
  const wanted = (process.env.KEY_HEADER || 'authorization').toLowerCase();
  const headers = event?.headers && typeof event.headers === 'object' ? event.headers : {};
  let value = headers[wanted] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === wanted)?.[1];
  if (value === undefined && Array.isArray(event?.identitySource)) value = event.identitySource[0];
  return typeof value === 'string' ? value : undefined;
}

function match(value, keys) {
  if (keys.digests) {
    const { salt, byDigest } = keys.digests;
    const digest = createHmac('sha256', salt).update(value).digest('hex');
    const hit = byDigest.get(digest);
    return hit && timingSafeEqual(Buffer.from(digest, 'hex'), hit.bytes) ? { ...hit, stage: 'AWSCURRENT' } : null;
  }
  const digest = sha256(value);
  let found = null;
  // No early exit: the time does not tell which key matched.
  for (const k of keys.legacy) if (timingSafeEqual(digest, k.digest) && !found) found = k;
  return found;
}

export async function handler(event) {
  const ctx = event?.requestContext;
  const base = { routeArn: event?.routeArn, routeKey: event?.routeKey, requestId: ctx?.requestId, sourceIp: ctx?.http?.sourceIp };
  const deny = (reason, extra) => (log({ decision: 'deny', reason, ...extra, ...base }), { isAuthorized: false });
  let step = 'input';
  let keyName;
  try {
    const value = presented(event);
    if (!value) return deny('missing_key');
    // Repeated headers arrive comma-joined: ambiguous.
    if (value.includes(',')) return deny('multiple_values');
    const key = /^bearer /i.test(value) ? value.slice(7) : value;
    if (!key) return deny('missing_key');
    const shaped = KEY_SHAPE.test(key);
    if (shaped && keyChecksum(key.slice(0, -6)) !== key.slice(-6)) return deny('bad_checksum');
    step = 'keys';
    const arn = process.env.SECRET_ARN;
    if (!arn) throw failure('NoSecretArn');
    let hit = match(key, await getKeys(arn));
    // A well-formed miss re-reads a copy older than KEY_MIN_AGE_SECONDS, once per that age (sharing
    // a read in flight): a key shown a moment ago works. No newer copy: throw.
    const minAge = envNumber('KEY_MIN_AGE_SECONDS', 2) * 1000;
    if (!hit && shaped && now() - cache.at >= minAge) {
      if (inflight?.arn !== arn && now() - tried < minAge) throw failure('KeysStale');
      const held = cache;
      hit = match(key, await load(arn));
      if (!hit && cache === held) throw failure('KeysStale');
    }
    step = 'match';
    if (!hit) return deny('no_match');
    keyName = hit.name;
    if (hit.expires !== hit.expires) throw failure((step = 'entry', 'EntryUnreadable'));
    if (now() >= hit.expires) return deny('expired', { keyName });
    if (hit.off) return deny('disabled', { keyName });
    if (hit.routes === false) throw failure((step = 'entry', 'EntryUnreadable'));
    if (hit.routes) {
      const target = requestTarget(event);
      if (!target || target.unsafe) return deny('path_refused', { keyName });
      if (!inScope(hit.routes, target)) return deny('out_of_scope', { keyName });
    }
    log({ decision: 'allow', reason: 'match', keyName, stage: hit.stage, ...(hit.retiring && { retiring: true }), ...base });
    return { isAuthorized: true, context: { keyName } };
  } catch (err) {
    const name = String(err?.name || 'Error').slice(0, 100);
    const reason = { keys: 'secret_unavailable', entry: 'entry_unreadable' }[step] ?? 'internal_error';
    log({ decision: 'error', reason, error: name, ...(step === 'entry' && { keyName }), ...base });
    throw Object.assign(new Error(`secure-api authorizer: ${reason} (${name})`), { name: 'KeysUnavailable' });
  }
}
