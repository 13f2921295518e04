// Basic authentication, persistence of upload sessions across a restart, and expiry of abandoned
// uploads. Unlike the other files this one needs several servers; each is disposed in `after`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, startWharf, storedUploads, type WharfProcess } from '../helpers/server.js';
import {
  API_VERSION,
  API_VERSION_HEADER,
  MT,
  Registry,
  assertNoViolations,
  basicAuth,
  expectError,
  expectHeader,
  expectStatus,
  randomBlob,
  sessionFrom,
  sha256,
  sleep,
  uniqueName,
  withQuery,
  type Res,
} from './client.js';

const servers: WharfProcess[] = [];
const tempDirs: string[] = [];

async function start(options: Parameters<typeof startWharf>[0]): Promise<WharfProcess> {
  const srv = await startWharf(options);
  servers.push(srv);
  return srv;
}

after(async () => {
  for (const srv of servers) await srv.dispose();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function minChunk(res: Res): number {
  const min = Number(res.header('oci-chunk-min-length') ?? '0');
  return Number.isFinite(min) && min > 1000 ? Math.min(min, 64 * 1024 * 1024) : 1000;
}

function expectUnauthorized(res: Res): void {
  expectError(res, 401, 'UNAUTHORIZED');
  expectHeader(res, 'www-authenticate', /^Basic realm="[^"]+"/);
  expectHeader(res, API_VERSION_HEADER, API_VERSION);
}

describe('authentication (server without --anonymous)', () => {
  let srv: WharfProcess;
  let anon: Registry;
  let creds: { accessKeyId: string; secretAccessKey: string };
  const credsFile = () => join(srv.dataDir, 'admin-credentials.json');

  before(async () => {
    srv = await start({ anonymous: false });
    anon = new Registry(srv.url);
  });

  it('GET /v2/ without credentials is 401 UNAUTHORIZED with WWW-Authenticate: Basic realm', async () => {
    expectUnauthorized(await anon.get('/v2/'));
  });

  it('other endpoints without credentials are 401 UNAUTHORIZED', async () => {
    const repo = uniqueName('auth');
    expectUnauthorized(await anon.get(`/v2/${repo}/tags/list`));
    expectUnauthorized(await anon.get('/v2/_catalog'));
    expectUnauthorized(await anon.get(`/v2/${repo}/blobs/${sha256('x')}`));
    expectUnauthorized(await anon.get(`/v2/${repo}/manifests/latest`));
    expectUnauthorized(await anon.request('POST', `/v2/${repo}/blobs/uploads/`));
    expectUnauthorized(await anon.request('PUT', `/v2/${repo}/manifests/latest`, {
      headers: { 'content-type': MT.ociManifest },
      body: '{}',
    }));
  });

  it('admin-credentials.json exists with mode 0600 and holds accessKeyId/secretAccessKey', () => {
    const file = credsFile();
    assert.ok(existsSync(file), `${file} missing`);
    const mode = statSync(file).mode & 0o777;
    assert.equal(mode.toString(8), '600', `admin-credentials.json mode is ${mode.toString(8)}`);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(typeof json.accessKeyId, 'string', `keys present: ${Object.keys(json).join(',')}`);
    assert.equal(typeof json.secretAccessKey, 'string', `keys present: ${Object.keys(json).join(',')}`);
    assert.ok(json.accessKeyId.length > 0 && json.secretAccessKey.length > 0);
    creds = { accessKeyId: json.accessKeyId, secretAccessKey: json.secretAccessKey };
  });

  it('Basic auth with the admin credentials is accepted', async () => {
    const reg = anon.withAuth(basicAuth(creds.accessKeyId, creds.secretAccessKey));
    const res = await reg.get('/v2/');
    expectStatus(res, 200);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
  });

  it('a wrong secret, an unknown key id or a malformed header is 401', async () => {
    expectUnauthorized(await anon.get('/v2/', { authorization: basicAuth(creds.accessKeyId, `${creds.secretAccessKey}x`) }));
    expectUnauthorized(await anon.get('/v2/', { authorization: basicAuth(creds.accessKeyId, '') }));
    expectUnauthorized(await anon.get('/v2/', { authorization: basicAuth(`${creds.accessKeyId}X`, creds.secretAccessKey) }));
    expectUnauthorized(await anon.get('/v2/', { authorization: 'Basic !!!notbase64' }));
    expectUnauthorized(await anon.get('/v2/', { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }));
    expectUnauthorized(await anon.get('/v2/', { authorization: 'Bearer abc.def.ghi' }));
    expectUnauthorized(await anon.get('/v2/', { authorization: 'Basic' }));
  });

  it('an authenticated client can push and pull', async () => {
    const reg = anon.withAuth(basicAuth(creds.accessKeyId, creds.secretAccessKey));
    const repo = uniqueName('authpush');
    const img = await reg.pushImage(repo, 'v1');
    const res = await reg.get(`/v2/${repo}/manifests/v1`);
    expectStatus(res, 200);
    assert.ok(res.body.equals(img.bytes));
    const blob = await reg.getBlob(repo, img.layers[0]!.digest);
    expectStatus(blob, 200);
    // ...and the same content is still protected from anonymous access.
    expectUnauthorized(await anon.get(`/v2/${repo}/manifests/v1`));
    expectUnauthorized(await anon.getBlob(repo, img.layers[0]!.digest));
  });
});

describe('restart keeps upload sessions and content', () => {
  let dataDir: string;
  let exitCode: number | null = null;

  it('an upload started before a SIGTERM restart can be completed afterwards', async () => {
    dataDir = makeTempDir('wharf-restart-');
    tempDirs.push(dataDir);
    const first = await start({ dataDir, anonymous: true });
    const reg1 = new Registry(first.url);
    const repo = uniqueName('restart');
    const kept = await reg1.pushImage(repo, 'kept');

    const post = await reg1.request('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(post, 202);
    const size = minChunk(post);
    const c1 = randomBlob(size);
    const c2 = randomBlob(size);
    const c3 = randomBlob(55);
    const all = Buffer.concat([c1, c2, c3]);
    const s = sessionFrom(post, first.url);
    const p1 = await reg1.request('PATCH', s.location, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${c1.length - 1}` },
      body: c1,
    });
    expectStatus(p1, 202);
    const loc = new URL(sessionFrom(p1, first.url).location);
    exitCode = await first.stop();

    const second = await start({ dataDir, anonymous: true });
    const reg2 = new Registry(second.url);
    const location = reg2.url(loc.pathname + loc.search);

    const status = await reg2.get(location);
    expectStatus(status, 204);
    expectHeader(status, 'range', `0-${c1.length - 1}`);

    const p2 = await reg2.request('PATCH', location, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${c1.length}-${c1.length + c2.length - 1}` },
      body: c2,
    });
    expectStatus(p2, 202);
    expectHeader(p2, 'range', `0-${c1.length + c2.length - 1}`);
    const next = sessionFrom(p2, second.url).location;
    const digest = sha256(all);
    const fin = await reg2.request('PUT', withQuery(next, { digest }), {
      headers: { 'content-type': 'application/octet-stream' },
      body: c3,
    });
    expectStatus(fin, 201);
    const blob = await reg2.getBlob(repo, digest);
    expectStatus(blob, 200);
    assert.ok(blob.body.equals(all), 'blob content after restart differs');

    // Content pushed before the restart is still there.
    const m = await reg2.get(`/v2/${repo}/manifests/kept`);
    expectStatus(m, 200);
    assert.ok(m.body.equals(kept.bytes));
    await second.stop();
  });

  it('the server exits with code 0 on SIGTERM', () => {
    assert.equal(exitCode, 0, `exit code after SIGTERM was ${exitCode}`);
  });

  it('content and an upload session survive SIGKILL', async () => {
    const dir = makeTempDir('wharf-kill-');
    tempDirs.push(dir);
    const first = await start({ dataDir: dir, anonymous: true });
    const reg1 = new Registry(first.url);
    const repo = uniqueName('killed');
    const img = await reg1.pushImage(repo, 'v1');
    const post = await reg1.request('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(post, 202);
    const c1 = randomBlob(minChunk(post));
    const p1 = await reg1.request('PATCH', sessionFrom(post, first.url).location, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${c1.length - 1}` },
      body: c1,
    });
    expectStatus(p1, 202);
    const loc = new URL(sessionFrom(p1, first.url).location);
    await first.kill();

    const second = await start({ dataDir: dir, anonymous: true });
    const reg2 = new Registry(second.url);
    const m = await reg2.get(`/v2/${repo}/manifests/v1`);
    expectStatus(m, 200);
    assert.ok(m.body.equals(img.bytes));
    const layer = await reg2.getBlob(repo, img.layers[0]!.digest);
    expectStatus(layer, 200);
    const tags = await reg2.get(`/v2/${repo}/tags/list`);
    assert.deepEqual(tags.json().tags, ['v1']);
    const c2 = randomBlob(9);
    const all = Buffer.concat([c1, c2]);
    const fin = await reg2.request('PUT', withQuery(reg2.url(loc.pathname + loc.search), { digest: sha256(all) }), {
      headers: { 'content-type': 'application/octet-stream' },
      body: c2,
    });
    expectStatus(fin, 201);
    const blob = await reg2.getBlob(repo, sha256(all));
    expectStatus(blob, 200);
    assert.ok(blob.body.equals(all));
    await second.stop();
  });
});

describe('abandoned uploads expire (--upload-ttl 2s)', () => {
  let srv: WharfProcess;
  let reg: Registry;
  before(async () => {
    srv = await start({ anonymous: true, extraArgs: ['--upload-ttl', '2s'] });
    reg = new Registry(srv.url);
  });

  it('an idle upload is gone after the ttl (no file left under uploads/) while an active one survives', { timeout: 30_000 }, async () => {
    const repo = uniqueName('ttl');
    const keep = randomBlob(77);
    await reg.pushBlob(repo, keep);

    // Idle upload: one chunk, then nothing.
    const post = await reg.request('POST', `/v2/${repo}/blobs/uploads/`);
    expectStatus(post, 202);
    const idle = sessionFrom(post, srv.url);
    const size = minChunk(post);
    const data = randomBlob(size);
    const p = await reg.request('PATCH', idle.location, {
      headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${data.length - 1}` },
      body: data,
    });
    expectStatus(p, 202);
    assert.ok((await storedUploads(srv.dataDir)).length > 0, 'expected the in-progress upload in the blob store');
    const idleStart = Date.now();

    // Active upload: a chunk every 1.1 s (less than the ttl) for ~4.4 s, then completed.
    const activeRepo = uniqueName('ttl-active');
    const activePost = await reg.request('POST', `/v2/${activeRepo}/blobs/uploads/`);
    expectStatus(activePost, 202);
    let active = sessionFrom(activePost, srv.url);
    const chunks: Buffer[] = [];
    let offset = 0;
    for (let i = 0; i < 4; i++) {
      const c = randomBlob(size);
      const r = await reg.request('PATCH', active.location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + c.length - 1}` },
        body: c,
      });
      expectStatus(r, 202);
      active = sessionFrom(r, srv.url);
      chunks.push(c);
      offset += c.length;
      await sleep(1100);
    }
    const all = Buffer.concat(chunks);
    const fin = await reg.request('PUT', withQuery(active.location, { digest: sha256(all) }), { body: Buffer.alloc(0) });
    expectStatus(fin, 201);
    const activeBlob = await reg.getBlob(activeRepo, sha256(all));
    expectStatus(activeBlob, 200);
    assert.ok(activeBlob.body.equals(all));

    const waited = Date.now() - idleStart;
    if (waited < 4000) await sleep(4000 - waited);
    expectError(await reg.get(idle.location), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.deepEqual(await storedUploads(srv.dataDir), [], 'uploads remain in the blob store after expiry and completion');
    // Completed content is untouched by the sweep.
    const blob = await reg.getBlob(repo, sha256(keep));
    expectStatus(blob, 200);
    assert.ok(blob.body.equals(keep));
  });
});

describe('invariants', () => {
  it('every /v2 response carried Docker-Distribution-API-Version and nothing returned 5xx', () => {
    assertNoViolations();
  });
});
