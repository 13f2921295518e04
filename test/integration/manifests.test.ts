// Manifest push/pull/HEAD/delete for all supported media types, validation errors and
// content negotiation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startWharf, type WharfProcess } from '../helpers/server.js';
import {
  API_VERSION,
  API_VERSION_HEADER,
  MT,
  Registry,
  assertNoViolations,
  configBlob,
  expectError,
  expectHeader,
  expectStatus,
  imageIndex,
  imageManifest,
  locationOf,
  manifestBytes,
  randomBlob,
  randomDigest,
  sha256,
  uniqueName,
  type Descriptor,
  type ImageResult,
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

async function expectManifest(repo: string, reference: string, bytes: Buffer, mediaType: string, accept?: string): Promise<void> {
  const digest = sha256(bytes);
  const headers = accept ? { accept } : undefined;
  const res = await reg.get(`/v2/${repo}/manifests/${reference}`, headers);
  expectStatus(res, 200);
  expectHeader(res, API_VERSION_HEADER, API_VERSION);
  expectHeader(res, 'content-type', mediaType);
  expectHeader(res, 'docker-content-digest', digest);
  expectHeader(res, 'content-length', String(bytes.length));
  assert.ok(res.body.equals(bytes), `GET ${repo}:${reference} did not return the exact bytes pushed`);
  const head = await reg.head(`/v2/${repo}/manifests/${reference}`, headers);
  expectStatus(head, 200);
  expectHeader(head, API_VERSION_HEADER, API_VERSION);
  expectHeader(head, 'content-type', mediaType);
  expectHeader(head, 'docker-content-digest', digest);
  expectHeader(head, 'content-length', String(bytes.length));
  assert.equal(head.body.length, 0);
}

/** Uploads a config and one layer, returning descriptors (OCI or Docker media types). */
async function blobsFor(repo: string, docker = false): Promise<{ config: Descriptor; layers: Descriptor[] }> {
  const config = await reg.pushBlob(repo, configBlob());
  const layer = await reg.pushBlob(repo, randomBlob(128));
  return {
    config: { ...config, mediaType: docker ? MT.dockerConfig : MT.ociConfig },
    layers: [{ ...layer, mediaType: docker ? MT.dockerLayer : MT.ociLayer }],
  };
}

describe('push and pull each manifest media type', () => {
  const repo = uniqueName('types');

  it(`${MT.ociManifest}: PUT by tag is 201 with Location and Docker-Content-Digest; GET/HEAD by tag and digest`, async () => {
    const { config, layers } = await blobsFor(repo);
    const bytes = manifestBytes(imageManifest({ config, layers, annotations: { 'org.example.k': 'v' } }));
    const res = await reg.putManifest(repo, 'oci', bytes, MT.ociManifest);
    expectStatus(res, 201);
    expectHeader(res, API_VERSION_HEADER, API_VERSION);
    expectHeader(res, 'docker-content-digest', sha256(bytes));
    const loc = locationOf(res);
    assert.match(loc.pathname, new RegExp(`^/v2/${repo}/manifests/`));
    const viaLocation = await reg.get(loc.href);
    expectStatus(viaLocation, 200);
    assert.ok(viaLocation.body.equals(bytes));
    await expectManifest(repo, 'oci', bytes, MT.ociManifest);
    await expectManifest(repo, sha256(bytes), bytes, MT.ociManifest);
  });

  it(`${MT.dockerManifest}: push and pull by tag and digest`, async () => {
    const { config, layers } = await blobsFor(repo, true);
    const bytes = manifestBytes(imageManifest({ mediaType: MT.dockerManifest, config, layers }));
    const res = await reg.putManifest(repo, 'docker', bytes, MT.dockerManifest);
    expectStatus(res, 201);
    expectHeader(res, 'docker-content-digest', sha256(bytes));
    assert.ok(res.header('location'), 'Location missing');
    await expectManifest(repo, 'docker', bytes, MT.dockerManifest);
    await expectManifest(repo, sha256(bytes), bytes, MT.dockerManifest);
  });

  it(`${MT.ociIndex}: push and pull by tag and digest`, async () => {
    const amd = await reg.pushImage(repo);
    const arm = await reg.pushImage(repo);
    const bytes = manifestBytes(imageIndex({
      manifests: [
        { ...amd.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
        { ...arm.descriptor, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    }));
    const res = await reg.putManifest(repo, 'index', bytes, MT.ociIndex);
    expectStatus(res, 201);
    expectHeader(res, 'docker-content-digest', sha256(bytes));
    assert.ok(res.header('location'), 'Location missing');
    await expectManifest(repo, 'index', bytes, MT.ociIndex);
    await expectManifest(repo, sha256(bytes), bytes, MT.ociIndex);
  });

  it(`${MT.dockerList}: push and pull by tag and digest`, async () => {
    const amd = await reg.pushImage(repo, undefined, { docker: true });
    const arm = await reg.pushImage(repo, undefined, { docker: true });
    const bytes = manifestBytes(imageIndex({
      mediaType: MT.dockerList,
      manifests: [
        { ...amd.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
        { ...arm.descriptor, platform: { architecture: 'arm', os: 'linux', variant: 'v7' } },
      ],
    }));
    const res = await reg.putManifest(repo, 'list', bytes, MT.dockerList);
    expectStatus(res, 201);
    expectHeader(res, 'docker-content-digest', sha256(bytes));
    assert.ok(res.header('location'), 'Location missing');
    await expectManifest(repo, 'list', bytes, MT.dockerList);
    await expectManifest(repo, sha256(bytes), bytes, MT.dockerList);
  });

  it('compact (no whitespace) JSON is stored byte-for-byte too', async () => {
    const { config, layers } = await blobsFor(repo);
    const bytes = Buffer.from(JSON.stringify(imageManifest({ config, layers })));
    const pushed = await reg.pushManifest(repo, 'compact', bytes, MT.ociManifest);
    await expectManifest(repo, 'compact', bytes, MT.ociManifest);
    await expectManifest(repo, pushed.digest, bytes, MT.ociManifest);
  });
});

describe('push by digest', () => {
  it('PUT by matching digest is 201 and pullable by digest', async () => {
    const repo = uniqueName('bydigest');
    const { config, layers } = await blobsFor(repo);
    const bytes = manifestBytes(imageManifest({ config, layers }));
    const digest = sha256(bytes);
    const res = await reg.putManifest(repo, digest, bytes, MT.ociManifest);
    expectStatus(res, 201);
    expectHeader(res, 'docker-content-digest', digest);
    assert.equal(locationOf(res).pathname, `/v2/${repo}/manifests/${digest}`);
    await expectManifest(repo, digest, bytes, MT.ociManifest);
  });

  it('PUT by a digest that does not match the bytes is 400 DIGEST_INVALID', async () => {
    const repo = uniqueName('bydigestbad');
    const { config, layers } = await blobsFor(repo);
    const bytes = manifestBytes(imageManifest({ config, layers }));
    const wrong = randomDigest();
    expectError(await reg.putManifest(repo, wrong, bytes, MT.ociManifest), 400, 'DIGEST_INVALID');
    expectError(await reg.get(`/v2/${repo}/manifests/${wrong}`), 404, 'MANIFEST_UNKNOWN');
    expectError(await reg.get(`/v2/${repo}/manifests/${sha256(bytes)}`), 404, 'MANIFEST_UNKNOWN');
  });

  it('invalid digest syntax as reference is 400 DIGEST_INVALID on GET, PUT and DELETE', async () => {
    const repo = uniqueName('refdigest');
    const img = await reg.pushImage(repo, 'latest');
    for (const bad of ['sha256:xyz', `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(10)}`]) {
      expectError(await reg.get(`/v2/${repo}/manifests/${bad}`), 400, 'DIGEST_INVALID');
      expectError(await reg.putManifest(repo, bad, img.bytes, MT.ociManifest), 400, 'DIGEST_INVALID');
      expectError(await reg.delete(`/v2/${repo}/manifests/${bad}`), 400, 'DIGEST_INVALID');
    }
  });
});

describe('tags on PUT', () => {
  const repo = uniqueName('tags');
  let img: ImageResult;
  before(async () => {
    img = await reg.pushImage(repo, 'base');
  });

  for (const tag of ['.dot', '-dash', 'a'.repeat(129), 'bad%20tag', 'bang%21', 'plus%2Bsign', '%C3%A9t%C3%A9']) {
    it(`invalid tag ${tag.slice(0, 20)} is 400 TAG_INVALID`, async () => {
      expectError(await reg.putManifest(repo, tag, img.bytes, MT.ociManifest), 400, 'TAG_INVALID');
    });
  }

  for (const tag of ['a'.repeat(128), '_under', 'A.b-C_9', '0', 'UPPER']) {
    it(`valid tag ${tag.slice(0, 20)} is accepted`, async () => {
      await reg.pushManifest(repo, tag, img.bytes, MT.ociManifest);
      await expectManifest(repo, tag, img.bytes, MT.ociManifest);
    });
  }

  it('re-tagging moves the tag; the old manifest stays pullable by digest', async () => {
    const other = await reg.pushImage(repo, 'moving');
    const next = await reg.pushImage(repo, 'moving');
    await expectManifest(repo, 'moving', next.bytes, MT.ociManifest);
    await expectManifest(repo, other.descriptor.digest, other.bytes, MT.ociManifest);
  });

  it('parameters on the PUT Content-Type are ignored; GET returns the bare media type', async () => {
    await reg.pushManifest(repo, 'params', img.bytes, `${MT.ociManifest}; charset=utf-8`);
    await expectManifest(repo, 'params', img.bytes, MT.ociManifest);
  });

  it('pushing the same manifest twice is 201 both times', async () => {
    await reg.pushManifest(repo, 'twice', img.bytes, MT.ociManifest);
    await reg.pushManifest(repo, 'twice', img.bytes, MT.ociManifest);
    await expectManifest(repo, 'twice', img.bytes, MT.ociManifest);
  });
});

describe('manifest validation errors', () => {
  const repo = uniqueName('invalid');
  let config: Descriptor;
  let layers: Descriptor[];
  before(async () => {
    ({ config, layers } = await blobsFor(repo));
  });

  it('a missing layer blob is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const bytes = manifestBytes(imageManifest({ config, layers: [...layers, { mediaType: MT.ociLayer, digest: randomDigest(), size: 10 }] }));
    expectError(await reg.putManifest(repo, 'missinglayer', bytes, MT.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
    expectError(await reg.get(`/v2/${repo}/manifests/missinglayer`), 404, 'MANIFEST_UNKNOWN');
  });

  it('a missing config blob is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const bytes = manifestBytes(imageManifest({ config: { mediaType: MT.ociConfig, digest: randomDigest(), size: 10 }, layers }));
    expectError(await reg.putManifest(repo, 'missingconfig', bytes, MT.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('a docker v2 manifest with a missing layer is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const bytes = manifestBytes(imageManifest({
      mediaType: MT.dockerManifest,
      config: { ...config, mediaType: MT.dockerConfig },
      layers: [{ mediaType: MT.dockerLayer, digest: randomDigest(), size: 10 }],
    }));
    expectError(await reg.putManifest(repo, 'dmissing', bytes, MT.dockerManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('a blob that exists only in another repository counts as missing', async () => {
    const other = uniqueName('other');
    const foreign = await reg.pushBlob(other, randomBlob(99));
    const bytes = manifestBytes(imageManifest({ config, layers: [{ ...foreign, mediaType: MT.ociLayer }] }));
    expectError(await reg.putManifest(repo, 'foreignlayer', bytes, MT.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('an OCI index with a missing child manifest is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const child = await reg.pushImage(repo);
    const bytes = manifestBytes(imageIndex({
      manifests: [child.descriptor, { mediaType: MT.ociManifest, digest: randomDigest(), size: 500 }],
    }));
    expectError(await reg.putManifest(repo, 'missingchild', bytes, MT.ociIndex), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('a docker manifest list with a missing child is 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const bytes = manifestBytes(imageIndex({
      mediaType: MT.dockerList,
      manifests: [{ mediaType: MT.dockerManifest, digest: randomDigest(), size: 500 }],
    }));
    expectError(await reg.putManifest(repo, 'missingchild2', bytes, MT.dockerList), 400, 'MANIFEST_BLOB_UNKNOWN');
  });

  for (const [label, body] of [
    ['truncated JSON', '{"schemaVersion": 2, "mediaType": '],
    ['not JSON at all', 'hello world'],
    ['empty body', ''],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"manifest"'],
  ] as const) {
    it(`malformed manifest (${label}) is 400 MANIFEST_INVALID`, async () => {
      expectError(await reg.putManifest(repo, 'malformed', body, MT.ociManifest), 400, 'MANIFEST_INVALID');
    });
  }

  it('invalid UTF-8 and pathologically nested JSON are 400 MANIFEST_INVALID', async () => {
    const binary = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    expectError(await reg.putManifest(repo, 'binary', binary, MT.ociManifest), 400, 'MANIFEST_INVALID');
    const nested = Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expectError(await reg.putManifest(repo, 'nested', nested, MT.ociManifest), 400, 'MANIFEST_INVALID');
    // The server is still healthy afterwards.
    expectStatus(await reg.get('/v2/'), 200);
  });

  it('structurally invalid manifests are 400 MANIFEST_INVALID', async () => {
    const cases: Record<string, unknown>[] = [
      { schemaVersion: 2, mediaType: MT.ociManifest, layers: [] }, // no config
      { schemaVersion: 3, mediaType: MT.ociManifest, config, layers },
      { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: 'nope' },
      { schemaVersion: 2, mediaType: MT.ociManifest, config: 'sha256:abc', layers },
      { schemaVersion: 2, mediaType: MT.ociIndex, manifests: 'nope' },
    ];
    for (const c of cases) {
      const ct = c.mediaType as string;
      const res = await reg.putManifest(repo, 'structural', manifestBytes(c), ct);
      expectError(res, 400, 'MANIFEST_INVALID');
    }
  });

  it('a descriptor with an invalid digest is 400 (MANIFEST_INVALID or DIGEST_INVALID)', async () => {
    const bytes = manifestBytes(imageManifest({ config, layers: [{ mediaType: MT.ociLayer, digest: 'sha256:not-a-digest', size: 10 }] }));
    expectError(await reg.putManifest(repo, 'baddesc', bytes, MT.ociManifest), 400, ['MANIFEST_INVALID', 'DIGEST_INVALID']);
  });

  for (const mediaType of [MT.schema1Signed, MT.schema1]) {
    it(`schema 1 (${mediaType}) is 400 MANIFEST_INVALID mentioning schema 1`, async () => {
      const body: Record<string, unknown> = {
        schemaVersion: 1,
        name: repo,
        tag: 'old',
        architecture: 'amd64',
        fsLayers: [{ blobSum: layers[0]!.digest }],
        history: [{ v1Compatibility: '{"id":"abc"}' }],
      };
      if (mediaType === MT.schema1Signed) {
        body.signatures = [{ header: { jwk: { crv: 'P-256', kty: 'EC', x: 'x', y: 'y' }, alg: 'ES256' }, signature: 'sig', protected: 'prot' }];
      }
      const res = await reg.putManifest(repo, 'old', manifestBytes(body), mediaType);
      const errors = expectError(res, 400, 'MANIFEST_INVALID');
      const text = errors.map((e) => `${e.message ?? ''} ${JSON.stringify(e.detail ?? '')}`).join(' ');
      assert.match(text, /schema\s*-?\s*(version\s*)?:?\s*1\b|schema\s*v1|schema1/i, `error should mention schema 1: ${text}`);
    });
  }

  it('mediaType in the body disagreeing with Content-Type is 400 MANIFEST_INVALID', async () => {
    const oci = manifestBytes(imageManifest({ config, layers }));
    expectError(await reg.putManifest(repo, 'mismatch1', oci, MT.dockerManifest), 400, 'MANIFEST_INVALID');
    const docker = manifestBytes(imageManifest({ mediaType: MT.dockerManifest, config: { ...config, mediaType: MT.dockerConfig }, layers }));
    expectError(await reg.putManifest(repo, 'mismatch2', docker, MT.ociManifest), 400, 'MANIFEST_INVALID');
    expectError(await reg.putManifest(repo, 'mismatch3', oci, MT.ociIndex), 400, 'MANIFEST_INVALID');
    expectError(await reg.get(`/v2/${repo}/manifests/mismatch1`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('manifest size limit', () => {
  const repo = uniqueName('size');
  let config: Descriptor;
  let layers: Descriptor[];
  before(async () => {
    ({ config, layers } = await blobsFor(repo));
  });

  function manifestOfSize(total: number): Buffer {
    const base = manifestBytes(imageManifest({ config, layers, annotations: { pad: '' } }));
    const padLen = total - base.length;
    assert.ok(padLen >= 0);
    const bytes = manifestBytes(imageManifest({ config, layers, annotations: { pad: 'x'.repeat(padLen) } }));
    assert.equal(bytes.length, total);
    return bytes;
  }

  it('a manifest of exactly 4 MiB is accepted', async () => {
    const bytes = manifestOfSize(4 * 1024 * 1024);
    await reg.pushManifest(repo, 'exactly4m', bytes, MT.ociManifest);
    await expectManifest(repo, 'exactly4m', bytes, MT.ociManifest);
  });

  it('a manifest bigger than 4 MiB is 413 SIZE_INVALID', async () => {
    const bytes = manifestOfSize(4 * 1024 * 1024 + 1);
    expectError(await reg.putManifest(repo, 'toobig', bytes, MT.ociManifest), 413, 'SIZE_INVALID');
    const bigger = manifestOfSize(6 * 1024 * 1024);
    expectError(await reg.putManifest(repo, 'toobig', bigger, MT.ociManifest), 413, 'SIZE_INVALID');
    expectError(await reg.get(`/v2/${repo}/manifests/toobig`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('content negotiation', () => {
  const repo = uniqueName('accept');
  let indexBytes: Buffer;
  before(async () => {
    const child = await reg.pushImage(repo);
    indexBytes = manifestBytes(imageIndex({ manifests: [child.descriptor] }));
    await reg.pushManifest(repo, 'multi', indexBytes, MT.ociIndex);
  });

  it('OCI index requested with Accept: docker v2 manifest only is 404 MANIFEST_UNKNOWN', async () => {
    const res = await reg.get(`/v2/${repo}/manifests/multi`, { accept: MT.dockerManifest });
    expectError(res, 404, 'MANIFEST_UNKNOWN');
    expectStatus(await reg.head(`/v2/${repo}/manifests/multi`, { accept: MT.dockerManifest }), 404);
  });

  it('Accept: */* returns the index', async () => {
    await expectManifest(repo, 'multi', indexBytes, MT.ociIndex, '*/*');
  });

  it('no Accept header returns the index', async () => {
    const res = await reg.raw('GET', `/v2/${repo}/manifests/multi`);
    expectStatus(res, 200);
    expectHeader(res, 'content-type', MT.ociIndex);
    expectHeader(res, 'docker-content-digest', sha256(indexBytes));
    assert.ok(res.body.equals(indexBytes));
  });

  it('an Accept list containing the index type returns it', async () => {
    await expectManifest(repo, 'multi', indexBytes, MT.ociIndex, `${MT.dockerManifest}, ${MT.ociManifest}, ${MT.ociIndex}`);
    await expectManifest(repo, 'multi', indexBytes, MT.ociIndex, MT.ociIndex);
  });

  it('Accept: application/* wildcard returns the index', async () => {
    await expectManifest(repo, 'multi', indexBytes, MT.ociIndex, 'application/*');
  });
});

describe('manifest GET errors', () => {
  it('unknown tag / digest in an existing repository is 404 MANIFEST_UNKNOWN', async () => {
    const repo = uniqueName('unknown');
    await reg.pushImage(repo, 'present');
    expectError(await reg.get(`/v2/${repo}/manifests/absent`), 404, 'MANIFEST_UNKNOWN');
    expectError(await reg.get(`/v2/${repo}/manifests/${randomDigest()}`), 404, 'MANIFEST_UNKNOWN');
    const head = await reg.head(`/v2/${repo}/manifests/absent`);
    expectStatus(head, 404);
    assert.equal(head.body.length, 0);
  });

  it('manifest in an unknown repository is 404 MANIFEST_UNKNOWN or NAME_UNKNOWN', async () => {
    expectError(await reg.get(`/v2/${uniqueName('ghost')}/manifests/latest`), 404, ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);
    expectStatus(await reg.head(`/v2/${uniqueName('ghost')}/manifests/latest`), 404);
  });

  it('a manifest pushed to repo A is not visible in repo B', async () => {
    const a = uniqueName('mani-a');
    const b = uniqueName('mani-b');
    const img = await reg.pushImage(a, 'x');
    await reg.pushImage(b, 'y');
    expectError(await reg.get(`/v2/${b}/manifests/${img.descriptor.digest}`), 404, 'MANIFEST_UNKNOWN');
    expectError(await reg.get(`/v2/${b}/manifests/x`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('manifest delete', () => {
  it('DELETE by digest is 202; GET by digest and by each of its tags is then 404 MANIFEST_UNKNOWN', async () => {
    const repo = uniqueName('delman');
    const keep = await reg.pushImage(repo, 'keep');
    const img = await reg.pushImage(repo, 't1');
    await reg.pushManifest(repo, 't2', img.bytes, MT.ociManifest);
    const del = await reg.delete(`/v2/${repo}/manifests/${img.descriptor.digest}`);
    expectStatus(del, 202);
    expectHeader(del, API_VERSION_HEADER, API_VERSION);
    expectError(await reg.get(`/v2/${repo}/manifests/${img.descriptor.digest}`), 404, 'MANIFEST_UNKNOWN');
    expectError(await reg.get(`/v2/${repo}/manifests/t1`), 404, 'MANIFEST_UNKNOWN');
    expectError(await reg.get(`/v2/${repo}/manifests/t2`), 404, 'MANIFEST_UNKNOWN');
    expectStatus(await reg.head(`/v2/${repo}/manifests/${img.descriptor.digest}`), 404);
    const tags = await reg.get(`/v2/${repo}/tags/list`);
    expectStatus(tags, 200);
    assert.deepEqual(tags.json().tags, ['keep']);
    await expectManifest(repo, 'keep', keep.bytes, MT.ociManifest);
  });

  it('DELETE by tag is 202; the tag is gone but the manifest remains by digest', async () => {
    const repo = uniqueName('deltag');
    const img = await reg.pushImage(repo, 'a');
    await reg.pushManifest(repo, 'b', img.bytes, MT.ociManifest);
    const del = await reg.delete(`/v2/${repo}/manifests/a`);
    expectStatus(del, 202);
    expectError(await reg.get(`/v2/${repo}/manifests/a`), 404, 'MANIFEST_UNKNOWN');
    await expectManifest(repo, img.descriptor.digest, img.bytes, MT.ociManifest);
    await expectManifest(repo, 'b', img.bytes, MT.ociManifest);
    const tags = await reg.get(`/v2/${repo}/tags/list`);
    assert.deepEqual(tags.json().tags, ['b']);
  });

  it('DELETE of an unknown digest or tag is 404 MANIFEST_UNKNOWN', async () => {
    const repo = uniqueName('delunknown');
    await reg.pushImage(repo, 'x');
    expectError(await reg.delete(`/v2/${repo}/manifests/${randomDigest()}`), 404, 'MANIFEST_UNKNOWN');
    expectError(await reg.delete(`/v2/${repo}/manifests/nope`), 404, 'MANIFEST_UNKNOWN');
  });

  it('a deleted manifest can be pushed again', async () => {
    const repo = uniqueName('repush');
    const img = await reg.pushImage(repo, 'v');
    expectStatus(await reg.delete(`/v2/${repo}/manifests/${img.descriptor.digest}`), 202);
    await reg.pushManifest(repo, 'v', img.bytes, MT.ociManifest);
    await expectManifest(repo, 'v', img.bytes, MT.ociManifest);
  });
});

describe('invariants', () => {
  it('every /v2 response carried Docker-Distribution-API-Version and nothing returned 5xx', () => {
    assertNoViolations();
  });
});
