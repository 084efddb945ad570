// Driver for scripts/bench-authorizer: times the real handler against the
// local AWS emulator and counts Secrets Manager calls on the wire (a small
// proxy between the handler's SDK client and the emulator).
//
//   node scripts/bench-authorizer.mjs [--calls 20000]

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const { values: opts } = parseArgs({ options: { calls: { type: 'string', default: '20000' } } });
const CALLS = Number(opts.calls);

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

function startEmulator() {
  const child = spawn('python3', ['scripts/local_aws.py', '--watch-stdin'], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.stdin.end();
    const t = setTimeout(() => child.kill('SIGTERM'), 5000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ url: out.trim(), stop });
    });
    child.once('exit', (code) => reject(new Error(`local_aws.py exited ${code} before ready`)));
  });
}

function startCountingProxy(target, calls) {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
        calls.push(JSON.parse(body.toString('utf8')).VersionStage ?? 'AWSCURRENT');
      }
      const fwd = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res); });
      fwd.on('error', () => { res.writeHead(502); res.end(); });
      fwd.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

const event = (value) => ({
  version: '2.0',
  type: 'REQUEST',
  routeArn: 'arn:aws:execute-api:us-east-1:123456789012:bench/$default/GET/items',
  identitySource: [value],
  routeKey: '$default',
  rawPath: '/items',
  headers: { authorization: value, host: 'bench.execute-api.us-east-1.amazonaws.com' },
  requestContext: { requestId: 'bench', http: { method: 'GET', path: '/items', sourceIp: '192.0.2.1' } },
});

async function timeCalls(handler, ev, n, expect) {
  const ns = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = await handler(ev);
    ns[i] = Number(process.hrtime.bigint() - t0);
    if (r.isAuthorized !== expect) throw new Error(`unexpected decision at call ${i}`);
  }
  ns.sort();
  const q = (p) => ns[Math.min(n - 1, Math.floor(p * n))] / 1000;
  return `median ${q(0.5).toFixed(1)} µs, p99 ${q(0.99).toFixed(1)} µs`;
}

const emulator = await startEmulator();
const calls = [];
const proxy = await startCountingProxy(emulator.url, calls);
const realLog = console.log;
try {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: proxy.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
  });
  delete process.env.KEY_CACHE_SECONDS;
  const { SecretsManagerClient, CreateSecretCommand, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const admin = new SecretsManagerClient({ endpoint: emulator.url });
  const key = () => `sak_${randomBytes(32).toString('base64url')}`;
  const [live, dev, next] = [key(), key(), key()];
  // Mid-rotation: AWSCURRENT {live: next, dev} + AWSPREVIOUS {live, dev} = 4 candidates, the most compared.
  const { ARN } = await admin.send(new CreateSecretCommand({ Name: `bench/${process.pid}`, SecretString: JSON.stringify({ live, dev }) }));
  await admin.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: JSON.stringify({ live: next, dev }) }));
  admin.destroy();
  process.env.SECRET_ARN = ARN;

  const { handler, _resetForTests } = await import('../src/main/authorizer/index.mjs');
  let logged = 0;
  console.log = () => { logged++; }; // log I/O excluded from the timings; JSON.stringify is included

  _resetForTests();
  await handler(event(next)); // cold load
  for (let i = 0; i < 2000; i++) await handler(event(i % 2 ? next : 'nope')); // JIT warm-up
  const valid = await timeCalls(handler, event(`Bearer ${next}`), CALLS, true);
  const previous = await timeCalls(handler, event(live), CALLS, true);
  const wrong = await timeCalls(handler, event(key()), CALLS, false);

  // Secrets Manager calls per 10,000 requests, default 60 s cache, real clock (a burst).
  _resetForTests();
  calls.length = 0;
  for (let i = 0; i < 10000; i++) await handler(event(i % 10 ? next : 'nope'));
  const burst = calls.length;
  const burstDetail = calls.join('+');

  // The same 10,000 requests spread over 10 minutes (~17 rps), via the clock hook.
  let clock = Date.now();
  _resetForTests({ clock: () => clock });
  calls.length = 0;
  for (let i = 0; i < 10000; i++) {
    clock += 60;
    await handler(event(next));
  }
  const spread = calls.length;
  const byStage = (stage) => calls.filter((c) => c === stage).length;
  const spreadDetail = `${byStage('AWSCURRENT')} AWSCURRENT + ${byStage('AWSPREVIOUS')} AWSPREVIOUS`;

  console.log = realLog;
  console.log(`warm handler, ${CALLS} calls each, 4 candidate keys (mid-rotation):`);
  console.log(`  valid key (Bearer, AWSCURRENT): ${valid}`);
  console.log(`  valid key (raw, AWSPREVIOUS):   ${previous}`);
  console.log(`  wrong key:                      ${wrong}`);
  console.log(`Secrets Manager GetSecretValue per 10,000 requests (KEY_CACHE_SECONDS=60):`);
  console.log(`  burst (one cold container):     ${burst} (${burstDetail})`);
  console.log(`  spread over 10 min (clock hook): ${spread} (${spreadDetail})`);
  console.log(`decision log lines written: ${logged}`);
} finally {
  console.log = realLog;
  await proxy.close();
  await emulator.stop();
}
