// The /v2/ route table: every route names its IAM action (but the version check and the catalog),
// and matchRoute finds the right route for nested names and names made of route words.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OCI_ROUTES, matchRoute, type HttpMethod } from '../../src/oci/routes.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const UPLOAD_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('OCI_ROUTES', () => {
  it('every route has an IAM action except exactly the ping and catalog routes', () => {
    const withoutAction = OCI_ROUTES.filter((r) => r.action === null).map((r) => r.id).sort();
    assert.deepEqual(withoutAction, ['catalog', 'ping', 'ping-head']);
  });

  it('every action is an ecr: action', () => {
    for (const route of OCI_ROUTES) {
      if (route.action !== null) assert.match(route.action, /^ecr:[A-Z][A-Za-z]+$/, route.id);
    }
  });

  it('route ids are unique', () => {
    const ids = OCI_ROUTES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('no two routes share a method and a pattern', () => {
    const keys = OCI_ROUTES.map((r) => `${r.method} ${r.pattern.source}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  it('every route has a handler', () => {
    for (const route of OCI_ROUTES) assert.equal(typeof route.handler, 'function', route.id);
  });

  const ACTIONS: [string, string | null][] = [
    ['tags-list', 'ecr:ListImages'],
    ['upload-start', 'ecr:InitiateLayerUpload'],
    ['upload-patch', 'ecr:UploadLayerPart'],
    ['upload-put', 'ecr:CompleteLayerUpload'],
    ['blob-head', 'ecr:BatchCheckLayerAvailability'],
    ['blob-get', 'ecr:GetDownloadUrlForLayer'],
    ['blob-delete', 'ecr:BatchDeleteImage'],
    ['manifest-get', 'ecr:BatchGetImage'],
    ['manifest-head', 'ecr:BatchGetImage'],
    ['manifest-put', 'ecr:PutImage'],
    ['manifest-delete', 'ecr:BatchDeleteImage'],
    ['referrers', 'ecr:BatchGetImage'],
  ];
  for (const [id, action] of ACTIONS) {
    it(`${id} needs ${action}`, () => {
      assert.equal(OCI_ROUTES.find((r) => r.id === id)?.action, action);
    });
  }
});

describe('matchRoute', () => {
  const MATCHES: [HttpMethod, string, string, string, string][] = [
    // method, path, route id, name, reference
    ['GET', '/v2/', 'ping', '', ''],
    ['GET', '/v2', 'ping', '', ''],
    ['HEAD', '/v2/', 'ping-head', '', ''],
    ['GET', '/v2/_catalog', 'catalog', '', ''],
    ['GET', '/v2/ubuntu/tags/list', 'tags-list', 'ubuntu', ''],
    ['GET', '/v2/library/ubuntu/tags/list', 'tags-list', 'library/ubuntu', ''],
    ['POST', '/v2/a/b/c/blobs/uploads/', 'upload-start', 'a/b/c', ''],
    ['POST', '/v2/a/b/c/blobs/uploads', 'upload-start', 'a/b/c', ''],
    ['GET', `/v2/a/b/blobs/uploads/${UPLOAD_ID}`, 'upload-status', 'a/b', UPLOAD_ID],
    ['PATCH', `/v2/a/b/blobs/uploads/${UPLOAD_ID}`, 'upload-patch', 'a/b', UPLOAD_ID],
    ['PUT', `/v2/a/b/blobs/uploads/${UPLOAD_ID}`, 'upload-put', 'a/b', UPLOAD_ID],
    ['DELETE', `/v2/a/b/blobs/uploads/${UPLOAD_ID}`, 'upload-cancel', 'a/b', UPLOAD_ID],
    ['HEAD', `/v2/a/b/blobs/${DIGEST}`, 'blob-head', 'a/b', DIGEST],
    ['GET', `/v2/a/b/blobs/${DIGEST}`, 'blob-get', 'a/b', DIGEST],
    ['DELETE', `/v2/a/b/blobs/${DIGEST}`, 'blob-delete', 'a/b', DIGEST],
    ['HEAD', '/v2/team/app/manifests/latest', 'manifest-head', 'team/app', 'latest'],
    ['GET', `/v2/team/app/manifests/${DIGEST}`, 'manifest-get', 'team/app', DIGEST],
    ['PUT', '/v2/team/app/manifests/v1.0', 'manifest-put', 'team/app', 'v1.0'],
    ['DELETE', `/v2/team/app/manifests/${DIGEST}`, 'manifest-delete', 'team/app', DIGEST],
    ['GET', `/v2/team/app/referrers/${DIGEST}`, 'referrers', 'team/app', DIGEST],
    // Names whose components are route words.
    ['GET', `/v2/blobs/blobs/${DIGEST}`, 'blob-get', 'blobs', DIGEST],
    ['GET', `/v2/a/blobs/b/blobs/${DIGEST}`, 'blob-get', 'a/blobs/b', DIGEST],
    ['GET', `/v2/x/blobs/uploads/blobs/${DIGEST}`, 'blob-get', 'x/blobs/uploads', DIGEST],
    ['POST', '/v2/blobs/blobs/uploads/', 'upload-start', 'blobs', ''],
    ['POST', '/v2/a/blobs/blobs/uploads/', 'upload-start', 'a/blobs', ''],
    ['PATCH', `/v2/uploads/blobs/uploads/${UPLOAD_ID}`, 'upload-patch', 'uploads', UPLOAD_ID],
    ['PATCH', `/v2/a/blobs/uploads/b/blobs/uploads/${UPLOAD_ID}`, 'upload-patch', 'a/blobs/uploads/b', UPLOAD_ID],
    ['GET', '/v2/manifests/manifests/latest', 'manifest-get', 'manifests', 'latest'],
    ['GET', '/v2/a/manifests/b/manifests/v1', 'manifest-get', 'a/manifests/b', 'v1'],
    ['PUT', '/v2/a/manifests/manifests/manifests', 'manifest-put', 'a/manifests', 'manifests'],
    ['GET', `/v2/a/manifests/blobs/${DIGEST}`, 'blob-get', 'a/manifests', DIGEST],
    ['GET', '/v2/a/blobs/manifests/latest', 'manifest-get', 'a/blobs', 'latest'],
    ['GET', '/v2/a/tags/tags/list', 'tags-list', 'a/tags', ''],
    ['GET', '/v2/tags/list/tags/list', 'tags-list', 'tags/list', ''],
    ['GET', '/v2/v2/tags/list', 'tags-list', 'v2', ''],
    ['GET', `/v2/referrers/referrers/${DIGEST}`, 'referrers', 'referrers', DIGEST],
    ['GET', '/v2/_catalog/tags/list', 'tags-list', '_catalog', ''],
  ];
  for (const [method, path, id, name, reference] of MATCHES) {
    it(`${method} ${path} → ${id} (name ${JSON.stringify(name)})`, () => {
      const match = matchRoute(method, path);
      assert.ok(match !== null && match !== 'method', `${method} ${path} gave ${String(match)}`);
      assert.equal(match.route.id, id);
      assert.equal(match.route.method, method);
      assert.equal(match.name, name);
      assert.equal(match.reference, reference);
    });
  }

  const WRONG_METHOD: [string, string][] = [
    ['POST', '/v2/'],
    ['DELETE', '/v2/'],
    ['HEAD', '/v2/_catalog'],
    ['POST', '/v2/_catalog'],
    ['PUT', '/v2/a/tags/list'],
    ['PATCH', `/v2/a/blobs/${DIGEST}`],
    ['PUT', `/v2/a/blobs/${DIGEST}`],
    ['POST', `/v2/a/blobs/${DIGEST}`],
    ['POST', '/v2/a/manifests/latest'],
    ['PATCH', '/v2/a/manifests/latest'],
    ['HEAD', `/v2/a/blobs/uploads/${UPLOAD_ID}`],
    ['POST', `/v2/a/blobs/uploads/${UPLOAD_ID}`],
    ['GET', '/v2/a/blobs/uploads/'],
    ['DELETE', '/v2/a/blobs/uploads/'],
    ['PUT', `/v2/a/referrers/${DIGEST}`],
    ['OPTIONS', '/v2/a/manifests/latest'],
    ['get', '/v2/a/manifests/latest'],
  ];
  for (const [method, path] of WRONG_METHOD) {
    it(`${method} ${path} → 'method'`, () => {
      assert.equal(matchRoute(method, path), 'method');
    });
  }

  const UNKNOWN: string[] = [
    '/',
    '',
    '/v1/',
    '/v3/a/manifests/latest',
    '/v2a/',
    '/v2/a',
    '/v2/a/',
    '/v2/a/b',
    '/v2/a/unknown/x',
    '/v2/a/manifests/',
    '/v2/a/manifests',
    '/v2/a/blobs/',
    '/v2/a/tags/list/',
    '/v2/a/tags',
    '/v2/a/referrers/',
    '/v2//manifests/latest',
    '/v2/a/manifests/latest/extra',
    `/v2/a/blobs/uploads/${UPLOAD_ID}/extra`,
    '/v2/_catalog/',
    '/v2/_catalogue',
    '/prefix/v2/a/manifests/latest',
  ];
  for (const path of UNKNOWN) {
    it(`GET ${JSON.stringify(path)} → null`, () => {
      assert.equal(matchRoute('GET', path), null);
    });
  }
});
