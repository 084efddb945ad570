// The policies secure-api writes at runtime, filled in the way the code fills them, simulated:
// the bundled role's own policy, the secret's resource policy and the Lambda invoke permission.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
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

// The KMS statements: the bundled role's decrypt policy and the key policy statement the key's
// owner adds; the shipped templates once they exist, else this test's fixtures of the same shape.
const shippedOr = (name) => {
  const shipped = existsSync(join(root, 'policies', name));
  return { shipped, text: shipped ? policyFile(name) : read(join(import.meta.dirname, 'fixtures', name)) };
};
const roleKms = shippedOr('bundled-role-kms.json');
const keyKms = shippedOr('key-policy-decrypt-statement.json');
const fixtureNote = (t) => (t.shipped ? '' : ' (test fixture: the template is not in policies/ yet)');
const asDocument = (x) => (x.Statement ? x : { Version: '2012-10-17', Statement: [x] });

/** What setup writes for one API in one partition, built from the templates as the Java code fills them. */
function chain(p, account = ACCOUNT) {
  const { partition, region } = p;
  const apiId = samples.apiId;
  const functionName = `secure-api-authorizer-${apiId}`; // Names.managedFunctionName
  const roleArn = `arn:${partition}:iam::${account}:role/secure-api-authorizer-${apiId}`; // Arns.role
  const secretArn = `arn:${partition}:secretsmanager:${region}:${account}:secret:secure-api/${apiId}/api-key-AbCdEf`;
  const functionArn = `arn:${partition}:lambda:${region}:${account}:function:${functionName}`;
  const keyArn = `arn:${partition}:kms:${region}:${account}:key/${samples.keyId}`;
  // Arns.dnsSuffix: China's endpoints end in .amazonaws.com.cn
  const dnsSuffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const vars = { partition, region, account, functionName, roleArn, secretArn, keyArn, keyId: samples.keyId, apiId, dnsSuffix };
  // ExecutionRolePiece.logsPolicy
  const rolePolicy = template(policyFile('authorizer-logs.json'), vars);
  // SecretPolicyPiece: the empty document with our statement merged in
  const secretPolicy = template(policyFile('secret-policy-empty.json'), vars);
  secretPolicy.Statement.push(template(policyFile('secret-read-statement.json'), vars));
  const functionPolicy = invokePolicy(functionArn, sourceArn(p, account, apiId, samples.authorizerId), apiId);
  const kmsPolicy = asDocument(template(roleKms.text, vars));
  const keyPolicyStatement = template(keyKms.text, vars);
  return { ...vars, functionArn, rolePolicy, secretPolicy, functionPolicy, kmsPolicy, keyPolicyStatement };
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

  /** Decrypt checks: allowed only for this secret, only through Secrets Manager, only for the bundled role. */
  async function decryptChecks(c, identityFor, keyPolicy) {
    const decrypt = (ctx, principal = c.roleArn) =>
      evaluate(req('kms:Decrypt', c.keyArn, ctx), identityFor(principal), { principal, resourcePolicy: keyPolicy });
    const via = `secretsmanager.${p.region}.${c.dnsSuffix}`;
    assert.equal(await decrypt({ 'kms:ViaService': via, 'kms:EncryptionContext:SecretARN': c.secretArn }), 'Allowed');
    const otherSecret = c.secretArn.replace(`secure-api/${samples.apiId}/`, 'prod/');
    assert.notEqual(await decrypt({ 'kms:ViaService': via, 'kms:EncryptionContext:SecretARN': otherSecret }), 'Allowed', 'another secret under the same key');
    assert.notEqual(await decrypt({ 'kms:EncryptionContext:SecretARN': c.secretArn }), 'Allowed', 'directly, not through Secrets Manager');
    assert.notEqual(await decrypt({ 'kms:ViaService': `s3.${p.region}.${c.dnsSuffix}`, 'kms:EncryptionContext:SecretARN': c.secretArn }), 'Allowed', 'through another service');
    const other = `arn:${p.partition}:iam::${ACCOUNT}:role/some-other-role`;
    assert.notEqual(await decrypt({ 'kms:ViaService': via, 'kms:EncryptionContext:SecretARN': c.secretArn }, other), 'Allowed', 'another role');
  }

  test(`${p.partition}: the bundled role's KMS policy decrypts only this secret, only through Secrets Manager${fixtureNote(roleKms)}`, async () => {
    const c = chain(p);
    // The key policy has AWS's default statement: IAM policies of the account may grant the key.
    await decryptChecks(c, (principal) => (principal === c.roleArn ? [c.rolePolicy, c.kmsPolicy] : []), defaultKeyPolicy(p.partition));
  });

  test(`${p.partition}: the key policy statement for the key's owner grants the same, and only that${fixtureNote(keyKms)}`, async () => {
    const c = chain(p);
    // A key whose policy does not enable IAM policies: only the added statement can grant.
    await decryptChecks(c, () => [], { Version: '2012-10-17', Statement: [c.keyPolicyStatement] });
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
