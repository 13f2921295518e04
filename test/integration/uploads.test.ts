// Blob upload sessions: monolithic, POST+PUT, chunked PATCH, status, cancel, digest checks,
// sha512, empty blobs and cross-repository mounts.
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
  locationOf,
  randomBlob,
  randomDigest,
  sessionFrom,
  sha256,
  sha512,
  uniqueName,
  withQuery,
  type Res,
  type UploadSession,
} from './client.js';

let srv: WharfProcess;
let reg: Registry;
/** Size used for non-final chunks: at least the server's advertised OCI-Chunk-Min-Length. */
let chunkSize = 1000;

before(async () => {
  srv = await startWharf({ anonymous: true });
  reg = new Registry(srv.url);
  const res = await reg.request('POST', `/v2/${uniqueName('probe')}/blobs/uploads/`);
  const min = Number(res.header('oci-chunk-min-length') ?? '0');
  if (Number.isFinite(min) && min > chunkSize) chunkSize = Math.min(min, 64 * 1024 * 1024);
  const s = res.header('location');
  if (s) await reg.delete(s);
});

after(async () => {
  await srv?.dispose();
});

const UPLOAD_PATH = (repo: string) => new RegExp(`^/v2/${repo.replace(/[.]/g, '\\.')}/blobs/uploads/([^/?#]+)$`);

async function patch(session: UploadSession, data: Buffer, range: [number, number] | null, extraHeaders: Record<string, string> = {}): Promise<Res> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...extraHeaders };
  if (range) headers['content-range'] = `${range[0]}-${range[1]}`;
  return reg.request('PATCH', session.location, { headers, body: data });
}

function streamOf(data: Buffer, pieces = 3): ReadableStream<Uint8Array> {
  const step = Math.ceil(data.length / pieces);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(data.subarray(offset, offset + step)));
      offset += step;
    },
  });
}

async function put(session: UploadSession, digest: string | null, body?: Buffer, extraHeaders: Record<string, string> = {}): Promise<Res> {
  const url = digest === null ? session.location : withQuery(session.location, { digest });
  const headers: Record<string, string> = { ...extraHeaders };
  if (body) headers['content-type'] = 'application/octet-stream';
  return reg.request('PUT', url, { headers, body: body ?? Buffer.alloc(0) });
}

async function expectBlob(repo: string, data: Buffer, digest = sha256(data)): Promise<void> {
  const res = await reg.getBlob(repo, digest);
  expectStatus(res, 200);
  expectHeader(res, 'docker-content-digest', digest);
  expectHeader(res, 'content-length', String(data.length));
  assert.ok(res.body.equals(data), `content of ${repo}@${digest} differs`);
}

describe('starting an upload', () => {
  it('POST returns 202 with Location, Docker-Upload-UUID, Range 0-0, OCI-Chunk-Min-Length, empty body', async () => {
    const repo = uniqueName('start');
    const res = await reg.request('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(res, 202);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    const loc = locationOf(res);
    const m = UPLOAD_PATH(repo).exec(loc.pathname);
    assert.ok(m, `Location path ${loc.pathname} must be /v2/${repo}/blobs/uploads/<uuid>`);
    expectHeader(res, 'docker-upload-uuid', decodeURIComponent(m[1]!));
    expectHeader(res, 'range', '0-0');
    assert.ok(res.header('oci-chunk-min-length') !== null, 'OCI-Chunk-Min-Length header missing');
    assert.match(res.header('oci-chunk-min-length')!, /^\d+$/);
    expectHeader(res, 'content-length', '0');
    assert.equal(res.body.length, 0);
  });

  it('status of a fresh session is 204 with Range 0-0', async () => {
    const repo = uniqueName('fresh');
    const s = await reg.startUpload(repo);
    const res = await reg.get(s.location);
    expectStatus(res, 204);
    expectHeader(res, 'range', '0-0');
    expectHeader(res, 'docker-upload-uuid', s.uuid);
    assert.match(locationOf(res).pathname, UPLOAD_PATH(repo));
  });

  it('two sessions in the same repository get different ids', async () => {
    const repo = uniqueName('two');
    const a = await reg.startUpload(repo);
    const b = await reg.startUpload(repo);
    assert.notEqual(a.uuid, b.uuid);
    assert.notEqual(a.location, b.location);
  });
});

describe('monolithic uploads', () => {
  it('single POST ?digest= with body returns 201, Location /v2/<name>/blobs/<digest>, Docker-Content-Digest', async () => {
    const repo = uniqueName('mono');
    const data = randomBlob(300);
    const digest = sha256(data);
    const res = await reg.request('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    expectStatus(res, 201);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    assert.equal(locationOf(res).pathname, `/v2/${repo}/blobs/${digest}`);
    expectHeader(res, 'docker-content-digest', digest);
    await expectBlob(repo, data);
  });

  it('single POST ?digest= with mismatching body is 400 DIGEST_INVALID and nothing is stored', async () => {
    const repo = uniqueName('monobad');
    await reg.pushBlob(repo, randomBlob(3));
    const data = randomBlob(300);
    const claimed = randomDigest();
    const res = await reg.request('POST', `/v2/${repo}/blobs/uploads/?digest=${claimed}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    expectError(res, 400, 'DIGEST_INVALID');
    expectError(await reg.getBlob(repo, claimed), 404, 'BLOB_UNKNOWN');
    expectError(await reg.getBlob(repo, sha256(data)), 404, 'BLOB_UNKNOWN');
  });

  it('POST then PUT ?digest= with the whole body returns 201', async () => {
    const repo = uniqueName('postput');
    const data = randomBlob(500);
    const digest = sha256(data);
    const s = await reg.startUpload(repo);
    const res = await put(s, digest, data);
    expectStatus(res, 201);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    assert.equal(locationOf(res).pathname, `/v2/${repo}/blobs/${digest}`);
    expectHeader(res, 'docker-content-digest', digest);
    await expectBlob(repo, data);
  });

  it('the session is gone after a successful PUT', async () => {
    const repo = uniqueName('gone');
    const data = randomBlob(20);
    const s = await reg.startUpload(repo);
    expectStatus(await put(s, sha256(data), data), 201);
    expectError(await reg.get(s.location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('uploading a blob that already exists succeeds again (idempotent)', async () => {
    const repo = uniqueName('again');
    const data = randomBlob(64);
    await reg.pushBlob(repo, data);
    await reg.pushBlob(repo, data);
    await expectBlob(repo, data);
  });

  it('an empty (size 0) blob can be uploaded with POST+PUT and with monolithic POST', async () => {
    const repo = uniqueName('empty');
    const empty = Buffer.alloc(0);
    const digest = sha256(empty);
    assert.equal(digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const s = await reg.startUpload(repo);
    expectStatus(await put(s, digest), 201);
    const res = await reg.getBlob(repo, digest);
    expectStatus(res, 200);
    expectHeader(res, 'content-length', '0');
    expectHeader(res, 'docker-content-digest', digest);
    assert.equal(res.body.length, 0);
    const head = await reg.head(`/v2/${repo}/blobs/${digest}`);
    expectStatus(head, 200);
    expectHeader(head, 'content-length', '0');

    const repo2 = uniqueName('empty2');
    const mono = await reg.request('POST', `/v2/${repo2}/blobs/uploads/?digest=${digest}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: empty,
    });
    expectStatus(mono, 201);
    expectHeader(mono, 'docker-content-digest', digest);
    expectStatus(await reg.getBlob(repo2, digest), 200);
  });
});

describe('chunked uploads', () => {
  it('PATCH with Content-Range, out-of-order PATCH, streamed PATCH, status and final PUT', async () => {
    const repo = uniqueName('chunked');
    const c1 = randomBlob(chunkSize);
    const c2 = randomBlob(chunkSize);
    const c3 = randomBlob(77);
    const all = Buffer.concat([c1, c2, c3]);
    const digest = sha256(all);
    let s = await reg.startUpload(repo);

    const r1 = await patch(s, c1, [0, c1.length - 1]);
    expectStatus(r1, 202);
    expectHeader(r1, API_VERSION_HEADER, API_VERSION);
    expectHeader(r1, 'range', `0-${c1.length - 1}`);
    expectHeader(r1, 'docker-upload-uuid', s.uuid);
    assert.match(locationOf(r1).pathname, UPLOAD_PATH(repo));
    s = sessionFrom(r1, srv.url);

    const status1 = await reg.get(s.location);
    expectStatus(status1, 204);
    expectHeader(status1, 'range', `0-${c1.length - 1}`);
    expectHeader(status1, 'docker-upload-uuid', s.uuid);
    assert.match(locationOf(status1).pathname, UPLOAD_PATH(repo));

    // Out of order: a gap after the current offset.
    const gap = await patch(s, c2, [c1.length + 5, c1.length + 5 + c2.length - 1]);
    expectStatus(gap, 416);
    expectHeader(gap, 'range', `0-${c1.length - 1}`);
    // Out of order: overlapping (re-sending from 0).
    const overlap = await patch(s, c2, [0, c2.length - 1]);
    expectStatus(overlap, 416);
    expectHeader(overlap, 'range', `0-${c1.length - 1}`);

    const status2 = await reg.get(s.location);
    expectStatus(status2, 204);
    expectHeader(status2, 'range', `0-${c1.length - 1}`);

    // Streamed PATCH (chunked transfer encoding, no Content-Range, no Content-Length) appends.
    const r2 = await reg.request('PATCH', s.location, {
      headers: { 'content-type': 'application/octet-stream' },
      body: streamOf(c2),
    });
    expectStatus(r2, 202);
    expectHeader(r2, 'range', `0-${c1.length + c2.length - 1}`);
    expectHeader(r2, 'docker-upload-uuid', s.uuid);
    s = sessionFrom(r2, srv.url);

    const fin = await put(s, digest, c3);
    expectStatus(fin, 201);
    assert.equal(locationOf(fin).pathname, `/v2/${repo}/blobs/${digest}`);
    expectHeader(fin, 'docker-content-digest', digest);
    await expectBlob(repo, all);
  });

  it('streamed PATCH without Content-Range on a fresh session, then PUT with empty body', async () => {
    const repo = uniqueName('stream');
    const data = randomBlob(chunkSize + 123);
    const s = await reg.startUpload(repo);
    const r = await patch(s, data, null);
    expectStatus(r, 202);
    expectHeader(r, 'range', `0-${data.length - 1}`);
    const fin = await put(sessionFrom(r, srv.url), sha256(data));
    expectStatus(fin, 201);
    await expectBlob(repo, data);
  });

  it('final PUT may carry a Content-Range for the last chunk', async () => {
    const repo = uniqueName('putrange');
    const c1 = randomBlob(chunkSize);
    const c2 = randomBlob(10);
    const all = Buffer.concat([c1, c2]);
    const s = await reg.startUpload(repo);
    const r1 = await patch(s, c1, [0, c1.length - 1]);
    expectStatus(r1, 202);
    const fin = await put(sessionFrom(r1, srv.url), sha256(all), c2, { 'content-range': `${c1.length}-${all.length - 1}` });
    expectStatus(fin, 201);
    await expectBlob(repo, all);
  });

  it('final PUT whose Content-Range is out of order is 416', async () => {
    const repo = uniqueName('putrange416');
    const c1 = randomBlob(chunkSize);
    const c2 = randomBlob(10);
    const s = await reg.startUpload(repo);
    expectStatus(await patch(s, c1, [0, c1.length - 1]), 202);
    const fin = await put(s, sha256(Buffer.concat([c1, c2])), c2, { 'content-range': `${c1.length + 3}-${c1.length + 12}` });
    expectStatus(fin, 416);
  });

  it('first PATCH not starting at 0 is 416 with Range 0-0', async () => {
    const repo = uniqueName('notzero');
    const s = await reg.startUpload(repo);
    const r = await patch(s, randomBlob(10), [5, 14]);
    expectStatus(r, 416);
    expectHeader(r, 'range', '0-0');
  });

  it('Content-Range disagreeing with the body length is 400 or 416, never 5xx', async () => {
    const repo = uniqueName('mismatch');
    const s = await reg.startUpload(repo);
    const r = await patch(s, randomBlob(10), [0, 99]);
    assert.ok([400, 416].includes(r.status), r.describe());
    if (r.status === 400) expectError(r, 400, '*');
    const status = await reg.get(s.location);
    if (status.status === 204) expectHeader(status, 'range', '0-0');
    else expectError(status, 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('malformed Content-Range is 400 or 416, never 5xx', async () => {
    const repo = uniqueName('badrange');
    for (const range of ['abc', '10-5', 'bytes=0-9x', '-1-8', '0-']) {
      const s = await reg.startUpload(repo);
      const r = await reg.request('PATCH', s.location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': range },
        body: randomBlob(10),
      });
      assert.ok([400, 416].includes(r.status), `Content-Range ${range}: ${r.describe()}`);
    }
  });

  it('sha512 digests work for chunked uploads and GET/HEAD', async () => {
    const repo = uniqueName('sha512c');
    const c1 = randomBlob(chunkSize);
    const c2 = randomBlob(33);
    const all = Buffer.concat([c1, c2]);
    const digest = sha512(all);
    assert.match(digest, /^sha512:[0-9a-f]{128}$/);
    const s = await reg.startUpload(repo);
    const r1 = await patch(s, c1, [0, c1.length - 1]);
    expectStatus(r1, 202);
    const fin = await put(sessionFrom(r1, srv.url), digest, c2);
    expectStatus(fin, 201);
    expectHeader(fin, 'docker-content-digest', digest);
    assert.equal(locationOf(fin).pathname, `/v2/${repo}/blobs/${digest}`);
    await expectBlob(repo, all, digest);
    const head = await reg.head(`/v2/${repo}/blobs/${digest}`);
    expectStatus(head, 200);
    expectHeader(head, 'docker-content-digest', digest);
    expectHeader(head, 'content-length', String(all.length));
  });

  it('sha512 digests work for POST+PUT and monolithic POST', async () => {
    const repo = uniqueName('sha512m');
    const a = randomBlob(200);
    const da = sha512(a);
    await reg.pushBlob(repo, a, 'sha512');
    await expectBlob(repo, a, da);
    const b = randomBlob(201);
    const db = sha512(b);
    const res = await reg.request('POST', `/v2/${repo}/blobs/uploads/?digest=${db}`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: b,
    });
    expectStatus(res, 201);
    expectHeader(res, 'docker-content-digest', db);
    await expectBlob(repo, b, db);
  });

  it('sha512 PUT with wrong content is 400 DIGEST_INVALID', async () => {
    const repo = uniqueName('sha512bad');
    const s = await reg.startUpload(repo);
    const res = await put(s, sha512(randomBlob(10)), randomBlob(10));
    expectError(res, 400, 'DIGEST_INVALID');
  });
});

describe('completing uploads: digest errors', () => {
  it('PUT with the wrong digest is 400 DIGEST_INVALID and the blob is not readable', async () => {
    const repo = uniqueName('wrongdigest');
    await reg.pushBlob(repo, randomBlob(4)); // repository exists
    const data = randomBlob(100);
    const claimed = randomDigest();
    const s = await reg.startUpload(repo);
    expectError(await put(s, claimed, data), 400, 'DIGEST_INVALID');
    expectError(await reg.getBlob(repo, claimed), 404, 'BLOB_UNKNOWN');
    expectError(await reg.getBlob(repo, sha256(data)), 404, 'BLOB_UNKNOWN');
  });

  it('PUT with the wrong digest after PATCH does not make the data readable', async () => {
    const repo = uniqueName('wrongdigest2');
    await reg.pushBlob(repo, randomBlob(4));
    const data = randomBlob(chunkSize);
    const s = await reg.startUpload(repo);
    expectStatus(await patch(s, data, [0, data.length - 1]), 202);
    const claimed = randomDigest();
    expectError(await put(s, claimed), 400, 'DIGEST_INVALID');
    expectError(await reg.getBlob(repo, claimed), 404, 'BLOB_UNKNOWN');
    expectError(await reg.getBlob(repo, sha256(data)), 404, 'BLOB_UNKNOWN');
  });

  it('PUT without a digest parameter is 400 DIGEST_INVALID', async () => {
    const repo = uniqueName('nodigest');
    const s = await reg.startUpload(repo);
    expectError(await put(s, null, randomBlob(10)), 400, 'DIGEST_INVALID');
  });

  for (const bad of ['sha256:xyz', `md5:${'a'.repeat(32)}`, `sha256:${'A'.repeat(64)}`, 'garbage', '']) {
    it(`PUT ?digest=${JSON.stringify(bad).slice(0, 20)} is 400 DIGEST_INVALID`, async () => {
      const repo = uniqueName('baddigest');
      const s = await reg.startUpload(repo);
      expectError(await put(s, bad, randomBlob(10)), 400, 'DIGEST_INVALID');
    });
  }

  it('monolithic POST with an invalid digest syntax is 400 DIGEST_INVALID', async () => {
    const repo = uniqueName('badpost');
    const res = await reg.request('POST', `/v2/${repo}/blobs/uploads/?digest=sha256:nothex`, {
      headers: { 'content-type': 'application/octet-stream' },
      body: randomBlob(10),
    });
    expectError(res, 400, 'DIGEST_INVALID');
  });
});

describe('cancel and unknown sessions', () => {
  it('DELETE <location> is 204, afterwards status/PATCH/PUT are 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const repo = uniqueName('cancel');
    const s = await reg.startUpload(repo);
    const data = randomBlob(chunkSize);
    expectStatus(await patch(s, data, [0, data.length - 1]), 202);
    const del = await reg.delete(s.location);
    expectStatus(del, 204);
    expectHeader(del, API_VERSION_HEADER, API_VERSION);
    expectError(await reg.get(s.location), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await patch(s, data, [data.length, 2 * data.length - 1]), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await put(s, sha256(data)), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await reg.delete(s.location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('an unknown upload id is 404 BLOB_UPLOAD_UNKNOWN for GET, PATCH, PUT and DELETE', async () => {
    const repo = uniqueName('unknownup');
    await reg.pushBlob(repo, randomBlob(3));
    const path = `/v2/${repo}/blobs/uploads/6f0f2f6e-0000-4000-8000-000000000000`;
    expectError(await reg.get(path), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await reg.request('PATCH', path, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': '0-9' },
      body: randomBlob(10),
    }), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await reg.request('PUT', `${path}?digest=${randomDigest()}`, { body: Buffer.alloc(0) }), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await reg.delete(path), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('odd upload ids (traversal-like) are 404 BLOB_UPLOAD_UNKNOWN or 400, never 5xx', async () => {
    const repo = uniqueName('oddid');
    await reg.pushBlob(repo, randomBlob(3));
    for (const id of ['..', '%2e%2e', '..%2F..%2Fadmin-credentials.json', 'a%00b', 'x'.repeat(300)]) {
      const res = await reg.raw('GET', `/v2/${repo}/blobs/uploads/${id}`);
      assert.ok([400, 404].includes(res.status), res.describe());
      if (res.status === 404) expectError(res, 404, '*');
      else expectError(res, 400, '*');
    }
  });

  it('a session of repo A used under repo B path is 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const a = uniqueName('sess-a');
    const b = uniqueName('sess-b');
    await reg.pushBlob(b, randomBlob(3)); // B exists
    const s = await reg.startUpload(a);
    const data = randomBlob(chunkSize);
    expectStatus(await patch(s, data, [0, data.length - 1]), 202);
    const foreign = new URL(s.location);
    foreign.pathname = foreign.pathname.replace(`/v2/${a}/`, `/v2/${b}/`);
    assert.notEqual(foreign.href, s.location);
    const foreignSession: UploadSession = { location: foreign.href, uuid: s.uuid };
    expectError(await reg.get(foreign.href), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await patch(foreignSession, data, [data.length, 2 * data.length - 1]), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await put(foreignSession, sha256(data)), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await reg.delete(foreign.href), 404, 'BLOB_UPLOAD_UNKNOWN');
    expectError(await reg.getBlob(b, sha256(data)), 404, 'BLOB_UNKNOWN');
    // The session still works under its own repository.
    const fin = await put(s, sha256(data));
    expectStatus(fin, 201);
    await expectBlob(a, data);
  });
});

describe('concurrency and size', () => {
  it('concurrent uploads of the same blob to the same repository all succeed', async () => {
    const repo = uniqueName('race');
    const data = randomBlob(4096);
    const results = await Promise.all(Array.from({ length: 6 }, () => reg.pushBlob(repo, data)));
    assert.equal(results.length, 6);
    await expectBlob(repo, data);
  });

  it('concurrent chunked uploads to different repositories do not mix data', async () => {
    const jobs = Array.from({ length: 4 }, async () => {
      const repo = uniqueName('par');
      const c1 = randomBlob(chunkSize);
      const c2 = randomBlob(500);
      const s = await reg.startUpload(repo);
      const r1 = await patch(s, c1, [0, c1.length - 1]);
      expectStatus(r1, 202);
      const all = Buffer.concat([c1, c2]);
      expectStatus(await put(sessionFrom(r1, srv.url), sha256(all), c2), 201);
      await expectBlob(repo, all);
    });
    await Promise.all(jobs);
  });

  it('an 8 MiB blob round-trips through a streamed PATCH', async () => {
    const repo = uniqueName('big');
    const data = randomBlob(8 * 1024 * 1024);
    const s = await reg.startUpload(repo);
    const r = await reg.request('PATCH', s.location, {
      headers: { 'content-type': 'application/octet-stream' },
      body: streamOf(data, 16),
    });
    expectStatus(r, 202);
    expectHeader(r, 'range', `0-${data.length - 1}`);
    expectStatus(await put(sessionFrom(r, srv.url), sha256(data)), 201);
    await expectBlob(repo, data);
  });
});

describe('cross-repository mount', () => {
  it('mount=D&from=A into B returns 201 with Location /v2/B/blobs/D; blob then readable via B', async () => {
    const a = uniqueName('mnt-a');
    const b = uniqueName('mnt-b');
    const data = randomBlob(120);
    const digest = sha256(data);
    await reg.pushBlob(a, data);
    const res = await reg.request('POST', `/v2/${b}/blobs/uploads/?mount=${digest}&from=${a}`);
    expectStatus(res, 201);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    assert.equal(locationOf(res).pathname, `/v2/${b}/blobs/${digest}`);
    expectHeader(res, 'docker-content-digest', digest);
    await expectBlob(b, data);
    // And A still has it.
    await expectBlob(a, data);
  });

  it('mount of an unknown blob falls back to a normal upload session (202)', async () => {
    const a = uniqueName('mnt2-a');
    const b = uniqueName('mnt2-b');
    await reg.pushBlob(a, randomBlob(5));
    const data = randomBlob(90);
    const digest = sha256(data);
    const res = await reg.request('POST', `/v2/${b}/blobs/uploads/?mount=${digest}&from=${a}`);
    expectStatus(res, 202);
    assert.match(locationOf(res).pathname, UPLOAD_PATH(b));
    assert.ok(res.header('docker-upload-uuid'), 'Docker-Upload-UUID missing');
    expectHeader(res, 'range', '0-0');
    const fin = await put(sessionFrom(res, srv.url), digest, data);
    expectStatus(fin, 201);
    await expectBlob(b, data);
  });

  it('mount from a repository that does not exist falls back to 202', async () => {
    const b = uniqueName('mnt3-b');
    const res = await reg.request('POST', `/v2/${b}/blobs/uploads/?mount=${randomDigest()}&from=${uniqueName('ghost')}`);
    expectStatus(res, 202);
    assert.match(locationOf(res).pathname, UPLOAD_PATH(b));
  });

  it('mount=D without from succeeds (201) when D exists in some repository', async () => {
    const a = uniqueName('mnt4-a');
    const c = uniqueName('mnt4-c');
    const data = randomBlob(70);
    const digest = sha256(data);
    await reg.pushBlob(a, data);
    const res = await reg.request('POST', `/v2/${c}/blobs/uploads/?mount=${digest}`);
    expectStatus(res, 201);
    assert.equal(locationOf(res).pathname, `/v2/${c}/blobs/${digest}`);
    expectHeader(res, 'docker-content-digest', digest);
    await expectBlob(c, data);
  });

  it('mounted blob survives deletion from the source repository', async () => {
    const a = uniqueName('mnt5-a');
    const b = uniqueName('mnt5-b');
    const data = randomBlob(71);
    const digest = sha256(data);
    await reg.pushBlob(a, data);
    expectStatus(await reg.request('POST', `/v2/${b}/blobs/uploads/?mount=${digest}&from=${a}`), 201);
    expectStatus(await reg.delete(`/v2/${a}/blobs/${digest}`), 202);
    await expectBlob(b, data);
  });

  it('mount with sha512 digest works', async () => {
    const a = uniqueName('mnt6-a');
    const b = uniqueName('mnt6-b');
    const data = randomBlob(72);
    const digest = sha512(data);
    await reg.pushBlob(a, data, 'sha512');
    const res = await reg.request('POST', `/v2/${b}/blobs/uploads/?mount=${digest}&from=${a}`);
    expectStatus(res, 201);
    await expectBlob(b, data, digest);
  });
});

describe('invariants', () => {
  it('every /v2 response carried Docker-Distribution-API-Version and nothing returned 5xx', () => {
    assertNoViolations();
  });
});
