// The policies secure-api writes at runtime, filled in the way the code fills them, simulated:
// the bundled role's own policy, the secret's resource policy and the Lambda invoke permission.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, PARTITIONS, defaultKeyPolicy, evaluate, recorded, root, samples } from './calls.mjs';

/** Policies.template: ${name} replaced, none left over. */
function template(text, vars) {
  const filled = text.replace(/\$\{(\w+)\}/g, (m, name) => {
    if (!(name in vars)) throw new Error(`template variable ${m} is not filled here: add it to the test's variables`);
    return vars[name];
  });
  return JSON.parse(filled);
}
const read = (file) => readFileSync(file, 'utf8');
const policyFile = (name) => read(join(root, 'policies', name));

// The KMS decrypt statement of the bundled role: the shipped template once it exists, else this
// test's fixture of the same shape.
const shipped = readdirSync(join(root, 'policies')).find((f) => /^bundled-role-kms.*\.json$/.test(f));
const kmsStatementText = shipped ? policyFile(shipped) : read(join(import.meta.dirname, 'fixtures', 'bundled-role-kms.json'));

/** What setup writes for one API in one partition, built from the templates as the Java code fills them. */
function chain(p, account = ACCOUNT) {
  const { partition, region } = p;
  const apiId = samples.apiId;
  const functionName = `secure-api-authorizer-${apiId}`; // Names.managedFunctionName
  const roleArn = `arn:${partition}:iam::${account}:role/secure-api-authorizer-${apiId}`; // Arns.role
  const secretArn = `arn:${partition}:secretsmanager:${region}:${account}:secret:secure-api/${apiId}/api-key-AbCdEf`;
  const functionArn = `arn:${partition}:lambda:${region}:${account}:function:${functionName}`;
  const keyArn = `arn:${partition}:kms:${region}:${account}:key/${samples.keyId}`;
  const vars = { partition, region, account, functionName, roleArn, secretArn, keyArn, keyId: samples.keyId, apiId };
  // ExecutionRolePiece.logsPolicy
  const rolePolicy = template(policyFile('authorizer-logs.json'), vars);
  // SecretPolicyPiece: the empty document with our statement merged in
  const secretPolicy = template(policyFile('secret-policy-empty.json'), vars);
  secretPolicy.Statement.push(template(policyFile('secret-read-statement.json'), vars));
  const functionPolicy = invokePolicy(functionArn, sourceArn(p, account, apiId, samples.authorizerId), apiId);
  const kmsStatement = template(kmsStatementText, vars);
  return { ...vars, functionArn, rolePolicy, secretPolicy, functionPolicy, kmsStatement };
}

// Arns.authorizerSourceArn
const sourceArn = (p, account, apiId, authorizerId) => `arn:${p.partition}:execute-api:${p.region}:${account}:${apiId}/authorizers/${authorizerId}`;

/**
 * The statement Lambda adds for AddPermission(principal apigateway.amazonaws.com, SourceArn):
 * https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
 */
function invokePolicy(functionArn, source, apiId) {
  return {
    Version: '2012-10-17',
    Id: 'default',
    Statement: [
      {
        Sid: `secure-api-invoke-${apiId}`,
        Effect: 'Allow',
        Principal: { Service: 'apigateway.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: functionArn,
        Condition: { ArnLike: { 'AWS:SourceArn': source } },
      },
    ],
  };
}

const req = (action, resource, context = {}) => ({ action, resource, context });

async function secretChecks(c, p, account) {
  const readKey = req('secretsmanager:GetSecretValue', c.secretArn);
  const identity = c.rolePolicy ? [c.rolePolicy] : [];
  assert.equal(await evaluate(readKey, identity, { principal: c.roleArn, resourcePolicy: c.secretPolicy, account }), 'Allowed', 'the authorizer role reads the key');
  const other = `arn:${p.partition}:iam::${account}:role/some-other-role`;
  assert.notEqual(await evaluate(readKey, [], { principal: other, resourcePolicy: c.secretPolicy, account }), 'Allowed', 'another role of the account');
  const foreign = `arn:${p.partition}:iam::444455556666:role/secure-api-authorizer-${samples.apiId}`;
  assert.notEqual(await evaluate(readKey, [], { principal: foreign, resourcePolicy: c.secretPolicy, account }), 'Allowed', 'a same-named role of another account');
  for (const action of ['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteSecret']) {
    assert.notEqual(await evaluate(req(action, c.secretArn), identity, { principal: c.roleArn, resourcePolicy: c.secretPolicy, account }), 'Allowed', action);
  }
  const anotherSecret = c.secretArn.replace(/secret:.*$/, 'secret:prod/db-password-XyZ123');
  assert.notEqual(await evaluate(req('secretsmanager:GetSecretValue', anotherSecret), identity, { principal: c.roleArn, account }), 'Allowed', 'another secret');
}

async function invokeChecks(c, p, account, apiId, authorizerId) {
  const invoke = (source) => evaluate(req('lambda:InvokeFunction', c.functionArn, source ? { 'aws:SourceArn': source } : {}), [], {
    principal: 'apigateway.amazonaws.com',
    resourcePolicy: c.functionPolicy,
    account,
  });
  assert.equal(await invoke(sourceArn(p, account, apiId, authorizerId)), 'Allowed', 'our authorizer invokes the function');
  assert.notEqual(await invoke(sourceArn(p, account, apiId, 'zzz999')), 'Allowed', "another authorizer of the same API");
  assert.notEqual(await invoke(sourceArn(p, account, 'x9y8z7w6v5', authorizerId)), 'Allowed', "another API's authorizer with the same id");
  assert.notEqual(await invoke(sourceArn(p, '444455556666', apiId, authorizerId)), 'Allowed', 'the same ids in another account');
  assert.notEqual(await invoke(`arn:${p.partition}:execute-api:${p.region}:${account}:${apiId}/*/GET/items`), 'Allowed', "a route of our API, not the authorizer");
  assert.notEqual(await invoke(null), 'Allowed', 'no source at all');
}

for (const p of PARTITIONS) {
  test(`${p.partition}: only the bundled role reads the key, through the secret's resource policy`, async () => {
    await secretChecks(chain(p), p, ACCOUNT);
  });

  test(`${p.partition}: the bundled role writes only its own logs`, async () => {
    const c = chain(p);
    const group = `arn:${p.partition}:logs:${p.region}:${ACCOUNT}:log-group:/aws/lambda/${c.functionName}`;
    const stream = `${group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
    const as = (r) => evaluate(r, [c.rolePolicy], { principal: c.roleArn });
    assert.equal(await as(req('logs:CreateLogGroup', group)), 'Allowed');
    assert.equal(await as(req('logs:CreateLogStream', stream)), 'Allowed');
    assert.equal(await as(req('logs:PutLogEvents', stream)), 'Allowed');
    const otherStream = stream.replace(c.functionName, 'orders-api');
    assert.notEqual(await as(req('logs:PutLogEvents', otherStream)), 'Allowed', "another function's logs");
    assert.notEqual(await as(req('logs:DeleteLogGroup', group)), 'Allowed', 'deleting its own logs');
    assert.notEqual(await as(req('logs:GetLogEvents', stream)), 'Allowed', 'reading logs');
  });

  test(`${p.partition}: API Gateway invokes the function only with our authorizer's aws:SourceArn`, async () => {
    await invokeChecks(chain(p), p, ACCOUNT, samples.apiId, samples.authorizerId);
  });

  test(`${p.partition}: the KMS statement lets the bundled role decrypt only this secret, only through Secrets Manager${shipped ? '' : ' (test fixture: no policies/bundled-role-kms*.json yet)'}`, async () => {
    const c = chain(p);
    const identity = [c.rolePolicy, { Version: '2012-10-17', Statement: [c.kmsStatement] }];
    const keyPolicy = defaultKeyPolicy(p.partition);
    const decrypt = (ctx, principal = c.roleArn, policies = identity) =>
      evaluate(req('kms:Decrypt', c.keyArn, ctx), policies, { principal, resourcePolicy: keyPolicy });
    const via = `secretsmanager.${p.region}.amazonaws.com`;
    assert.equal(await decrypt({ 'kms:ViaService': via, 'kms:EncryptionContext:SecretARN': c.secretArn }), 'Allowed');
    const otherSecret = c.secretArn.replace(`secure-api/${samples.apiId}/`, 'prod/');
    assert.notEqual(await decrypt({ 'kms:ViaService': via, 'kms:EncryptionContext:SecretARN': otherSecret }), 'Allowed', 'another secret under the same key');
    assert.notEqual(await decrypt({ 'kms:EncryptionContext:SecretARN': c.secretArn }), 'Allowed', 'directly, not through Secrets Manager');
    assert.notEqual(await decrypt({ 'kms:ViaService': `s3.${p.region}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': c.secretArn }), 'Allowed', 'through another service');
    const other = `arn:${p.partition}:iam::${ACCOUNT}:role/some-other-role`;
    assert.notEqual(await decrypt({ 'kms:ViaService': via, 'kms:EncryptionContext:SecretARN': c.secretArn }, other, []), 'Allowed', 'another role');
  });
}

// The same checks on the policies the tool really wrote in OperatorPolicyIT's runs (read back from the emulator).
const rec = recorded();
test('the policies written in the recorded runs pass the same checks', { skip: rec?.written ? false : 'no recorded runs (OperatorPolicyIT writes them)' }, async () => {
  const aws = PARTITIONS[0];
  for (const [path, w] of Object.entries(rec.written)) {
    const account = w.functionArn.split(':')[4];
    const p = { ...aws, region: w.functionArn.split(':')[3] };
    const c = {
      roleArn: w.roleArn,
      secretArn: w.secretArn,
      functionArn: w.functionArn,
      secretPolicy: JSON.parse(w.secretPolicy),
      functionPolicy: JSON.parse(w.functionPolicy),
      rolePolicy: w.rolePolicy ? JSON.parse(w.rolePolicy) : null,
    };
    await secretChecks(c, p, account);
    await invokeChecks(c, p, account, w.apiId, w.authorizerId);
    assert.ok(path === 'userFunction' || c.rolePolicy, `${path}: the bundled role's policy was recorded`);
  }
});

test('the shipped templates are what the runtime chain above fills', () => {
  for (const f of ['authorizer-logs.json', 'secret-read-statement.json', 'secret-policy-empty.json']) assert.ok(existsSync(join(root, 'policies', f)), f);
});
