// The bundled authorizer is deployed as a single file with no node_modules:
// it may only import what the nodejs24.x runtime provides.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { deflateRawSync } from 'node:zlib';

const SOURCE_URL = new URL('../../main/authorizer/index.mjs', import.meta.url);
const source = readFileSync(SOURCE_URL, 'utf8');

// Comments may mention anything; strip them (the file has no "//" in strings).
const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

test('imports only @aws-sdk/client-secrets-manager and node: built-ins', () => {
  const specifiers = [...code.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g)]
    .map((m) => m[2]);
  const bare = [...code.matchAll(/\bimport\s*(['"])([^'"]+)\1/g)].map((m) => m[2]);
  const all = [...specifiers, ...bare];
  assert.ok(all.includes('@aws-sdk/client-secrets-manager'), `found: ${all}`);
  for (const spec of all) {
    const ok = spec === '@aws-sdk/client-secrets-manager'
      || (spec.startsWith('node:') && builtinModules.includes(spec.slice(5)));
    assert.ok(ok, `disallowed import ${spec}`);
  }
  assert.doesNotMatch(code, /\bimport\s*\(/, 'no dynamic import()');
  assert.doesNotMatch(code, /\brequire\s*\(|createRequire/, 'no require()');
  // Every import statement was seen by the patterns above.
  const statements = code.match(/^\s*import\b/gm) ?? [];
  assert.equal(statements.length, all.length);
});

test('exports handler and the test hook, and stays a few KB zipped', async () => {
  const mod = await import(SOURCE_URL);
  assert.equal(typeof mod.handler, 'function');
  assert.equal(typeof mod._resetForTests, 'function');
  const zipped = deflateRawSync(Buffer.from(source), { level: 9 }).length;
  assert.ok(zipped < 6 * 1024, `deflated size ${zipped} B`);
  // The deployed zip STORES the file (BundledAuthorizer: reproducible bytes): local header,
  // central directory entry and end record around it must stay under 10 KiB (10,000 B before the
  // disabled-key check).
  const stored = Buffer.byteLength(source) + 2 * 'index.mjs'.length + 30 + 46 + 22;
  assert.ok(stored < 10_240, `stored zip ${stored} B`);
});
