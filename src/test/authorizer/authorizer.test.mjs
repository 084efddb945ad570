// Tests for the bundled authorizer (src/main/authorizer/index.mjs), run with
// `node --test`. They use the real AWS SDK against the project's local AWS
// emulator (scripts/local_aws.py, moto). Secrets Manager calls are counted on
// the wire by a small HTTP proxy between the handler's client and the
// emulator, so the cache assertions count real GetSecretValue requests.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  SecretsManagerClient,
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { handler, _resetForTests } from '../../main/authorizer/index.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// --- local AWS emulator ---------------------------------------------------

/** Starts scripts/local_aws.py; resolves to { url, stop } once it is ready. */
function startEmulator() {
  const child = spawn('python3', ['scripts/local_aws.py', '--watch-stdin'], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.stdin.end(); // --watch-stdin: EOF ends it
    const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`local_aws.py not ready in 60 s: ${stderr}`));
    }, 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ url: out.slice(0, nl).trim(), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local_aws.py exited (${code}) before ready: ${stderr}`));
    });
  });
}

/**
 * Forwards everything to `target`, recording each GetSecretValue's stage.
 * `faults[stage]` names an AWS error to answer instead, the way Secrets
 * Manager refuses (400, JSON protocol), for failures moto cannot produce.
 */
function startCountingProxy(target, calls, faults) {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
        const doc = JSON.parse(body.toString('utf8'));
        const stage = doc.VersionStage ?? 'AWSCURRENT';
        calls.push({ secretId: doc.SecretId, stage });
        if (faults[stage]) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': faults[stage] });
          res.end(JSON.stringify({ __type: faults[stage], message: 'injected by the test proxy' }));
          return;
        }
      }
      const fwd = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
      fwd.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
    }));
  });
}

// --- fixtures ---------------------------------------------------------------

let emulator;
let proxy;
let admin;
const calls = []; // GetSecretValue requests seen on the wire
const faults = {}; // stage -> AWS error name the proxy answers with
const logLines = []; // everything console.log / error / warn got
const usedKeys = new Set(); // every key any test stored or sent
let clockMs = 1_700_000_000_000;
const originalConsole = { log: console.log, error: console.error, warn: console.warn, info: console.info };

const newKey = (prefix = 'sak_') => {
  const k = prefix + randomBytes(32).toString('base64url');
  usedKeys.add(k);
  return k;
};
let seq = 0;
const secretName = (what) => `authz-test/${process.pid}/${++seq}-${what}`;

async function createSecret(what, secretString) {
  const out = await admin.send(new CreateSecretCommand({ Name: secretName(what), SecretString: secretString }));
  return out; // { ARN, VersionId, ... }
}

/** A cold container: fresh module state and env, counted calls cleared. */
function coldStart(env = {}) {
  for (const k of ['SECRET_ARN', 'KEY_CACHE_SECONDS', 'KEY_HEADER']) delete process.env[k];
  Object.assign(process.env, env);
  _resetForTests({ clock: () => clockMs });
  calls.length = 0;
  for (const k of Object.keys(faults)) delete faults[k];
}

const advance = (seconds) => { clockMs += seconds * 1000; };

/** A payload-2.0 REQUEST authorizer event as API Gateway builds it. */
function event(value, { header = 'authorization', extraHeaders = {} } = {}) {
  const headers = { host: 'abc123.execute-api.us-east-1.amazonaws.com', 'user-agent': 'test', ...extraHeaders };
  if (value !== undefined) headers[header.toLowerCase()] = value;
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/items',
    identitySource: value === undefined ? undefined : [value],
    routeKey: '$default',
    rawPath: '/items',
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      requestId: `req-${++seq}`,
      routeKey: '$default',
      stage: '$default',
      http: { method: 'GET', path: '/items', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
    },
  };
}

const decisions = () => logLines.filter((l) => l.includes('"decision"')).map((l) => JSON.parse(l));

/** Calls the handler once; checks it wrote exactly one decision line. */
async function authorize(ev) {
  const before = decisions().length;
  const result = await handler(ev);
  const after = decisions();
  assert.equal(after.length, before + 1, 'exactly one decision log line per request');
  return { result, log: after[after.length - 1] };
}

async function assertAllow(value, keyName, stage = 'AWSCURRENT', opts) {
  const { result, log } = await authorize(event(value, opts));
  assert.deepEqual(result, { isAuthorized: true, context: { keyName } });
  assert.equal(log.decision, 'allow');
  assert.equal(log.keyName, keyName);
  assert.equal(log.stage, stage);
  return log;
}

async function assertDeny(value, reason, opts) {
  const { result, log } = await authorize(event(value, opts));
  assert.deepEqual(result, { isAuthorized: false });
  assert.equal(log.decision, 'deny');
  if (reason) assert.equal(log.reason, reason);
  return log;
}

before(async () => {
  const capture = (name) => (...args) => { logLines.push(args.map(String).join(' ')); };
  console.log = capture('log');
  console.error = capture('error');
  console.warn = capture('warn');
  console.info = capture('info');
  emulator = await startEmulator();
  proxy = await startCountingProxy(emulator.url, calls, faults);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: proxy.url, // the handler's client goes through the counter
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  delete process.env.AWS_PROFILE;
  admin = new SecretsManagerClient({
    endpoint: emulator.url, // fixture calls bypass the counter
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  Object.assign(console, originalConsole);
  admin?.destroy();
  await proxy?.close();
  await emulator?.stop();
});

// --- tests ------------------------------------------------------------------

test('right key, raw and as Bearer (any case of the scheme), is allowed as live', async () => {
  const key = newKey();
  const { ARN } = await createSecret('raw-bearer', JSON.stringify({ live: key }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(key, 'live');
  await assertAllow(`Bearer ${key}`, 'live');
  await assertAllow(`bearer ${key}`, 'live');
  await assertAllow(`BEARER ${key}`, 'live');
});

test('wrong key, near misses and malformed Bearer are denied', async () => {
  const key = newKey();
  const { ARN } = await createSecret('wrong', key);
  coldStart({ SECRET_ARN: ARN });
  await assertDeny(newKey(), 'no_match');
  await assertDeny(key.slice(0, -1), 'no_match');
  await assertDeny(`${key}x`, 'no_match');
  await assertDeny(key.toUpperCase(), 'no_match');
  await assertDeny(`Bearer  ${key}`, 'no_match'); // two spaces
  await assertDeny(`Basic ${key}`, 'no_match');
  await assertDeny(`Bearer`, 'no_match');
});

test('a much longer and a much shorter key are denied without throwing', async () => {
  const key = newKey();
  const { ARN } = await createSecret('lengths', key);
  coldStart({ SECRET_ARN: ARN });
  const long = newKey('L'.repeat(100_000));
  await assertDeny(long, 'no_match');
  await assertDeny(`Bearer ${long}`, 'no_match');
  await assertDeny('k', 'no_match');
  await assertDeny('Bearer k', 'no_match');
  await assertAllow(key, 'live');
});

test('empty or missing header, and odd events, are denied without throwing', async () => {
  const key = newKey();
  const { ARN } = await createSecret('missing', key);
  coldStart({ SECRET_ARN: ARN });
  await assertDeny(undefined, 'missing_key');
  await assertDeny('', 'missing_key');
  await assertDeny('Bearer ', 'missing_key');
  for (const odd of [undefined, null, {}, 'x', 42, { headers: null }, { headers: { authorization: 42 } },
    { headers: { authorization: [key] } }, { identitySource: 'abc' }]) {
    const n = decisions().length;
    assert.deepEqual(await handler(odd), { isAuthorized: false });
    assert.equal(decisions().length, n + 1);
  }
  assert.equal(calls.length, 0, 'no Secrets Manager call for a request without a key');
});

test('comma-joined duplicate headers are denied, even when one value is right', async () => {
  const key = newKey();
  const { ARN } = await createSecret('dupes', key);
  coldStart({ SECRET_ARN: ARN });
  await assertDeny(`${key},${key}`, 'multiple_values');
  await assertDeny(`${key}, ${newKey()}`, 'multiple_values');
  await assertDeny(`Bearer ${key},Bearer ${key}`, 'multiple_values');
});

test('JSON named keys: each key reports its own name', async () => {
  const live = newKey();
  const dev = newKey();
  const { ARN } = await createSecret('named', JSON.stringify({ live, dev, empty: '', num: 5 }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(live, 'live');
  await assertAllow(`Bearer ${dev}`, 'dev');
  await assertDeny('5', 'no_match');
});

test('a plain-string secret (the manual recipe) is one key named live', async () => {
  const key = newKey();
  const { ARN } = await createSecret('plain', `${key}\n`); // trailing newline from a key file
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(key, 'live');
  await assertDeny(newKey(), 'no_match');
});

test('the header named by KEY_HEADER is read, case-insensitively; identitySource is the fallback', async () => {
  const key = newKey();
  const { ARN } = await createSecret('header', key);
  coldStart({ SECRET_ARN: ARN, KEY_HEADER: 'X-Api-Key' });
  await assertAllow(key, 'live', 'AWSCURRENT', { header: 'x-api-key' });
  // The key in another header does not count.
  await assertDeny(undefined, 'missing_key', { extraHeaders: { authorization: key } });
  const noHeaders = { ...event(key, { header: 'x-api-key' }), headers: {} };
  const { result } = await authorize(noHeaders);
  assert.deepEqual(result, { isAuthorized: true, context: { keyName: 'live' } });
  const mixedCase = { ...event(undefined), headers: { 'X-API-KEY': key } };
  assert.equal((await authorize(mixedCase)).result.isAuthorized, true);
});

test('rotation: AWSPREVIOUS key is accepted, then rejected once the label is removed and the cache expired', async () => {
  const oldKey = newKey();
  const dev = newKey();
  const created = await createSecret('rotate', JSON.stringify({ live: oldKey, dev }));
  coldStart({ SECRET_ARN: created.ARN });
  await assertAllow(oldKey, 'live');

  const newLive = newKey();
  await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: JSON.stringify({ live: newLive, dev }) }));
  advance(61);
  await assertAllow(oldKey, 'live', 'AWSPREVIOUS');
  await assertAllow(newLive, 'live', 'AWSCURRENT');
  await assertAllow(dev, 'dev', 'AWSCURRENT'); // in both versions: current wins

  await admin.send(new UpdateSecretVersionStageCommand({
    SecretId: created.ARN, VersionStage: 'AWSPREVIOUS', RemoveFromVersionId: created.VersionId,
  }));
  // Within the window the cached previous key still works (what --finish warns about).
  advance(30);
  await assertAllow(oldKey, 'live', 'AWSPREVIOUS');
  advance(31);
  await assertDeny(oldKey, 'no_match');
  await assertAllow(newLive, 'live');
  await assertAllow(dev, 'dev');
});

test('cache: no Secrets Manager call within the window, one per stage after it', async () => {
  const key = newKey();
  const { ARN } = await createSecret('cache', key);
  coldStart({ SECRET_ARN: ARN }); // default KEY_CACHE_SECONDS = 60
  await assertAllow(key, 'live');
  assert.deepEqual(calls.map((c) => c.stage).sort(), ['AWSCURRENT', 'AWSPREVIOUS']);
  assert.ok(calls.every((c) => c.secretId === ARN));
  calls.length = 0;
  for (let i = 0; i < 100; i++) await assertAllow(key, 'live');
  await assertDeny(newKey(), 'no_match');
  advance(59.9);
  await assertAllow(key, 'live');
  assert.equal(calls.length, 0, 'no call within the window');
  advance(0.2);
  await assertAllow(key, 'live');
  assert.deepEqual(calls.map((c) => c.stage).sort(), ['AWSCURRENT', 'AWSPREVIOUS']);
});

test('KEY_CACHE_SECONDS sets the window', async () => {
  const key = newKey();
  const { ARN } = await createSecret('cache-env', key);
  coldStart({ SECRET_ARN: ARN, KEY_CACHE_SECONDS: '5' });
  await assertAllow(key, 'live');
  advance(4);
  await assertAllow(key, 'live');
  assert.equal(calls.filter((c) => c.stage === 'AWSCURRENT').length, 1);
  advance(2);
  await assertAllow(key, 'live');
  assert.equal(calls.filter((c) => c.stage === 'AWSCURRENT').length, 2);
});

test('50 concurrent requests on a cold container share one GetSecretValue per stage', async () => {
  const key = newKey();
  const { ARN } = await createSecret('herd', key);
  coldStart({ SECRET_ARN: ARN });
  const n = decisions().length;
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => handler(event(i % 5 === 0 ? newKey() : `Bearer ${key}`))),
  );
  assert.equal(results.filter((r) => r.isAuthorized).length, 40);
  assert.equal(results.filter((r) => !r.isAuthorized).length, 10);
  assert.equal(decisions().length, n + 50);
  assert.equal(calls.filter((c) => c.stage === 'AWSCURRENT').length, 1);
  assert.equal(calls.filter((c) => c.stage === 'AWSPREVIOUS').length, 1);
});

test('a failed load is not cached: the next request retries and succeeds', async () => {
  const key = newKey();
  const name = secretName('late');
  const arnLike = name; // SecretId may be a name; the secret does not exist yet
  coldStart({ SECRET_ARN: arnLike });
  const results = await Promise.all([handler(event(key)), handler(event(key)), handler(event(key))]);
  assert.deepEqual(results, [{ isAuthorized: false }, { isAuthorized: false }, { isAuthorized: false }]);
  assert.equal(calls.filter((c) => c.stage === 'AWSCURRENT').length, 1, 'concurrent failures share one call');
  const log = decisions().at(-1);
  assert.equal(log.reason, 'secret_unavailable');
  assert.equal(log.error, 'ResourceNotFoundException');
  await admin.send(new CreateSecretCommand({ Name: name, SecretString: key }));
  await assertAllow(key, 'live');
  assert.equal(calls.filter((c) => c.stage === 'AWSCURRENT').length, 2);
});

test('unreadable secret (wrong ARN, deleted, broken value) is denied', async () => {
  const key = newKey();
  const { ARN } = await createSecret('deleted', key);
  coldStart({ SECRET_ARN: `${ARN.slice(0, -6)}zzzzzz` });
  await assertDeny(key, 'secret_unavailable');

  await admin.send(new DeleteSecretCommand({ SecretId: ARN, RecoveryWindowInDays: 7 }));
  coldStart({ SECRET_ARN: ARN });
  const log = await assertDeny(key, 'secret_unavailable');
  assert.equal(log.error, 'InvalidRequestException');

  const forced = await createSecret('forced', key);
  await admin.send(new DeleteSecretCommand({ SecretId: forced.ARN, ForceDeleteWithoutRecovery: true }));
  coldStart({ SECRET_ARN: forced.ARN });
  await assertDeny(key, 'secret_unavailable');

  for (const [what, value, error] of [
    ['broken-json', `{"live": "${key}"`, 'SecretNotJson'],
    ['no-keys', JSON.stringify({ live: '' }), 'SecretHasNoKeys'],
  ]) {
    const s = await createSecret(what, value);
    coldStart({ SECRET_ARN: s.ARN });
    const l = await assertDeny(key, 'secret_unavailable');
    assert.equal(l.error, error);
  }

  const bin = await admin.send(new CreateSecretCommand({ Name: secretName('binary'), SecretBinary: Buffer.from(key) }));
  coldStart({ SECRET_ARN: bin.ARN });
  await assertDeny(key, 'secret_unavailable');
});

test('AWSPREVIOUS refused (other than not found): current keys still work, previous ones are dropped', async () => {
  const oldKey = newKey();
  const created = await createSecret('prev-denied', oldKey);
  const newLive = newKey();
  await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: newLive }));
  coldStart({ SECRET_ARN: created.ARN });
  faults.AWSPREVIOUS = 'AccessDeniedException';
  await assertAllow(newLive, 'live');
  const warning = logLines.map((l) => JSON.parse(l)).findLast((d) => d.event === 'key_load_warning');
  assert.deepEqual(warning, { event: 'key_load_warning', stage: 'AWSPREVIOUS', error: 'AccessDeniedException' });
  await assertDeny(oldKey, 'no_match');
});

test('AWSCURRENT refused: denied even for a key AWSPREVIOUS holds, and not cached', async () => {
  const oldKey = newKey();
  const created = await createSecret('cur-denied', oldKey);
  const newLive = newKey();
  await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: newLive }));
  coldStart({ SECRET_ARN: created.ARN });
  faults.AWSCURRENT = 'AccessDeniedException';
  assert.equal((await assertDeny(oldKey, 'secret_unavailable')).error, 'AccessDeniedException');
  assert.equal((await assertDeny(newLive, 'secret_unavailable')).error, 'AccessDeniedException');
  delete faults.AWSCURRENT;
  await assertAllow(newLive, 'live');
  await assertAllow(oldKey, 'live', 'AWSPREVIOUS');
});

test('missing SECRET_ARN is denied without calling Secrets Manager', async () => {
  coldStart({});
  await assertDeny(newKey(), 'no_secret_arn');
  coldStart({ SECRET_ARN: '' });
  await assertDeny(newKey(), 'no_secret_arn');
  assert.equal(calls.length, 0);
});

test('log lines: one JSON object each, known fields only, no key material anywhere', () => {
  assert.ok(logLines.length > 100, `captured ${logLines.length} lines`);
  const allowed = new Set(['decision', 'reason', 'keyName', 'stage', 'routeArn', 'routeKey', 'requestId',
    'sourceIp', 'error', 'event']);
  for (const line of logLines) {
    const doc = JSON.parse(line);
    for (const field of Object.keys(doc)) assert.ok(allowed.has(field), `unexpected log field ${field}`);
  }
  const all = logLines.join('\n');
  for (const key of usedKeys) {
    const digest = createHash('sha256').update(key).digest();
    for (const needle of [key, key.slice(4, 20), digest.toString('hex'), digest.toString('base64'),
      digest.toString('base64url')]) {
      assert.ok(!all.includes(needle), 'key material or its digest found in a log line');
    }
    assert.ok(!all.includes(`"${key.length}"`) && !new RegExp(`[:,]${key.length}[,}]`).test(all),
      'a key length appears in a log line');
  }
});
