// Tests for src/test/harness/gateway.mjs, the local HTTP API stand-in that
// the Java `verify --probe` tests use: its process contract (one URL line,
// exit on stdin EOF / SIGTERM) and API Gateway's 401 / 403 / 200 answers with
// the real handler against the local AWS emulator.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { SecretsManagerClient, CreateSecretCommand } from '@aws-sdk/client-secrets-manager';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CREDS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Spawns a process that prints one URL line when ready; { url, child, stdout(), exited }. */
function startUrlProcess(command, args, env) {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`${args[0]} not ready: ${err}`)); }, 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && timer) {
        clearTimeout(timer);
        resolve({ url: out.slice(0, nl).trim(), child, exited, stdout: () => out, stderr: () => err });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${args[0]} exited ${code}: ${err}`)); });
  });
}

async function stopProcess(p) {
  if (!p) return;
  p.child.stdin.end();
  const timer = setTimeout(() => p.child.kill('SIGTERM'), 5000);
  await p.exited;
  clearTimeout(timer);
}

/** GET with raw header control (arrays send the header once per value). */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: body ? JSON.parse(body) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

let emulator;
let secretArn;
const live = `sak_${randomBytes(32).toString('base64url')}`;
const dev = `sak_${randomBytes(32).toString('base64url')}`;
const gateways = [];

async function gateway(env = {}) {
  const g = await startUrlProcess(process.execPath, ['src/test/harness/gateway.mjs'],
    { ...CREDS, AWS_ENDPOINT_URL: emulator.url, SECRET_ARN: secretArn, ...env });
  gateways.push(g);
  return g;
}

before(async () => {
  emulator = await startUrlProcess('python3', ['scripts/local_aws.py', '--watch-stdin'], {});
  const admin = new SecretsManagerClient({
    endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const out = await admin.send(new CreateSecretCommand({
    Name: `gateway-test/${process.pid}`, SecretString: JSON.stringify({ live, dev }),
  }));
  secretArn = out.ARN;
  admin.destroy();
});

after(async () => {
  for (const g of gateways) await stopProcess(g);
  await stopProcess(emulator);
});

test('protected API: 401 without the header, 403 for a wrong key, 200 with a right one', async () => {
  const g = await gateway();
  assert.match(g.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const unauthorized = { status: 401, body: { message: 'Unauthorized' } };
  const forbidden = { status: 403, body: { message: 'Forbidden' } };
  const ok = { status: 200, body: { ok: true } };
  assert.deepEqual(await get(`${g.url}/items`), unauthorized);
  assert.deepEqual(await get(`${g.url}/items`, { Authorization: '' }), unauthorized);
  assert.deepEqual(await get(`${g.url}/items`, { 'X-Api-Key': live }), unauthorized);
  assert.deepEqual(await get(`${g.url}/items`, { Authorization: 'sak_wrong' }), forbidden);
  assert.deepEqual(await get(`${g.url}/items`, { Authorization: [live, live] }), forbidden);
  assert.deepEqual(await get(`${g.url}/items?a=1&a=2`, { Authorization: live }), ok);
  assert.deepEqual(await get(`${g.url}/`, { Authorization: `Bearer ${dev}` }), ok);
  // The decisions were logged to stderr, and stdout kept its one line.
  assert.match(g.stderr(), /"decision":"allow".*"keyName":"dev"/);
  assert.equal(g.stdout(), `${g.url}\n`);
  assert.ok(!g.stderr().includes(live) && !g.stderr().includes(dev), 'no key in the harness output');
});

test('KEY_HEADER picks the identity source header', async () => {
  const g = await gateway({ KEY_HEADER: 'X-Api-Key' });
  assert.equal((await get(`${g.url}/x`, { Authorization: live })).status, 401);
  assert.equal((await get(`${g.url}/x`, { 'x-api-key': 'nope' })).status, 403);
  assert.deepEqual(await get(`${g.url}/x`, { 'X-API-KEY': live }), { status: 200, body: { ok: true } });
});

test('OPEN=1 is an unprotected API: 200 to everything', async () => {
  const g = await gateway({ OPEN: '1' });
  assert.deepEqual(await get(`${g.url}/anything`), { status: 200, body: { ok: true } });
  assert.equal((await get(`${g.url}/anything`, { Authorization: 'wrong' })).status, 200);
});

test('an unreadable secret fails closed: 403', async () => {
  const g = await gateway({ SECRET_ARN: `${secretArn}-missing` });
  assert.deepEqual(await get(`${g.url}/`, { Authorization: live }), { status: 403, body: { message: 'Forbidden' } });
});

test('exits 0 on stdin EOF and on SIGTERM', async () => {
  const a = await gateway();
  a.child.stdin.end();
  assert.deepEqual(await a.exited, { code: 0, signal: null });
  const b = await gateway();
  b.child.kill('SIGTERM');
  assert.deepEqual(await b.exited, { code: 0, signal: null });
});
