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
import { handler, _resetForTests, keyChecksum } from '../../main/authorizer/index.mjs';
import { digestSecret, generatedKey, instant } from './digest-secret.mjs';

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
 * Manager refuses (JSON protocol), for failures moto cannot produce, or is
 * 'hangup' to drop the connection, or 'hang' never to answer, or is
 * { secretString } to answer with that value (a lagging read).
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
        const fault = faults[stage];
        if (fault === 'hang') return; // never answered
        if (typeof fault === 'object') {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ ARN: doc.SecretId, Name: 'lagging', VersionId: 'lagging', SecretString: fault.secretString,
            VersionStages: [stage], CreatedDate: 1_700_000_000 }));
          return;
        }
        if (fault === 'hangup') {
          req.socket.destroy(); // a connection reset, for every attempt
          return;
        }
        if (fault) {
          // Secrets Manager answers 400 for client errors and throttling, 500 for its own failures.
          const status = fault === 'InternalServiceError' ? 500 : 400;
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault });
          res.end(JSON.stringify({ __type: fault, message: 'injected by the test proxy' }));
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
const storedDigests = new Set(); // every HMAC digest a digest secret held
let clockMs = 1_700_000_000_000;
const originalConsole = { log: console.log, error: console.error, warn: console.warn, info: console.info };

const newKey = (prefix = 'sak_') => {
  const k = prefix + randomBytes(32).toString('base64url');
  usedKeys.add(k);
  return k;
};
let seq = 0;
const secretName = (what) => `authz-test/${process.pid}/${++seq}-${what}`;

/** A digest-format SecretString (see digest-secret.mjs); its keys and digests are tracked for the leak check. */
function digests(keys, opts) {
  for (const spec of Object.values(keys)) {
    usedKeys.add(spec.key);
    if (spec.retiring) usedKeys.add(spec.retiring.key);
  }
  const secret = digestSecret(keys, opts);
  for (const d of secret.digests) storedDigests.add(d);
  return secret.value;
}

/** One base62 character of the body changed: still key-shaped, checksum now wrong. */
const corrupt = (key, at = key.length - 20) => key.slice(0, at) + (key[at] === 'a' ? 'b' : 'a') + key.slice(at + 1);

const genKey = (name) => {
  const k = generatedKey(name);
  usedKeys.add(k);
  return k;
};

async function createSecret(what, secretString) {
  const out = await admin.send(new CreateSecretCommand({ Name: secretName(what), SecretString: secretString }));
  return out; // { ARN, VersionId, ... }
}

/** A cold container: fresh module state and env, counted calls cleared; `clock` replaces the stubbed one. */
function coldStart(env = {}, clock = () => clockMs) {
  for (const k of ['SECRET_ARN', 'KEY_CACHE_SECONDS', 'KEY_HEADER', 'KEY_MIN_AGE_SECONDS', 'KEY_MIN_GENERATION']) delete process.env[k];
  Object.assign(process.env, env);
  _resetForTests({ clock });
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

/** The handler throws (API Gateway: 500, nothing cached) and logs one `error` decision. */
async function assertError(value, reason = 'secret_unavailable', error) {
  const before = decisions().length;
  await assert.rejects(handler(event(value)), (err) => {
    assert.equal(err.name, 'KeysUnavailable');
    assert.ok(!String(err.message).includes(value), 'no key in the error');
    return true;
  });
  const after = decisions();
  assert.equal(after.length, before + 1, 'exactly one decision log line per request');
  const log = after.at(-1);
  assert.equal(log.decision, 'error');
  assert.equal(log.reason, reason);
  if (error) assert.equal(log.error, error);
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

test('a plain-string secret (a hand-wired setup\'s format) is one key named live', async () => {
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

test('a failed load throws and is not cached: the next request retries and succeeds', async () => {
  const key = newKey();
  const name = secretName('late');
  const arnLike = name; // SecretId may be a name; the secret does not exist yet
  coldStart({ SECRET_ARN: arnLike });
  const n = decisions().length;
  const results = await Promise.allSettled([handler(event(key)), handler(event(key)), handler(event(key))]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
  assert.ok(results.every((r) => r.reason.name === 'KeysUnavailable'));
  assert.equal(calls.filter((c) => c.stage === 'AWSCURRENT').length, 1, 'concurrent failures share one call');
  assert.equal(decisions().length, n + 3);
  const log = decisions().at(-1);
  assert.equal(log.decision, 'error');
  assert.equal(log.reason, 'secret_unavailable');
  assert.equal(log.error, 'ResourceNotFoundException');
  await admin.send(new CreateSecretCommand({ Name: name, SecretString: key }));
  await assertAllow(key, 'live');
  assert.equal(calls.filter((c) => c.stage === 'AWSCURRENT').length, 2);
});

test('unreadable secret (wrong ARN, deleted, broken value) throws: a failure is not a deny', async () => {
  const key = newKey();
  const { ARN } = await createSecret('deleted', key);
  coldStart({ SECRET_ARN: `${ARN.slice(0, -6)}zzzzzz` });
  await assertError(key, 'secret_unavailable', 'ResourceNotFoundException');

  await admin.send(new DeleteSecretCommand({ SecretId: ARN, RecoveryWindowInDays: 7 }));
  coldStart({ SECRET_ARN: ARN });
  await assertError(key, 'secret_unavailable', 'InvalidRequestException');

  const forced = await createSecret('forced', key);
  await admin.send(new DeleteSecretCommand({ SecretId: forced.ARN, ForceDeleteWithoutRecovery: true }));
  coldStart({ SECRET_ARN: forced.ARN });
  await assertError(key);

  for (const [what, value, error] of [
    ['broken-json', `{"live": "${key}"`, 'SecretNotJson'],
    ['no-keys', JSON.stringify({ live: '' }), 'SecretHasNoKeys'],
  ]) {
    const s = await createSecret(what, value);
    coldStart({ SECRET_ARN: s.ARN });
    await assertError(key, 'secret_unavailable', error);
  }

  const bin = await admin.send(new CreateSecretCommand({ Name: secretName('binary'), SecretBinary: Buffer.from(key) }));
  coldStart({ SECRET_ARN: bin.ARN });
  await assertError(key, 'secret_unavailable', 'SecretStringMissing');
});

for (const fault of ['ThrottlingException', 'AccessDeniedException', 'InternalServiceError', 'hangup', 'hang']) {
  test(`AWSCURRENT fails (${fault}): throws for every key, nothing cached, the next read succeeds`, async () => {
    const oldKey = newKey();
    const created = await createSecret(`cur-${fault}`, oldKey);
    const newLive = newKey();
    await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: newLive }));
    coldStart({ SECRET_ARN: created.ARN });
    faults.AWSCURRENT = fault;
    const log = await assertError(oldKey);
    if (fault === 'hang') assert.equal(log.error, 'AbortError', 'a hung read gives up on its own');
    // Retried with backoff; a slow run of retries ends in the 2 s budget's AbortError instead.
    else if (fault !== 'hangup') assert.ok([fault, 'AbortError'].includes(log.error), log.error);
    await assertError(newLive);
    assert.ok(calls.length >= 2 && calls.every((c) => c.stage === 'AWSCURRENT'), 'each request tried again');
    const seen = calls.length;
    await assertDeny(corrupt(genKey('live')), 'bad_checksum'); // decided without the keys
    assert.equal(calls.length, seen);
    delete faults.AWSCURRENT;
    calls.length = 0;
    await assertAllow(newLive, 'live');
    await assertAllow(oldKey, 'live', 'AWSPREVIOUS');
    assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT', 'AWSPREVIOUS']);
  });
}

for (const fault of ['ThrottlingException', 'AccessDeniedException']) {
  test(`legacy rotation, AWSPREVIOUS fails (${fault}): throws, and no partial key set is cached`, async () => {
    const oldKey = newKey();
    const created = await createSecret(`prev-${fault}`, JSON.stringify({ live: oldKey }));
    const newLive = newKey();
    await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: JSON.stringify({ live: newLive }) }));
    coldStart({ SECRET_ARN: created.ARN });
    faults.AWSPREVIOUS = fault;
    // Clients still on the old key must not get a (cached) deny; nor those on the new one a partial answer.
    for (const key of [oldKey, newLive]) {
      const { error } = await assertError(key);
      assert.ok([fault, 'AbortError'].includes(error), error); // AbortError: retries outlasted the 2 s budget
    }
    delete faults.AWSPREVIOUS;
    calls.length = 0;
    await assertAllow(oldKey, 'live', 'AWSPREVIOUS');
    await assertAllow(newLive, 'live');
    assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT', 'AWSPREVIOUS'], 'a fresh, complete read');
  });
}

test('legacy secret without AWSPREVIOUS ("no such version") is not a failure', async () => {
  const key = newKey();
  const { ARN } = await createSecret('no-previous', JSON.stringify({ live: key }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(key, 'live');
  await assertDeny(newKey(), 'no_match');
  assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT', 'AWSPREVIOUS']);
});

test('legacy: an AWSPREVIOUS that was read but holds no usable key adds nothing, and fails nothing', async () => {
  const key = newKey();
  const created = await createSecret('prev-broken', '{"live": "broken');
  await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: JSON.stringify({ live: key }) }));
  coldStart({ SECRET_ARN: created.ARN });
  await assertAllow(key, 'live');
  await assertDeny('broken', 'no_match');
  assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT', 'AWSPREVIOUS']);
});

test('missing SECRET_ARN throws without calling Secrets Manager', async () => {
  coldStart({});
  await assertError(newKey(), 'secret_unavailable', 'NoSecretArn');
  coldStart({ SECRET_ARN: '' });
  await assertError(newKey(), 'secret_unavailable', 'NoSecretArn');
  assert.equal(calls.length, 0);
});

// --- key format -------------------------------------------------------------

const VECTOR_PREFIX = 'sak_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg';
const VECTOR_KEY = 'sak_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg1XMiRQ';

test('key format: the shared test vector (CRC32 1409165972) has checksum 1XMiRQ', () => {
  assert.equal(keyChecksum(VECTOR_PREFIX), '1XMiRQ');
  assert.equal(generatedKey('live', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg'), VECTOR_KEY);
  assert.match(VECTOR_KEY, /^sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}$/);
  for (let i = 0; i < 200; i++) {
    const k = generatedKey(`n${i}-x`);
    assert.equal(keyChecksum(k.slice(0, -6)), k.slice(-6));
  }
});

test('key format: a key-shaped value with a wrong checksum is denied with zero AWS calls', async () => {
  usedKeys.add(VECTOR_KEY);
  const { ARN } = await createSecret('checksum', digests({ live: { key: VECTOR_KEY } }));
  coldStart({ SECRET_ARN: ARN });
  const corruptions = [
    corrupt(VECTOR_KEY, 9), // first body character
    corrupt(VECTOR_KEY, VECTOR_KEY.length - 1), // last checksum character
    VECTOR_KEY.replace('sak_live_', 'sak_livf_'), // the name is checksummed too
  ];
  for (const bad of corruptions) {
    usedKeys.add(bad);
    await assertDeny(bad, 'bad_checksum');
    await assertDeny(`Bearer ${bad}`, 'bad_checksum');
  }
  assert.equal(calls.length, 0, 'no Secrets Manager call for a malformed key');
  coldStart({}); // even with no SECRET_ARN: the key is refused before the keys are needed
  await assertDeny(corruptions[0], 'bad_checksum');
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(VECTOR_KEY, 'live');
  await assertAllow(`Bearer ${VECTOR_KEY}`, 'live');
  assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT']);
});

test('key format: values that are not key-shaped are looked up normally (legacy and --key-file keys)', async () => {
  const legacy = `sak_live_${'x'.repeat(43)}`; // the old generated shape: 52 characters
  const supplied = 'a-user-supplied-key-of-at-least-32-chars';
  usedKeys.add(legacy).add(supplied);
  const { ARN } = await createSecret('not-shaped', digests({ live: { key: legacy }, dev: { key: supplied } }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(legacy, 'live');
  await assertAllow(supplied, 'dev');
  await assertDeny(`${VECTOR_KEY}x`, 'no_match'); // one character too long: not the shape, just unknown
});

// --- digest format ------------------------------------------------------------

test('digest format: each named key is allowed with its name; only AWSCURRENT is read', async () => {
  const live = genKey('live');
  const partner = genKey('partner-a');
  const { ARN } = await createSecret('digest-two', digests({ live: { key: live }, 'partner-a': { key: partner } }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(live, 'live');
  await assertAllow(`Bearer ${partner}`, 'partner-a');
  await assertDeny(genKey('live'), 'no_match');
  await assertDeny(live.slice(0, -1), 'no_match');
  assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT']);
});

test('digest format: a key stored in plaintext in the JSON is not a key (only digests count)', async () => {
  const live = genKey('live');
  const dev = genKey('dev');
  const secret = JSON.parse(digests({ live: { key: genKey('live') }, dev: { key: dev } }));
  secret.keys.live.digest = live; // wrong shape for a digest: that entry is left out, not a plaintext key
  const { ARN } = await createSecret('digest-plain', JSON.stringify(secret));
  coldStart({ SECRET_ARN: ARN });
  const n = logLines.length;
  await assertDeny(live, 'no_match');
  await assertAllow(dev, 'dev');
  const warnings = logLines.slice(n).map((l) => JSON.parse(l)).filter((d) => d.warning);
  assert.deepEqual(warnings, [{ warning: 'entry_unreadable', keyName: 'live' }]);
});

test('digest format: an expired key is refused at request time, also from the function\'s cache', async () => {
  const live = genKey('live');
  const trial = genKey('trial');
  const past = genKey('old');
  const { ARN } = await createSecret('digest-expiry', digests({
    live: { key: live, expires: null },
    trial: { key: trial, expires: clockMs + 30_000 },
    old: { key: past, expires: clockMs - 1000 },
  }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(trial, 'trial');
  assert.equal((await assertDeny(past, 'expired')).keyName, 'old');
  advance(29);
  await assertAllow(trial, 'trial');
  advance(1.5); // now >= expires (to the second), still inside the 60 s key cache
  const log = await assertDeny(trial, 'expired');
  assert.equal(log.keyName, 'trial');
  await assertAllow(live, 'live');
  assert.equal(calls.length, 1, 'expiry is checked per request, not per load');
});

test('digest format: a retiring key is accepted next to its successor, until its own expiry', async () => {
  const next = genKey('partner-a');
  const old = genKey('partner-a');
  const dev = genKey('dev');
  const oldDev = genKey('dev');
  const { ARN } = await createSecret('digest-retiring', digests({
    'partner-a': { key: next, retiring: { key: old } },
    dev: { key: dev, retiring: { key: oldDev, expires: clockMs + 10_000 } },
  }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(next, 'partner-a');
  const log = await assertAllow(old, 'partner-a');
  assert.equal(log.retiring, true);
  await assertAllow(oldDev, 'dev');
  advance(11);
  assert.equal((await assertDeny(oldDev, 'expired')).keyName, 'dev');
  await assertAllow(dev, 'dev');
  await assertAllow(old, 'partner-a');
});

test('digest format: a disabled key (and its rotation\'s old key) is refused; an enabled one and a quota change nothing', async () => {
  const live = genKey('live');
  const off = genKey('partner-a');
  const offOld = genKey('partner-a');
  const capped = genKey('partner-b');
  const secret = JSON.parse(digests({ live: { key: live }, 'partner-a': { key: off, retiring: { key: offOld } }, 'partner-b': { key: capped } }));
  secret.keys['partner-a'].disabled = { by: 'operator', at: instant(clockMs) };
  secret.keys['partner-b'].quota = { limit: 10, period: 'day' }; // the authorizer ignores quotas
  const { ARN } = await createSecret('digest-disabled', JSON.stringify(secret));
  coldStart({ SECRET_ARN: ARN });
  assert.equal((await assertDeny(off, 'disabled')).keyName, 'partner-a');
  assert.equal((await assertDeny(offOld, 'disabled')).keyName, 'partner-a');
  await assertAllow(live, 'live');
  await assertAllow(capped, 'partner-b');
  // enabled again (the field removed): accepted with the same key
  delete secret.keys['partner-a'].disabled;
  const { ARN: again } = await createSecret('digest-enabled', JSON.stringify(secret));
  coldStart({ SECRET_ARN: again });
  await assertAllow(off, 'partner-a');
  await assertAllow(offOld, 'partner-a');
});

test('digest format: a revoked key left in AWSPREVIOUS is refused; AWSPREVIOUS is never read', async () => {
  const live = genKey('live');
  const partner = genKey('partner-b');
  const created = await createSecret('digest-revoke', digests({ live: { key: live }, 'partner-b': { key: partner } }));
  // keys revoke partner-b: a new version without it; the old one becomes AWSPREVIOUS.
  await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: digests({ live: { key: live } }) }));
  coldStart({ SECRET_ARN: created.ARN });
  faults.AWSPREVIOUS = 'AccessDeniedException'; // would fail the load if it were read
  await assertDeny(partner, 'no_match');
  await assertAllow(live, 'live');
  assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT']);
});

test('digest format: a legacy AWSCURRENT keeps reading AWSPREVIOUS, but never a digest-format one', async () => {
  const old = genKey('live');
  const created = await createSecret('digest-then-legacy', digests({ live: { key: old } }));
  const plain = newKey();
  await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: JSON.stringify({ live: plain }) }));
  coldStart({ SECRET_ARN: created.ARN });
  await assertAllow(plain, 'live');
  await assertDeny(old, 'no_match');
});

test('digest format: no keys at all (every key revoked) denies everything without failing', async () => {
  const { ARN } = await createSecret('digest-empty', digests({}));
  coldStart({ SECRET_ARN: ARN });
  await assertDeny(genKey('live'), 'no_match');
  await assertDeny(newKey(), 'no_match');
});

test('digest format: a newer version, a bad salt or generation make the whole secret unreadable', async () => {
  const live = genKey('live');
  const good = () => JSON.parse(digests({ live: { key: live }, dev: { key: genKey('dev') } }));
  const cases = [
    ['version 2', (d) => { d.version = 2; }, 'SecretFormatTooNew'],
    ['version 7', (d) => { d.version = 7; }, 'SecretFormatTooNew'],
    ['version "1"', (d) => { d.version = '1'; }, 'SecretMalformed'],
    ['no version', (d) => { delete d.version; }, 'SecretMalformed'],
    ['no salt', (d) => { delete d.salt; }, 'SecretMalformed'],
    ['short salt', (d) => { d.salt = d.salt.slice(2); }, 'SecretMalformed'],
    ['salt upper-case', (d) => { d.salt = d.salt.toUpperCase(); }, 'SecretMalformed'],
    ['keys array', (d) => { d.keys = [d.keys.live]; }, 'SecretMalformed'],
    ['keys null', (d) => { d.keys = null; }, 'SecretMalformed'],
    ['generation "3"', (d) => { d.generation = '3'; }, 'SecretMalformed'],
    ['generation 1.5', (d) => { d.generation = 1.5; }, 'SecretMalformed'],
    ['generation -1', (d) => { d.generation = -1; }, 'SecretMalformed'],
    ['generation null', (d) => { d.generation = null; }, 'SecretMalformed'],
  ];
  for (const [what, change, error] of cases) {
    const doc = good();
    change(doc);
    const { ARN } = await createSecret(`digest-${what.replace(/\W+/g, '-')}`, JSON.stringify(doc));
    coldStart({ SECRET_ARN: ARN });
    await assertError(live, 'secret_unavailable', error);
    assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT'], what);
  }
  // The unchanged document works: the cases above fail only because of their change.
  const { ARN } = await createSecret('digest-good', JSON.stringify(good()));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(live, 'live');
});

test('digest format: 1,000 stored keys, each found by its digest with its own name', async () => {
  const spec = {};
  const keys = [];
  for (let i = 0; i < 1000; i++) {
    const name = `consumer-${i}`;
    const key = generatedKey(name);
    keys.push([name, key]);
    spec[name] = { key };
  }
  const { ARN } = await createSecret('digest-1000', digests(spec));
  coldStart({ SECRET_ARN: ARN });
  for (const i of [0, 1, 499, 998, 999]) await assertAllow(keys[i][1], keys[i][0]);
  await assertDeny(genKey('consumer-5'), 'no_match');
  assert.equal(calls.length, 1);
});

test('digest format: Secrets Manager is read once per cache window, whatever the traffic', async () => {
  const live = genKey('live');
  const { ARN } = await createSecret('digest-cache', digests({ live: { key: live } }));
  coldStart({ SECRET_ARN: ARN });
  for (let i = 0; i < 200; i++) {
    advance(0.25); // 50 s of traffic: hits, malformed keys, values not shaped like a generated key
    if (i % 3 === 0) await assertAllow(live, 'live');
    else if (i % 3 === 1) await assertDeny(corrupt(genKey('live')), 'bad_checksum');
    else await assertDeny(newKey(), 'no_match');
  }
  assert.equal(calls.length, 1);
  advance(10.5); // 60 s after the first read
  await assertAllow(live, 'live');
  assert.equal(calls.length, 2);
});

test('digest format: well-formed unknown keys add at most one read per KEY_MIN_AGE_SECONDS', async () => {
  const live = genKey('live');
  const { ARN } = await createSecret('digest-cache-misses', digests({ live: { key: live } }));
  coldStart({ SECRET_ARN: ARN });
  for (let i = 0; i < 200; i++) {
    advance(0.25); // 50 s of traffic, a third of it unknown well-formed keys
    if (i % 3) await assertAllow(live, 'live'); else await assertDeny(genKey('live'), 'no_match');
  }
  // One load, then a re-read at most every 2 s (25 in 50 s): never one per miss (67 misses).
  assert.ok(calls.length > 1 && calls.length <= 26, `${calls.length} reads`);
});

test('nothing persists across containers: a new execution environment starts with no keys', async () => {
  const live = genKey('live');
  const partner = genKey('partner-c');
  const created = await createSecret('containers', digests({ live: { key: live }, 'partner-c': { key: partner } }));
  coldStart({ SECRET_ARN: created.ARN });
  await assertAllow(partner, 'partner-c'); // container 1 caches both keys
  await admin.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: digests({ live: { key: live } }) }));
  // A configuration change (SECURE_API_FLUSHED_AT) sends new invocations to new
  // environments: a fresh instance of the module, here by a distinct URL.
  const fresh = await import(`../../main/authorizer/index.mjs?container=${process.pid}-${++seq}`);
  fresh._resetForTests({ clock: () => clockMs });
  calls.length = 0;
  assert.deepEqual(await fresh.handler(event(partner)), { isAuthorized: false });
  assert.deepEqual(await fresh.handler(event(live)), { isAuthorized: true, context: { keyName: 'live' } });
  assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT'], 'the new environment read the secret itself');
  // The old environment still answers from its window (what the flush exists for).
  await assertAllow(partner, 'partner-c');
});

// --- a new key works the moment it is shown -----------------------------------

/** Stores a new AWSCURRENT version of the secret. */
const putSecret = (arn, value) => admin.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));

test('fresh keys: a key added after the handler warmed is accepted on its first request', async () => {
  const live = genKey('live');
  const salt = randomBytes(32);
  const { ARN } = await createSecret('fresh', digests({ live: { key: live } }, { salt, generation: 1 }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(live, 'live');
  advance(30); // warm for a while, inside the 60 s key cache
  const partner = genKey('partner-a');
  await putSecret(ARN, digests({ live: { key: live }, 'partner-a': { key: partner } }, { salt, generation: 2 }));
  calls.length = 0;
  await assertAllow(partner, 'partner-a'); // its very first request: no deny to be cached
  assert.deepEqual(calls.map((c) => c.stage), ['AWSCURRENT'], 'one re-read');
  await assertAllow(partner, 'partner-a');
  await assertAllow(live, 'live');
  assert.equal(calls.length, 1, 'the re-read copy serves the rest of the window');
});

test('fresh keys: the copy is re-read only once it is older than KEY_MIN_AGE_SECONDS', async () => {
  const live = genKey('live');
  const salt = randomBytes(32);
  const { ARN } = await createSecret('fresh-age', digests({ live: { key: live } }, { salt }));
  coldStart({ SECRET_ARN: ARN, KEY_MIN_AGE_SECONDS: '5' });
  await assertAllow(live, 'live');
  const partner = genKey('partner-b');
  await putSecret(ARN, digests({ live: { key: live }, 'partner-b': { key: partner } }, { salt }));
  calls.length = 0;
  advance(4.9);
  await assertDeny(partner, 'no_match'); // a copy younger than the minimum age answers on its own
  assert.equal(calls.length, 0);
  advance(0.1);
  await assertAllow(partner, 'partner-b');
  assert.equal(calls.length, 1);

  // KEY_MIN_AGE_SECONDS=0: every well-formed miss reads (concurrent ones still share a read).
  coldStart({ SECRET_ARN: ARN, KEY_MIN_AGE_SECONDS: '0' });
  await assertAllow(live, 'live');
  calls.length = 0;
  await assertDeny(genKey('live'), 'no_match');
  await assertDeny(genKey('live'), 'no_match');
  assert.equal(calls.length, 2);
});

test('fresh keys: malformed keys and values not shaped like a generated key never cause a read', async () => {
  const live = genKey('live');
  const { ARN } = await createSecret('fresh-malformed', digests({ live: { key: live } }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(live, 'live');
  advance(30);
  calls.length = 0;
  for (let i = 0; i < 100; i++) {
    await assertDeny(corrupt(genKey(`n${i}`)), 'bad_checksum');
    await assertDeny(newKey(), 'no_match'); // a legacy-style value
    await assertDeny(`${genKey('live')}x`, 'no_match'); // one character too long
  }
  assert.equal(calls.length, 0, 'zero Secrets Manager calls');
  await assertDeny(genKey('live'), 'no_match');
  assert.equal(calls.length, 1, 'a well-formed one re-reads');
});

test('fresh keys: 100 concurrent misses share one read; more within the minimum age cause none', async () => {
  const live = genKey('live');
  const salt = randomBytes(32);
  const { ARN } = await createSecret('fresh-herd', digests({ live: { key: live } }, { salt }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(live, 'live');
  advance(10);
  const late = genKey('late');
  await putSecret(ARN, digests({ live: { key: live }, late: { key: late } }, { salt }));
  calls.length = 0;
  const burst = (extra) => Promise.all([
    ...Array.from({ length: 100 }, () => handler(event(genKey('live')))),
    ...extra.map((k) => handler(event(k))),
  ]);
  const first = await burst([late, live]);
  assert.equal(first.filter((r) => r.isAuthorized).length, 2, 'the new key and the old one allowed');
  assert.equal(calls.length, 1, '100 concurrent misses, one read');
  advance(1.9);
  await burst([]);
  assert.equal(calls.length, 1, 'none within the minimum age of the last read');
  advance(0.1);
  await burst([]);
  assert.equal(calls.length, 2, 'then one again');
});

for (const fault of ['ThrottlingException', 'AccessDeniedException', 'hangup']) {
  test(`fresh keys: a failed re-read (${fault}) keeps every known key and throws only for the miss`, async () => {
    const live = genKey('live');
    const dev = genKey('dev');
    const salt = randomBytes(32);
    const { ARN } = await createSecret(`fresh-fail-${fault}`, digests({ live: { key: live }, dev: { key: dev } }, { salt }));
    coldStart({ SECRET_ARN: ARN });
    await assertAllow(live, 'live');
    advance(10);
    faults.AWSCURRENT = fault;
    const unknown = genKey('live');
    const { error } = await assertError(unknown, 'secret_unavailable');
    assert.ok([fault, 'AbortError', 'TimeoutError', 'Error'].includes(error) || /ECONNRESET|socket/i.test(error), error);
    const seen = calls.length;
    await assertAllow(live, 'live'); // hits keep working from the complete key set
    await assertAllow(dev, 'dev');
    await assertDeny(corrupt(unknown), 'bad_checksum');
    // Another miss within the minimum age: no read, and no deny either (the copy is not known current).
    await assertError(genKey('live'), 'secret_unavailable', 'KeysStale');
    assert.equal(calls.length, seen, 'no read within the minimum age');
    advance(2);
    delete faults.AWSCURRENT;
    const added = genKey('added');
    await putSecret(ARN, digests({ live: { key: live }, dev: { key: dev }, added: { key: added } }, { salt }));
    await assertAllow(added, 'added');
    await assertDeny(unknown, 'no_match');
  });
}

test('fresh keys: a cold container whose first read fails still keeps nothing and throws', async () => {
  const live = genKey('live');
  const { ARN } = await createSecret('fresh-cold-fail', digests({ live: { key: live } }));
  coldStart({ SECRET_ARN: ARN });
  faults.AWSCURRENT = 'AccessDeniedException';
  await assertError(live);
  await assertError(genKey('live'));
  delete faults.AWSCURRENT;
  await assertAllow(live, 'live');
});

// --- generation -----------------------------------------------------------------

test('generation: a lagging read never replaces a newer copy, and a miss it answers throws', async () => {
  const live = genKey('live');
  const partner = genKey('partner-c');
  const salt = randomBytes(32);
  const { ARN } = await createSecret('gen-lag', digests({ live: { key: live }, 'partner-c': { key: partner } }, { salt, generation: 5 }));
  coldStart({ SECRET_ARN: ARN });
  await assertAllow(partner, 'partner-c');
  // An older version (generation 4, before partner-c) comes back from a lagging read.
  faults.AWSCURRENT = { secretString: digests({ live: { key: live } }, { salt, generation: 4 }) };
  advance(61); // the cache window is over: a refresh, answered by the older version
  await assertAllow(partner, 'partner-c');
  assert.equal(calls.length, 2);
  advance(5);
  await assertError(genKey('live'), 'secret_unavailable', 'KeysStale'); // re-read, still older: not a deny
  assert.equal(calls.length, 3);
  await assertAllow(partner, 'partner-c');
});

test('generation: below KEY_MIN_GENERATION the function re-reads for 2 s, then throws (never a deny)', async () => {
  const live = genKey('live');
  const salt = randomBytes(32);
  const { ARN } = await createSecret('gen-behind', digests({ live: { key: live } }, { salt, generation: 3 }));
  coldStart({ SECRET_ARN: ARN, KEY_MIN_GENERATION: '4' }, Date.now); // real time: the budget is real
  const started = Date.now();
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => handler(event(live))));
  const took = Date.now() - started;
  assert.ok(results.every((r) => r.status === 'rejected' && r.reason.name === 'KeysUnavailable'));
  const errors = decisions().slice(-20);
  assert.ok(errors.every((d) => d.decision === 'error' && d.error === 'GenerationBehind'), JSON.stringify(errors[0]));
  assert.ok(took >= 1900 && took < 4000, `gave up after ${took} ms`);
  assert.ok(calls.length >= 2 && calls.length <= 10, `${calls.length} reads for 20 concurrent requests`);
  // A write that reaches generation 4 is picked up by the next request.
  await putSecret(ARN, digests({ live: { key: live } }, { salt, generation: 4 }));
  await assertAllow(live, 'live');
});

test('generation: the re-read that reaches KEY_MIN_GENERATION answers; absent generation is 0', async () => {
  const live = genKey('live');
  const salt = randomBytes(32);
  const { ARN } = await createSecret('gen-catch-up', digests({ live: { key: live } }, { salt, generation: 6 }));
  coldStart({ SECRET_ARN: ARN, KEY_MIN_GENERATION: '7' }, Date.now);
  const pending = handler(event(live));
  await new Promise((r) => setTimeout(r, 300));
  await putSecret(ARN, digests({ live: { key: live } }, { salt, generation: 7 }));
  assert.deepEqual(await pending, { isAuthorized: true, context: { keyName: 'live' } });
  coldStart({ SECRET_ARN: ARN, KEY_MIN_GENERATION: '0' });
  await assertAllow(live, 'live');
  const old = await createSecret('gen-absent', digests({ live: { key: live } }));
  coldStart({ SECRET_ARN: old.ARN, KEY_MIN_GENERATION: '' }); // unset: no minimum
  await assertAllow(live, 'live');
  coldStart({ SECRET_ARN: old.ARN, KEY_MIN_GENERATION: '1' }, Date.now);
  await assertError(live, 'secret_unavailable', 'GenerationBehind');
});

// --- one unreadable entry -----------------------------------------------------------

test('entries: one whose name or digest cannot be read is left out and logged; the others work', async () => {
  const live = genKey('live');
  const dev = genKey('dev');
  const cases = [
    ['digest upper-case', (d) => { d.keys.dev.digest = d.keys.dev.digest.toUpperCase(); }, { keyName: 'dev' }],
    ['digest missing', (d) => { delete d.keys.dev.digest; }, { keyName: 'dev' }],
    ['digest a number', (d) => { d.keys.dev.digest = 42; }, { keyName: 'dev' }],
    ['entry a string', (d) => { d.keys.dev = dev; }, { keyName: 'dev' }],
    ['entry null', (d) => { d.keys.dev = null; }, { keyName: 'dev' }],
    ['bad name', (d) => { d.keys[dev] = d.keys.dev; delete d.keys.dev; }, {}],
    ['retiring malformed', (d) => { d.keys.dev.retiring = { digest: 'zz' }; }, { keyName: 'dev', retiring: true }],
  ];
  for (const [what, change, logged] of cases) {
    const doc = JSON.parse(digests({ live: { key: live }, dev: { key: dev } }));
    change(doc);
    const { ARN } = await createSecret(`entry-${what.replace(/\W+/g, '-')}`, JSON.stringify(doc));
    coldStart({ SECRET_ARN: ARN });
    const n = logLines.length;
    await assertAllow(live, 'live');
    if (what === 'retiring malformed') await assertAllow(dev, 'dev');
    else await assertDeny(dev, 'no_match');
    const warnings = logLines.slice(n).map((l) => JSON.parse(l)).filter((d) => d.warning);
    assert.deepEqual(warnings, [{ warning: 'entry_unreadable', ...logged }], what);
  }
});

test('entries: a request matching an entry with an unreadable expires throws; the others work', async () => {
  const live = genKey('live');
  const dev = genKey('dev');
  const old = genKey('dev');
  for (const expires of ['next week', 1893456000, '2027-03-31T23:59:59', '2027-02-30T00:00:00Z', '2027-01-01T24:00:00Z',
    '2027-12-31T23:59:60Z', '2027-13-01T00:00:00Z', '+02027-01-01T00:00:00Z', '2027-01-01T00:00:00+00:00', '']) {
    const doc = JSON.parse(digests({ live: { key: live }, dev: { key: dev, retiring: { key: old } } }));
    doc.keys.dev.retiring.expires = expires;
    const { ARN } = await createSecret('entry-expires', JSON.stringify(doc));
    coldStart({ SECRET_ARN: ARN });
    const log = await assertError(old, 'entry_unreadable', 'EntryUnreadable');
    assert.equal(log.keyName, 'dev', String(expires));
    await assertAllow(live, 'live');
    await assertAllow(dev, 'dev');
    assert.equal(calls.length, 1, 'an unreadable entry is no reason to read again');
  }
});

test('entries: expiry dates at the edges, up to 9999-12-31T23:59:59Z', async () => {
  const keys = { never: genKey('never'), end: genKey('end'), leap: genKey('leap'), epoch: genKey('epoch'), zero: genKey('zero'),
    frac: genKey('frac') };
  const { ARN } = await createSecret('entry-edges', digests({
    never: { key: keys.never },
    end: { key: keys.end, expires: '9999-12-31T23:59:59Z' },
    leap: { key: keys.leap, expires: '2028-02-29T12:00:00Z' },
    epoch: { key: keys.epoch, expires: '1970-01-01T00:00:00Z' },
    zero: { key: keys.zero, expires: '0000-01-01T00:00:00Z' },
    frac: { key: keys.frac, expires: '2028-02-29T12:00:00.5Z' },
  }));
  const at = (iso) => () => Date.parse(iso);
  coldStart({ SECRET_ARN: ARN }, at('2028-02-29T11:59:59Z'));
  for (const name of ['never', 'end', 'leap', 'frac']) await assertAllow(keys[name], name);
  for (const name of ['epoch', 'zero']) await assertDeny(keys[name], 'expired');
  coldStart({ SECRET_ARN: ARN }, at('2028-02-29T12:00:00Z'));
  await assertDeny(keys.leap, 'expired');
  await assertAllow(keys.frac, 'frac');
  coldStart({ SECRET_ARN: ARN }, at('9999-12-31T23:59:58Z'));
  await assertAllow(keys.end, 'end');
  coldStart({ SECRET_ARN: ARN }, at('9999-12-31T23:59:59Z'));
  await assertDeny(keys.end, 'expired');
  await assertAllow(keys.never, 'never');
});

test('log lines: one JSON object each, known fields only, no key material anywhere', () => {
  assert.ok(logLines.length > 100, `captured ${logLines.length} lines`);
  const allowed = new Set(['decision', 'reason', 'keyName', 'stage', 'retiring', 'routeArn', 'routeKey', 'requestId',
    'sourceIp', 'error', 'warning']);
  for (const line of logLines) {
    const doc = JSON.parse(line);
    for (const field of Object.keys(doc)) assert.ok(allowed.has(field), `unexpected log field ${field}`);
  }
  const all = logLines.join('\n');
  assert.ok(storedDigests.size > 1000);
  for (const digest of storedDigests) assert.ok(!all.includes(digest), 'a stored digest found in a log line');
  for (const doc of decisions()) assert.ok(['allow', 'deny', 'error'].includes(doc.decision));
  for (const line of logLines.filter((l) => l.includes('"warning"'))) assert.equal(JSON.parse(line).warning, 'entry_unreadable');
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
