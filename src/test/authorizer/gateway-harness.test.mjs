// Tests for src/test/harness/gateway.mjs, the local HTTP API stand-in that
// the Java `verify --probe` tests use: its process contract (one URL line,
// exit on stdin EOF / SIGTERM) and API Gateway's 401 / 403 / 500 / 200 answers
// with the real handler against the local AWS emulator, for legacy and
// digest-format secrets.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { SecretsManagerClient, CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { digestSecret, generatedKey } from './digest-secret.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CREDS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Spawns a process that prints one URL line when ready; { url, child, stdout(), stderr(), exited,
 * stderrUntil(predicate) }. stderr arrives on its own pipe, possibly after the HTTP answer:
 * stderrUntil resolves once the predicate holds for everything read so far (or fails after 10 s).
 */
function startUrlProcess(command, args, env) {
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set();
  child.stderr.on('data', (d) => {
    err += d;
    for (const w of waiters) w();
  });
  const stderrUntil = (predicate) => new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate(err)) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(err);
    };
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`stderr never matched: ${err}`)); }, 10000);
    waiters.add(check);
    check();
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`${args[0]} not ready: ${err}`)); }, 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0 && timer) {
        clearTimeout(timer);
        resolve({ url: out.slice(0, nl).trim(), child, exited, stdout: () => out, stderr: () => err, stderrUntil });
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
let admin;
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

let seq = 0;
const createSecret = async (secretString, name = `gateway-test/${process.pid}/${++seq}`) =>
  (await admin.send(new CreateSecretCommand({ Name: name, SecretString: secretString }))).ARN;

before(async () => {
  emulator = await startUrlProcess('python3', ['scripts/local_aws.py', '--watch-stdin'], {});
  admin = new SecretsManagerClient({
    endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  secretArn = await createSecret(JSON.stringify({ live, dev }));
});

after(async () => {
  for (const g of gateways) await stopProcess(g);
  admin?.destroy();
  await stopProcess(emulator);
});

const unauthorized = { status: 401, body: { message: 'Unauthorized' } };
const forbidden = { status: 403, body: { message: 'Forbidden' } };
const serverError = { status: 500, body: { message: 'Internal Server Error' } };
const allowed = (keyName) => ({ status: 200, body: { ok: true, authorizer: { keyName } } });
const parseDecisions = (text) => text.slice(0, text.lastIndexOf('\n') + 1).split('\n')
  .filter((l) => l.includes('"decision"')).map((l) => JSON.parse(l)); // complete lines only
/** The decision lines, once at least n have arrived. */
const decisionLines = async (g, n) => parseDecisions(await g.stderrUntil((text) => parseDecisions(text).length >= n));

test('protected API: 401 without the header, 403 for a wrong key, 200 with a right one', async () => {
  const g = await gateway();
  assert.match(g.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(await get(`${g.url}/items`), unauthorized);
  assert.deepEqual(await get(`${g.url}/items`, { Authorization: '' }), unauthorized);
  assert.deepEqual(await get(`${g.url}/items`, { 'X-Api-Key': live }), unauthorized);
  assert.deepEqual(await get(`${g.url}/items`, { Authorization: 'sak_wrong' }), forbidden);
  assert.deepEqual(await get(`${g.url}/items`, { Authorization: [live, live] }), forbidden);
  assert.deepEqual(await get(`${g.url}/items?a=1&a=2`, { Authorization: live }), allowed('live'));
  assert.deepEqual(await get(`${g.url}/`, { Authorization: `Bearer ${dev}` }), allowed('dev'));
  // The decisions were logged to stderr, and stdout kept its one line.
  assert.match(await g.stderrUntil((t) => /"decision":"allow".*"keyName":"dev"/.test(t)), /"keyName":"dev"/);
  assert.equal(g.stdout(), `${g.url}\n`);
  assert.ok(!g.stderr().includes(live) && !g.stderr().includes(dev), 'no key in the harness output');
});

test('KEY_HEADER picks the identity source header', async () => {
  const g = await gateway({ KEY_HEADER: 'X-Api-Key' });
  assert.equal((await get(`${g.url}/x`, { Authorization: live })).status, 401);
  assert.equal((await get(`${g.url}/x`, { 'x-api-key': 'nope' })).status, 403);
  assert.deepEqual(await get(`${g.url}/x`, { 'X-API-KEY': live }), allowed('live'));
});

test('OPEN=1 is an unprotected API: 200 to everything', async () => {
  const g = await gateway({ OPEN: '1' });
  assert.deepEqual(await get(`${g.url}/anything`), { status: 200, body: { ok: true } });
  assert.equal((await get(`${g.url}/anything`, { Authorization: 'wrong' })).status, 200);
});

test('a secret that cannot be read gives 500, not 403, and nothing is cached', async () => {
  const name = `gateway-test/${process.pid}/late`;
  const key = generatedKey('live');
  const g = await gateway({ SECRET_ARN: name, CACHE_TTL: '300' }); // the secret does not exist yet
  assert.deepEqual(await get(`${g.url}/`, { Authorization: key }), serverError);
  assert.deepEqual(await get(`${g.url}/`, { Authorization: key }), serverError);
  const errors = await decisionLines(g, 2);
  assert.deepEqual(errors.map((d) => [d.decision, d.reason]), [['error', 'secret_unavailable'], ['error', 'secret_unavailable']],
    'each request reached the function: the failure was cached neither by the gateway nor by the function');
  await createSecret(digestSecret({ live: { key } }).value, name);
  assert.deepEqual(await get(`${g.url}/`, { Authorization: key }), allowed('live'));
  // An answer, unlike a failure, is cached for the TTL: the function is not called again.
  assert.deepEqual(await get(`${g.url}/`, { Authorization: key }), allowed('live'));
  assert.deepEqual(await get(`${g.url}/`, { Authorization: generatedKey('live') }), forbidden);
  const lines = await decisionLines(g, 4); // in order: a 4th allow would come before this deny
  assert.deepEqual(lines.map((d) => d.decision), ['error', 'error', 'allow', 'deny']);
  assert.ok(!g.stderr().includes(key), 'no key in the harness output');
});

test('digest secret: named keys forward their name; expired and revoked keys get 403, a retiring one 200', async () => {
  const keys = {
    live: generatedKey('live'),
    partner: generatedKey('partner-a'),
    rotated: generatedKey('partner-b'),
    retiring: generatedKey('partner-b'),
    expired: generatedKey('trial'),
    revoked: generatedKey('gone'),
  };
  const day = 86_400_000;
  const spec = {
    live: { key: keys.live },
    'partner-a': { key: keys.partner, expires: Date.now() + day },
    'partner-b': { key: keys.rotated, retiring: { key: keys.retiring } },
    trial: { key: keys.expired, expires: Date.now() - day },
  };
  const arn = await createSecret(digestSecret({ ...spec, gone: { key: keys.revoked } }).value);
  // keys revoke gone: a new version without it; the old version, with it, becomes AWSPREVIOUS.
  await admin.send(new PutSecretValueCommand({ SecretId: arn, SecretString: digestSecret(spec).value }));
  const g = await gateway({ SECRET_ARN: arn, CACHE_TTL: '300' });
  const call = (key) => get(`${g.url}/orders`, { Authorization: `Bearer ${key}` });
  assert.deepEqual(await call(keys.live), allowed('live'));
  assert.deepEqual(await call(keys.partner), allowed('partner-a'));
  assert.deepEqual(await call(keys.rotated), allowed('partner-b'));
  assert.deepEqual(await call(keys.retiring), allowed('partner-b'));
  assert.deepEqual(await call(keys.expired), forbidden);
  assert.deepEqual(await call(keys.revoked), forbidden);
  assert.deepEqual(await call(generatedKey('live')), forbidden);
  const corrupted = keys.live.slice(0, -1) + (keys.live.endsWith('A') ? 'B' : 'A');
  assert.deepEqual(await call(corrupted), forbidden);
  const byReason = Object.fromEntries((await decisionLines(g, 8)).map((d) => [d.reason, d]));
  assert.equal(byReason.expired.keyName, 'trial');
  assert.equal(byReason.bad_checksum.decision, 'deny');
  for (const key of Object.values(keys)) assert.ok(!g.stderr().includes(key), 'no key in the harness output');
});

test('legacy secrets keep working: a plain string, and named keys mid-rotation (AWSPREVIOUS)', async () => {
  const plainKey = `legacy-${randomBytes(24).toString('hex')}`;
  const plain = await gateway({ SECRET_ARN: await createSecret(`${plainKey}\n`) });
  assert.deepEqual(await get(`${plain.url}/`, { Authorization: plainKey }), allowed('live'));
  assert.deepEqual(await get(`${plain.url}/`, { Authorization: `${plainKey}x` }), forbidden);

  const next = `sak_live_${randomBytes(32).toString('base64url')}`;
  const arn = await createSecret(JSON.stringify({ live, dev }));
  await admin.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ live: next, dev }) }));
  const g = await gateway({ SECRET_ARN: arn });
  assert.deepEqual(await get(`${g.url}/`, { Authorization: live }), allowed('live')); // the previous key, still accepted
  assert.deepEqual(await get(`${g.url}/`, { Authorization: next }), allowed('live'));
  assert.deepEqual(await get(`${g.url}/`, { Authorization: dev }), allowed('dev'));
});

test('exits 0 on stdin EOF and on SIGTERM', async () => {
  const a = await gateway();
  a.child.stdin.end();
  assert.deepEqual(await a.exited, { code: 0, signal: null });
  const b = await gateway();
  b.child.kill('SIGTERM');
  assert.deepEqual(await b.exited, { code: 0, signal: null });
});

// --- what secure-api's flush does: ResetAuthorizersCache, a new function configuration ---------

/** A call to the emulator's REST APIs (moto routes on the credential scope and checks no signature). */
async function emulatorCall(service, method, path, body) {
  const headers = {
    authorization: `AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  };
  if (typeof body === 'string') headers['content-type'] = 'application/x-www-form-urlencoded';
  else if (body) headers['content-type'] = 'application/json';
  const res = await fetch(`${emulator.url}${path}`, { method, headers, body: typeof body === 'object' ? JSON.stringify(body) : body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text.startsWith('{') ? JSON.parse(text) : text;
}

async function createHttpApi(stages) {
  const { apiId } = await emulatorCall('apigateway', 'POST', '/v2/apis', { name: `gw-${++seq}`, protocolType: 'HTTP' });
  for (const stageName of stages) await emulatorCall('apigateway', 'POST', `/v2/apis/${apiId}/stages`, { stageName, autoDeploy: true });
  return apiId;
}

const resetCache = (apiId, stage) =>
  emulatorCall('apigateway', 'DELETE', `/v2/apis/${apiId}/stages/${encodeURIComponent(stage)}/cache/authorizers`);

const decisionCount = (g) => parseDecisions(g.stderr()).length;

test('API_ID: a cached deny is gone after a ResetAuthorizersCache on that stage, not before', async () => {
  const live = generatedKey('live');
  const late = generatedKey('late');
  const salt = randomBytes(32);
  const arn = await createSecret(digestSecret({ live: { key: live } }, { salt }).value);
  const apiId = await createHttpApi(['$default', 'prod']);
  const other = await createHttpApi(['$default']);
  await resetCache(apiId, '$default'); // before the harness starts: not a reset it has to act on
  // KEY_MIN_AGE_SECONDS=0: the function re-reads on every well-formed miss, so only the gateway's cache can hold a deny.
  const g = await gateway({ SECRET_ARN: arn, CACHE_TTL: '300', API_ID: apiId, KEY_MIN_AGE_SECONDS: '0' });
  assert.deepEqual(await get(`${g.url}/`, { Authorization: live }), allowed('live'));
  assert.deepEqual(await get(`${g.url}/`, { Authorization: late }), forbidden); // not in the secret yet: a cached deny
  await admin.send(new PutSecretValueCommand({ SecretId: arn, SecretString: digestSecret({ live: { key: live }, late: { key: late } }, { salt }).value }));
  await decisionLines(g, 2);
  assert.deepEqual(await get(`${g.url}/`, { Authorization: late }), forbidden, 'still the cached deny');
  await resetCache(apiId, 'prod'); // another stage of the API
  await resetCache(other, '$default'); // another API
  assert.deepEqual(await get(`${g.url}/`, { Authorization: late }), forbidden, 'other stages and APIs do not flush this one');
  assert.equal(decisionCount(g), 2, 'the function was not called for a cached answer');
  await resetCache(apiId, '$default');
  assert.deepEqual(await get(`${g.url}/`, { Authorization: late }), allowed('late'));
  assert.deepEqual((await decisionLines(g, 3)).map((d) => d.decision), ['allow', 'deny', 'allow']);
  assert.deepEqual(await get(`${g.url}/`, { Authorization: live }), allowed('live'));
  assert.equal((await decisionLines(g, 4)).length, 4, 'the cached allow for live was flushed too: the function was asked again');
});

test('FUNCTION_NAME: a function configuration change gives a fresh handler with its environment', async () => {
  const [live, dev1, dev2] = [generatedKey('live'), generatedKey('dev'), generatedKey('dev')];
  const salt = randomBytes(32);
  const spec = { live: { key: live }, dev: { key: dev1, retiring: { key: dev2 } } };
  const arn = await createSecret(digestSecret(spec, { salt, generation: 1 }).value);
  const other = generatedKey('other');
  const otherArn = await createSecret(digestSecret({ other: { key: other } }).value);
  const role = `gw-role-${process.pid}-${++seq}`;
  await emulatorCall('iam', 'POST', '/', `Action=CreateRole&Version=2010-05-08&RoleName=${role}&AssumeRolePolicyDocument=%7B%7D`);
  const fn = `gw-fn-${process.pid}-${seq}`;
  const env = { SECRET_ARN: arn, KEY_CACHE_SECONDS: '300' };
  await emulatorCall('lambda', 'POST', '/2015-03-31/functions', {
    FunctionName: fn, Runtime: 'nodejs24.x', Handler: 'index.handler', Role: `arn:aws:iam::123456789012:role/${role}`,
    Code: { ZipFile: Buffer.from('PK\x05\x06'.padEnd(22, '\0'), 'latin1').toString('base64') }, Environment: { Variables: env },
  });
  const g = await gateway({ SECRET_ARN: 'not-the-functions', FUNCTION_NAME: fn, CACHE_TTL: '300' });
  assert.deepEqual(await get(`${g.url}/`, { Authorization: live }), allowed('live')); // the function's SECRET_ARN
  // Both dev keys revoked; the running handler holds its copy for KEY_CACHE_SECONDS.
  await admin.send(new PutSecretValueCommand({ SecretId: arn, SecretString: digestSecret({ live: { key: live } }, { salt, generation: 2 }).value }));
  assert.deepEqual(await get(`${g.url}/`, { Authorization: dev1 }), allowed('dev'), 'the old instance answers from its copy');
  // The flush: a new configuration (a new marker, the generation just written).
  await emulatorCall('lambda', 'PUT', `/2015-03-31/functions/${fn}/configuration`,
    { Environment: { Variables: { ...env, SECURE_API_FLUSHED_AT: '1', KEY_MIN_GENERATION: '2' } } });
  assert.deepEqual(await get(`${g.url}/`, { Authorization: dev2 }), forbidden, 'a fresh instance read the secret');
  assert.deepEqual(await get(`${g.url}/`, { Authorization: dev1 }), allowed('dev'), 'the gateway cache is not the function\'s');
  await emulatorCall('lambda', 'PUT', `/2015-03-31/functions/${fn}/configuration`,
    { Environment: { Variables: { SECRET_ARN: otherArn } } });
  assert.deepEqual(await get(`${g.url}/`, { Authorization: other }), allowed('other'), 'the new environment applies');
  const instances = g.stderr().split('\n').filter((l) => l.includes('"harness"')).map((l) => JSON.parse(l).instance);
  assert.deepEqual(instances, [1, 2, 3]);
  assert.ok(!g.stderr().includes(dev1) && !g.stderr().includes(dev2), 'no key in the harness output');
});

test('without API_ID and FUNCTION_NAME the emulator is never asked about resets or functions', async () => {
  const key = generatedKey('live');
  const arn = await createSecret(digestSecret({ live: { key } }).value);
  const apiId = await createHttpApi(['$default']);
  const g = await gateway({ SECRET_ARN: arn, CACHE_TTL: '300' });
  assert.deepEqual(await get(`${g.url}/`, { Authorization: key }), allowed('live'));
  await resetCache(apiId, '$default');
  assert.deepEqual(await get(`${g.url}/`, { Authorization: key }), allowed('live'));
  assert.equal(decisionCount(g), 1, 'a harness without API_ID keeps its cache');
});
