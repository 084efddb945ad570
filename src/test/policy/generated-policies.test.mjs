// The policies `secure-api iam-policy` prints, evaluated like the policy files: IamPolicyCommandTest
// writes them for the sample API and function (declared-calls.json "samples") in one region of each
// partition to <build dir>/generated-policies/ ($GENERATED_POLICIES points elsewhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARTITIONS, allCalls, declared, describe, evaluate, requests, root, samples } from './calls.mjs';

const folder = process.env.GENERATED_POLICIES || join(root, 'target', 'generated-policies');
const manifest = existsSync(join(folder, 'manifest.json')) ? JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) : null;
const skip = manifest ? false : `no generated policies in ${folder} (IamPolicyCommandTest writes them): skipped`;
const calls = allCalls().filter((c) => c.origin === 'declared');
// the commands each --for serves, as the policy files do
const commandsFor = { setup: declared.policies['operator-setup.json'], keys: ['keys'], verify: ['verify'], scan: ['scan'] };
const OTHER_API = 'zz9otherapi';
// What the templates leave unscoped on purpose, so a scoped policy allows it on another API too:
// AWS grants these only on "*" or names no API in them (a query id; the KMS key and the role of
// your function are not known from an API id). iam-policies.md says so.
const UNSCOPED = {
  all: ['logs:GetQueryResults', 'logs:StopQuery', 'logs:DescribeLogGroups', 'kms:DescribeKey', 'kms:GetKeyPolicy', 'sts:GetCallerIdentity'],
  verify: ['iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:GetPolicy', 'iam:GetPolicyVersion'],
};

for (const g of manifest?.policies ?? [{ file: 'none', for: 'none' }]) {
  test(`iam-policy --for ${g.for} (${g.file}): every call of its commands on the named API is allowed, the same on another API denied`, { skip }, async () => {
    const doc = JSON.parse(readFileSync(join(folder, g.file), 'utf8'));
    const p = { ...PARTITIONS.find((x) => x.region === g.region) };
    // scan's policy is scoped to its one region
    if (g.for === 'scan') p.otherRegion = p.region;
    const denied = [];
    const leaked = [];
    for (const call of calls.filter((c) => commandsFor[g.for].includes(c.command))) {
      for (const req of requests(call, p)) {
        // another API's authorizer function (setup --secret-name) is outside any API's scope
        if (req.resource.includes(':function:payments-')) continue;
        const yours = req.resource.includes(`:function:${samples.userFunction}`) || JSON.stringify(req.context).includes(`function:${samples.userFunction}`);
        if (yours && !g.function) continue;
        if ((await evaluate(req, [doc])) !== 'Allowed') denied.push(`${req.action} on ${req.resource} — ${describe(call)}`);
        const unscoped = [...UNSCOPED.all, ...(UNSCOPED[g.for] ?? [])].includes(req.action);
        if (g.apiId && req.resource.includes(g.apiId) && !unscoped) {
          const other = JSON.parse(JSON.stringify(req).replaceAll(g.apiId, OTHER_API));
          if ((await evaluate(other, [doc])) === 'Allowed') leaked.push(`${other.action} on ${other.resource}`);
        }
      }
    }
    assert.deepEqual(denied, [], 'calls the scoped policy must allow');
    assert.deepEqual(leaked, [], 'the scoped policy allows the same call on another API');
  });
}
