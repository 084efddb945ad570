// Route scopes in the bundled authorizer: the grammar, matching, stage stripping on the
// execute-api host only, and the paths a scoped key is refused on. Pure functions: no emulator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoutes, requestTarget, inScope } from '../../main/authorizer/index.mjs';

const ev = (method, rawPath, { stage = '$default', domainName = 'abc123.execute-api.eu-west-1.amazonaws.com', path } = {}) => ({
  rawPath,
  requestContext: { stage, domainName, http: { method, path: path ?? rawPath } },
});
const allows = (routes, e) => {
  const t = requestTarget(e);
  return !!t && !t.unsafe && inScope(compileRoutes(routes), t);
};

test('patterns: method or ANY, exact path, * as the last segment; anything else is unreadable', () => {
  assert.deepEqual(compileRoutes(['GET /orders/*', 'ANY /']), [
    { method: 'GET', path: '/orders/', wild: true },
    { method: 'ANY', path: '/', wild: false },
  ]);
  for (const bad of [[], 'GET /a', ['get /a'], ['GET a'], ['GET /a/*/b'], ['GET /a*'], ['GET /a/'], ['GET //a'], ['GET '],
    ['GET /a/../b'], ['GET /./a'], ['GET /a%2fb'], ['FETCH /a'], ['GET  /a'], [7]]) {
    assert.equal(compileRoutes(bad), false, JSON.stringify(bad));
  }
});

test('matching: the request method and path, * is one or more segments', () => {
  const r = ['GET /orders/*', 'POST /orders'];
  assert.ok(allows(r, ev('GET', '/orders/1')));
  assert.ok(allows(r, ev('GET', '/orders/1/lines')));
  assert.ok(allows(r, ev('POST', '/orders')));
  assert.ok(!allows(r, ev('GET', '/orders')));
  assert.ok(!allows(r, ev('GET', '/orders/')));
  assert.ok(!allows(r, ev('DELETE', '/orders/1')));
  assert.ok(!allows(r, ev('POST', '/orders/1')));
  assert.ok(!allows(r, ev('GET', '/ordersx/1')));
  assert.ok(allows(['ANY /orders/*'], ev('delete', '/orders/1')));
  assert.ok(allows(['ANY /'], ev('GET', '/')) && !allows(['ANY /'], ev('GET', '/a')));
});

test('a named stage is stripped on the execute-api host only', () => {
  assert.ok(allows(['GET /orders/*'], ev('GET', '/prod/orders/1', { stage: 'prod' })));
  assert.ok(allows(['GET /'], ev('GET', '/prod', { stage: 'prod' })));
  assert.ok(allows(['GET /orders/*'], ev('GET', '/prod/orders/1', { stage: 'prod', domainName: 'abc.execute-api.cn-north-1.amazonaws.com.cn' })));
  // a custom domain's API mapping: no stage in the path
  assert.ok(!allows(['GET /orders/*'], ev('GET', '/prod/orders/1', { stage: 'prod', domainName: 'api.example.com' })));
  assert.ok(allows(['GET /prod/orders/*'], ev('GET', '/prod/orders/1', { stage: 'prod', domainName: 'api.example.com' })));
  // $default: never stripped, even when the first segment has its name
  assert.ok(allows(['GET /default/x'], ev('GET', '/default/x', { stage: '$default' })));
  assert.ok(!allows(['GET /x'], ev('GET', '/$default/x', { stage: '$default' })));
  // a look-alike host is not the execute-api host
  assert.ok(!allows(['GET /x'], ev('GET', '/prod/x', { stage: 'prod', domainName: 'abc.execute-api.eu-west-1.amazonaws.com.evil.example' })));
});

test('dot-segments, //, encoded / . \\ (any case) are refused', () => {
  for (const p of ['/orders/../admin', '/orders/./1', '/orders/1/..', '/orders//1', '/orders/%2e%2e/admin', '/orders/%2E%2E/admin',
    '/orders/1%2fx', '/orders/1%2Fx', '/orders/1%5cx', '/orders/1%5Cx', '/orders/1\\x']) {
    const t = requestTarget(ev('GET', p));
    assert.equal(t?.unsafe, true, p);
  }
  // the decoded path is checked too
  assert.equal(requestTarget(ev('GET', '/orders/1', { path: '/orders/../admin' })).unsafe, true);
  assert.equal(requestTarget(ev('GET', '/orders/1.json')).unsafe, undefined);
  assert.equal(requestTarget({}), null);
});
