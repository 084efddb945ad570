// Test fixtures for the key and secret formats the Java side writes, built
// here in JS from their definition (src/site/markdown/keys.md) so the Node tests do not
// depend on Java:
// - a generated key: `sak_<NAME>_` + 43 base62 + 6 base62 of the CRC32
//   (IEEE, zlib) of everything before them, big-endian, left-padded with 0;
// - a digest secret, format version 1: per key HMAC-SHA-256 under the 32
//   salt bytes, created, expires, retiring; an integer `generation` that
//   every write increments (absent = 0).

import { createHmac, randomBytes, randomInt } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** CRC-32 (IEEE), bit by bit: independent of the authorizer's table version. */
export function crc32(text) {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function checksum(prefix) {
  let n = crc32(prefix);
  const digits = [];
  for (let i = 0; i < 6; i++) {
    digits.unshift(BASE62[n % 62]);
    n = Math.floor(n / 62);
  }
  return digits.join('');
}

/** A generated-format key for NAME (random body unless given). */
export function generatedKey(name, body) {
  body ??= Array.from({ length: 43 }, () => BASE62[randomInt(62)]).join('');
  const prefix = `sak_${name}_${body}`;
  return prefix + checksum(prefix);
}

/** ISO-8601 UTC instant, second precision, as the Java side writes it. */
export const instant = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export const hmacHex = (salt, key) => createHmac('sha256', salt).update(key, 'utf8').digest('hex');

/**
 * The SecretString of a digest secret. `keys`: { NAME: { key, expires?, retiring?: { key, expires? } } }
 * (expires: ms, null, or a string written as is). `generation` is left out when undefined.
 * Returns { value, doc, digests } (digests: every hex digest written).
 */
export function digestSecret(keys, { salt = randomBytes(32), version = 1, created = Date.UTC(2026, 10, 26, 23, 40), generation } = {}) {
  const digests = [];
  const entry = ({ key, expires = null }) => {
    const digest = hmacHex(salt, key);
    digests.push(digest);
    const written = expires === null || typeof expires === 'string' ? expires : instant(expires);
    return { digest, created: instant(created), expires: written };
  };
  const out = {};
  for (const [name, spec] of Object.entries(keys)) {
    out[name] = { ...entry(spec), retiring: spec.retiring ? entry(spec.retiring) : null, ...(spec.routes && { routes: spec.routes }) };
  }
  const doc = { format: 'secure-api-digests', version, ...(generation !== undefined && { generation }), salt: salt.toString('hex'), keys: out };
  return { value: JSON.stringify(doc, null, 2), doc, digests };
}
