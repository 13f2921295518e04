// Base endpoints, blob pull/HEAD/Range/DELETE, digest and repository-name validation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startWharf, type WharfProcess } from '../helpers/server.js';
import {
  API_VERSION,
  API_VERSION_HEADER,
  Registry,
  assertNoViolations,
  expectError,
  expectHeader,
  expectStatus,
  randomBlob,
  randomDigest,
  sha256,
  uniqueName,
} from './client.js';

let srv: WharfProcess;
let reg: Registry;

before(async () => {
  srv = await startWharf({ anonymous: true });
  reg = new Registry(srv.url);
});

after(async () => {
  await srv?.dispose();
});

describe('base endpoints', () => {
  it('GET /v2/ returns 200 {} with the API version header', async () => {
    const res = await reg.get('/v2/');
    expectStatus(res, 200);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    assert.match(res.header('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.json(), {});
  });

  it('HEAD /v2/ returns 200 with the API version header', async () => {
    const res = await reg.head('/v2/');
    expectStatus(res, 200);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
  });

  it('GET /v2 (no trailing slash) is not an error page with a stack', async () => {
    const res = await reg.get('/v2');
    assert.ok([200, 301, 308, 404].includes(res.status), res.describe());
    if (res.status === 404) expectError(res, 404, '*');
  });

  it('/healthz and /readyz return 200', async () => {
    expectStatus(await reg.get('/healthz'), 200);
    expectStatus(await reg.get('/readyz'), 200);
  });
});

describe('blob pull', () => {
  const repo = uniqueName('blobs');
  const data = randomBlob(100);
  const digest = sha256(data);

  before(async () => {
    await reg.pushBlob(repo, data);
  });

  it('HEAD returns 200 with Content-Length, Docker-Content-Digest, Accept-Ranges and no body', async () => {
    const res = await reg.head(`/v2/${repo}/blobs/${digest}`);
    expectStatus(res, 200);
    expectHeader(res, 'content-length', '100');
    expectHeader(res, 'docker-content-digest', digest);
    expectHeader(res, 'accept-ranges', 'bytes');
    expectHeader(res, 'content-type', 'application/octet-stream');
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    assert.equal(res.body.length, 0);
  });

  it('GET returns the exact bytes with the same headers', async () => {
    const res = await reg.getBlob(repo, digest);
    expectStatus(res, 200);
    expectHeader(res, 'content-length', '100');
    expectHeader(res, 'docker-content-digest', digest);
    expectHeader(res, 'accept-ranges', 'bytes');
    expectHeader(res, 'content-type', 'application/octet-stream');
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    assert.ok(res.body.equals(data), 'blob content differs');
  });

  it('GET of an unknown blob in an existing repository is 404 BLOB_UNKNOWN', async () => {
    const res = await reg.getBlob(repo, randomDigest());
    expectError(res, 404, 'BLOB_UNKNOWN');
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
  });

  it('HEAD of an unknown blob is 404 without a body', async () => {
    const res = await reg.head(`/v2/${repo}/blobs/${randomDigest()}`);
    expectStatus(res, 404);
    assert.equal(res.body.length, 0);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
  });

  it('GET of a blob in an unknown repository is 404 NAME_UNKNOWN or BLOB_UNKNOWN', async () => {
    const res = await reg.getBlob(uniqueName('nosuchrepo'), digest);
    expectError(res, 404, ['NAME_UNKNOWN', 'BLOB_UNKNOWN']);
  });

  it('HEAD of a blob in an unknown repository is 404', async () => {
    const res = await reg.head(`/v2/${uniqueName('nosuchrepo')}/blobs/${digest}`);
    expectStatus(res, 404);
  });
});

describe('blob Range requests', () => {
  const repo = uniqueName('ranges');
  const data = randomBlob(100);
  const digest = sha256(data);
  const size = data.length;

  before(async () => {
    await reg.pushBlob(repo, data);
  });

  it('bytes=0-9 returns 206 with Content-Range and the first 10 bytes', async () => {
    const res = await reg.getBlob(repo, digest, { range: 'bytes=0-9' });
    expectStatus(res, 206);
    expectHeader(res, 'content-range', `bytes 0-9/${size}`);
    expectHeader(res, 'content-length', '10');
    assert.ok(res.body.equals(data.subarray(0, 10)), 'range content differs');
  });

  it('a middle range bytes=10-19 returns exactly those bytes', async () => {
    const res = await reg.getBlob(repo, digest, { range: 'bytes=10-19' });
    expectStatus(res, 206);
    expectHeader(res, 'content-range', `bytes 10-19/${size}`);
    assert.ok(res.body.equals(data.subarray(10, 20)), 'range content differs');
  });

  it('open-ended bytes=5- returns the rest of the blob', async () => {
    const res = await reg.getBlob(repo, digest, { range: 'bytes=5-' });
    expectStatus(res, 206);
    expectHeader(res, 'content-range', `bytes 5-${size - 1}/${size}`);
    expectHeader(res, 'content-length', String(size - 5));
    assert.ok(res.body.equals(data.subarray(5)), 'range content differs');
  });

  it('suffix range bytes=-5 returns the last 5 bytes', async () => {
    const res = await reg.getBlob(repo, digest, { range: 'bytes=-5' });
    expectStatus(res, 206);
    expectHeader(res, 'content-range', `bytes ${size - 5}-${size - 1}/${size}`);
    assert.ok(res.body.equals(data.subarray(size - 5)), 'range content differs');
  });

  it('a range whose end exceeds the size is clamped to the last byte', async () => {
    const res = await reg.getBlob(repo, digest, { range: `bytes=90-${size + 100}` });
    expectStatus(res, 206);
    expectHeader(res, 'content-range', `bytes 90-${size - 1}/${size}`);
    assert.ok(res.body.equals(data.subarray(90)), 'range content differs');
  });

  it('an unsatisfiable range (start >= size) is 416', async () => {
    const res = await reg.getBlob(repo, digest, { range: `bytes=${size}-` });
    expectStatus(res, 416);
    const res2 = await reg.getBlob(repo, digest, { range: `bytes=${size + 10}-${size + 20}` });
    expectStatus(res2, 416);
  });
});

describe('blob isolation between repositories', () => {
  it('a blob pushed to repo A is not readable via repo B', async () => {
    const a = uniqueName('iso-a');
    const b = uniqueName('iso-b');
    const data = randomBlob(50);
    const digest = sha256(data);
    await reg.pushBlob(a, data);
    await reg.pushBlob(b, randomBlob(10)); // B exists
    expectError(await reg.getBlob(b, digest), 404, 'BLOB_UNKNOWN');
    expectStatus(await reg.head(`/v2/${b}/blobs/${digest}`), 404);
    expectStatus(await reg.getBlob(a, digest), 200);
  });
});

describe('blob delete', () => {
  it('DELETE returns 202, then GET/HEAD are 404 BLOB_UNKNOWN', async () => {
    const repo = uniqueName('delblob');
    const data = randomBlob(40);
    const digest = sha256(data);
    await reg.pushBlob(repo, data);
    await reg.pushBlob(repo, randomBlob(41)); // keep the repository non-empty
    const del = await reg.delete(`/v2/${repo}/blobs/${digest}`);
    expectStatus(del, 202);
    expectHeader(del, API_VERSION_HEADER, API_VERSION);
    expectError(await reg.getBlob(repo, digest), 404, 'BLOB_UNKNOWN');
    expectStatus(await reg.head(`/v2/${repo}/blobs/${digest}`), 404);
  });

  it('DELETE of an unknown blob is 404 BLOB_UNKNOWN', async () => {
    const repo = uniqueName('delblob2');
    await reg.pushBlob(repo, randomBlob(8));
    expectError(await reg.delete(`/v2/${repo}/blobs/${randomDigest()}`), 404, 'BLOB_UNKNOWN');
  });

  it('deleting a blob in one repository leaves it readable in another', async () => {
    const a = uniqueName('del-a');
    const b = uniqueName('del-b');
    const data = randomBlob(33);
    const digest = sha256(data);
    await reg.pushBlob(a, data);
    await reg.pushBlob(b, data);
    expectStatus(await reg.delete(`/v2/${a}/blobs/${digest}`), 202);
    const res = await reg.getBlob(b, digest);
    expectStatus(res, 200);
    assert.ok(res.body.equals(data));
  });
});

describe('digest validation', () => {
  const repo = uniqueName('digests');
  before(async () => {
    await reg.pushBlob(repo, randomBlob(5));
  });

  const invalid = [
    'sha256:xyz',
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha256:${'A'.repeat(64)}`,
    'sha256:',
    `sha256${'a'.repeat(64)}`,
    `sha512:${'b'.repeat(64)}`,
    'notadigest',
  ];

  for (const d of invalid) {
    it(`GET blob ${d.slice(0, 20)}… is 400 DIGEST_INVALID`, async () => {
      expectError(await reg.getBlob(repo, d), 400, 'DIGEST_INVALID');
    });
  }

  it('HEAD blob with invalid digest is 400', async () => {
    expectStatus(await reg.head(`/v2/${repo}/blobs/sha256:xyz`), 400);
  });

  it('DELETE blob with invalid digest is 400 DIGEST_INVALID', async () => {
    expectError(await reg.delete(`/v2/${repo}/blobs/sha256:xyz`), 400, 'DIGEST_INVALID');
  });
});

describe('repository name validation', () => {
  const digest = randomDigest();
  const invalidNames = ['Upper', 'UPPER/case', '-leading', 'trailing-', 'a..b', 'a._b', 'a/.b', '.hidden', 'a/-b', 'a/b_', 'a___b'];

  for (const name of invalidNames) {
    it(`name ${JSON.stringify(name)} is 400 NAME_INVALID on every route`, async () => {
      expectError(await reg.get(`/v2/${name}/tags/list`), 400, 'NAME_INVALID');
      expectError(await reg.get(`/v2/${name}/blobs/${digest}`), 400, 'NAME_INVALID');
      expectError(await reg.get(`/v2/${name}/manifests/latest`), 400, 'NAME_INVALID');
      expectError(await reg.request('POST', `/v2/${name}/blobs/uploads/`), 400, 'NAME_INVALID');
      expectError(await reg.request('PUT', `/v2/${name}/manifests/latest`, {
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: '{}',
      }), 400, 'NAME_INVALID');
    });
  }

  it('a name that is too long (> 255 chars with host) is rejected with 400 NAME_INVALID or accepted, never 5xx', async () => {
    const name = `${'a'.repeat(100)}/${'b'.repeat(100)}/${'c'.repeat(100)}`;
    const res = await reg.get(`/v2/${name}/tags/list`);
    if (res.status === 400) expectError(res, 400, 'NAME_INVALID');
    else expectError(res, 404, 'NAME_UNKNOWN');
  });

  const weirdPaths = [
    '/v2/a//b/tags/list',
    '/v2//a/tags/list',
    `/v2/../etc/blobs/${digest}`,
    `/v2/a/../b/blobs/${digest}`,
    `/v2/%2e%2e/etc/blobs/${digest}`,
    `/v2/a/%2e%2e/%2e%2e/etc/blobs/${digest}`,
    '/v2/%2e%2e%2f%2e%2e%2fetc/tags/list',
    '/v2/a%2F..%2F..%2Fb/tags/list',
    '/v2/./a/tags/list',
    '/v2/a/./b/tags/list',
  ];
  for (const path of weirdPaths) {
    it(`path ${path.slice(0, 45)} is 400 NAME_INVALID or a 404 JSON error`, async () => {
      const res = await reg.raw('GET', path);
      assert.ok([400, 404].includes(res.status), res.describe());
      if (res.status === 400) expectError(res, 400, 'NAME_INVALID');
      else expectError(res, 404, '*');
    });
  }

  it('path traversal never reaches a blob of another repository', async () => {
    const victim = uniqueName('victim');
    const data = randomBlob(20);
    const d = sha256(data);
    await reg.pushBlob(victim, data);
    for (const path of [
      `/v2/x/../${victim}/blobs/${d}`,
      `/v2/x/%2e%2e/${victim}/blobs/${d}`,
      `/v2/x/%2E%2E/${victim}/blobs/${d}`,
      `/v2/${victim}/x/../blobs/${d}`,
    ]) {
      const res = await reg.raw('GET', path);
      assert.ok([400, 404].includes(res.status), `traversal must be rejected: ${res.describe()}`);
      assert.ok(!res.body.equals(data), `traversal leaked blob: ${res.describe()}`);
      if (res.status === 400) expectError(res, 400, 'NAME_INVALID');
      else expectError(res, 404, '*');
    }
  });

  it('multi-component names with all separator kinds are valid', async () => {
    const name = `${uniqueName('a')}.b_c__d--e/f-g/h0`;
    const data = randomBlob(12);
    const d = sha256(data);
    await reg.pushBlob(name, data);
    const res = await reg.getBlob(name, d);
    expectStatus(res, 200);
    assert.ok(res.body.equals(data));
  });
});

describe('invariants', () => {
  it('every /v2 response carried Docker-Distribution-API-Version and nothing returned 5xx', () => {
    assertNoViolations();
  });
});
