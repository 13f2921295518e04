// Artifacts with `subject` and the referrers API (GET /v2/<name>/referrers/<digest>).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startWharf, type WharfProcess } from '../helpers/server.js';
import {
  API_VERSION,
  API_VERSION_HEADER,
  EMPTY_JSON,
  EMPTY_JSON_DIGEST,
  MT,
  Registry,
  assertNoViolations,
  expectError,
  expectHeader,
  expectStatus,
  imageIndex,
  imageManifest,
  manifestBytes,
  randomBlob,
  randomDigest,
  sha256,
  uniqueName,
  type Descriptor,
  type ImageResult,
  type Res,
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

const SBOM = 'application/vnd.example.sbom.v1';
const SIG = 'application/vnd.example.signature.v1';
const CUSTOM_CONFIG = 'application/vnd.example.config.v1+json';
const EMPTY: Descriptor = { mediaType: MT.empty, digest: EMPTY_JSON_DIGEST, size: 2 };

interface Expected {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

function referrersBody(res: Res): { schemaVersion: number; mediaType: string; manifests: Record<string, unknown>[] } {
  expectStatus(res, 200);
  expectHeader(res, API_VERSION_HEADER, API_VERSION);
  // The exact value (no parameters) is asserted once in its own test below.
  expectHeader(res, 'content-type', /^application\/vnd\.oci\.image\.index\.v1\+json\s*(;|$)/);
  const body = res.json();
  assert.equal(body.schemaVersion, 2, 'referrers index schemaVersion');
  assert.equal(body.mediaType, MT.ociIndex, 'referrers index mediaType');
  assert.ok(Array.isArray(body.manifests), 'referrers index manifests must be an array');
  return body;
}

/** Compares descriptor lists order-insensitively, on the fields the spec requires. */
function assertDescriptors(actual: Record<string, unknown>[], expected: Expected[]): void {
  const pick = (d: Record<string, unknown>) => {
    const out: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
    if (d.artifactType !== undefined) out.artifactType = d.artifactType;
    if (d.annotations !== undefined && Object.keys(d.annotations as object).length > 0) out.annotations = d.annotations;
    return out;
  };
  const sort = (list: Record<string, unknown>[]) => [...list].sort((x, y) => String(x.digest).localeCompare(String(y.digest)));
  assert.deepEqual(sort(actual.map(pick)), sort(expected.map((e) => pick(e as unknown as Record<string, unknown>))));
}

describe('referrers', () => {
  const repo = uniqueName('refs');
  let subject: ImageResult;
  let sbom: Expected;
  let sig: Expected;
  let plain: Expected;
  let index: Expected;
  let subjectDescriptor: Descriptor;
  const repo2 = uniqueName('refs-other');
  let elsewhere: Expected;

  before(async () => {
    // Build (but do not push yet) the subject image so referrers can precede it.
    const layer = await reg.pushBlob(repo, randomBlob(100));
    const config = await reg.pushBlob(repo, Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
    const bytes = manifestBytes(imageManifest({ config: { ...config, mediaType: MT.ociConfig }, layers: [{ ...layer, mediaType: MT.ociLayer }] }));
    subjectDescriptor = { mediaType: MT.ociManifest, digest: sha256(bytes), size: bytes.length };
    subject = { descriptor: subjectDescriptor, bytes, config, layers: [layer] };
    const empty = await reg.pushBlob(repo, EMPTY_JSON);
    assert.equal(empty.digest, EMPTY_JSON_DIGEST);
  });

  it('an artifact whose subject does not exist yet is accepted with OCI-Subject', async () => {
    const payload = await reg.pushBlob(repo, Buffer.from('{"sbom":true}'));
    const annotations = { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.sbom.format': 'json' };
    const bytes = manifestBytes(imageManifest({
      artifactType: SBOM,
      config: EMPTY,
      layers: [{ ...payload, mediaType: 'application/json' }],
      subject: subjectDescriptor,
      annotations,
    }));
    const res = await reg.putManifest(repo, sha256(bytes), bytes, MT.ociManifest);
    expectStatus(res, 201);
    expectHeader(res, 'oci-subject', subjectDescriptor.digest);
    expectHeader(res, 'docker-content-digest', sha256(bytes));
    sbom = { mediaType: MT.ociManifest, digest: sha256(bytes), size: bytes.length, artifactType: SBOM, annotations };
  });

  it('the subject can be pushed afterwards', async () => {
    const res = await reg.putManifest(repo, 'v1', subject.bytes, MT.ociManifest);
    expectStatus(res, 201);
    assert.equal(res.header('oci-subject'), null, 'a manifest without subject must not get OCI-Subject');
  });

  it('an artifact pushed by tag with empty layers list gets OCI-Subject', async () => {
    const bytes = manifestBytes(imageManifest({
      artifactType: SIG,
      config: EMPTY,
      layers: [{ ...EMPTY }],
      subject: subjectDescriptor,
    }));
    const res = await reg.putManifest(repo, 'sig-tag', bytes, MT.ociManifest);
    expectStatus(res, 201);
    expectHeader(res, 'oci-subject', subjectDescriptor.digest);
    sig = { mediaType: MT.ociManifest, digest: sha256(bytes), size: bytes.length, artifactType: SIG };
  });

  it('a manifest with subject but without artifactType is accepted', async () => {
    const cfg = await reg.pushBlob(repo, Buffer.from('{"custom":1}'));
    const annotations = { 'org.example.note': 'plain' };
    const bytes = manifestBytes(imageManifest({
      config: { ...cfg, mediaType: CUSTOM_CONFIG },
      layers: [],
      subject: subjectDescriptor,
      annotations,
    }));
    const res = await reg.putManifest(repo, sha256(bytes), bytes, MT.ociManifest);
    expectStatus(res, 201);
    expectHeader(res, 'oci-subject', subjectDescriptor.digest);
    plain = { mediaType: MT.ociManifest, digest: sha256(bytes), size: bytes.length, artifactType: CUSTOM_CONFIG, annotations };
  });

  it('an index with subject and no artifactType is accepted', async () => {
    const child = await reg.pushImage(repo);
    const annotations = { 'org.example.kind': 'index' };
    const bytes = manifestBytes(imageIndex({ manifests: [child.descriptor], subject: subjectDescriptor, annotations }));
    const res = await reg.putManifest(repo, sha256(bytes), bytes, MT.ociIndex);
    expectStatus(res, 201);
    expectHeader(res, 'oci-subject', subjectDescriptor.digest);
    index = { mediaType: MT.ociIndex, digest: sha256(bytes), size: bytes.length, annotations };
  });

  it('manifests referring to other subjects or living in other repositories are not listed', async () => {
    const other = manifestBytes(imageManifest({ artifactType: SBOM, config: EMPTY, layers: [{ ...EMPTY }], subject: { mediaType: MT.ociManifest, digest: randomDigest(), size: 123 } }));
    expectStatus(await reg.putManifest(repo, sha256(other), other, MT.ociManifest), 201);
    await reg.pushBlob(repo2, EMPTY_JSON);
    const annotations = { where: 'repo2' };
    const bytes = manifestBytes(imageManifest({ artifactType: SBOM, config: EMPTY, layers: [{ ...EMPTY }], subject: subjectDescriptor, annotations }));
    expectStatus(await reg.putManifest(repo2, sha256(bytes), bytes, MT.ociManifest), 201);
    elsewhere = { mediaType: MT.ociManifest, digest: sha256(bytes), size: bytes.length, artifactType: SBOM, annotations };
  });

  it('GET referrers lists every referrer with mediaType, digest, size, artifactType and annotations', async () => {
    const res = await reg.get(`/v2/${repo}/referrers/${subjectDescriptor.digest}`);
    const body = referrersBody(res);
    assertDescriptors(body.manifests, [sbom, sig, plain, index]);
    const idx = body.manifests.find((d) => d.digest === index.digest);
    assert.ok(idx);
    assert.equal(idx.artifactType, undefined, 'artifactType must be omitted for an index without artifactType');
    const p = body.manifests.find((d) => d.digest === plain.digest);
    assert.equal(p?.artifactType, CUSTOM_CONFIG, 'artifactType falls back to the config mediaType');
    assert.equal(res.header('oci-filters-applied'), null, 'no filter requested, none applied');
  });

  it('referrers Content-Type is exactly application/vnd.oci.image.index.v1+json (spec MUST, no parameters)', async () => {
    const res = await reg.get(`/v2/${repo}/referrers/${subjectDescriptor.digest}`);
    expectStatus(res, 200);
    expectHeader(res, 'content-type', MT.ociIndex);
    const empty = await reg.get(`/v2/${repo}/referrers/${randomDigest()}`);
    expectStatus(empty, 200);
    expectHeader(empty, 'content-type', MT.ociIndex);
  });

  it('?artifactType= filters and sets OCI-Filters-Applied: artifactType', async () => {
    const res = await reg.get(`/v2/${repo}/referrers/${subjectDescriptor.digest}?artifactType=${encodeURIComponent(SBOM)}`);
    const body = referrersBody(res);
    expectHeader(res, 'oci-filters-applied', 'artifactType');
    assertDescriptors(body.manifests, [sbom]);

    const res2 = await reg.get(`/v2/${repo}/referrers/${subjectDescriptor.digest}?artifactType=${encodeURIComponent(CUSTOM_CONFIG)}`);
    assertDescriptors(referrersBody(res2).manifests, [plain]);
    expectHeader(res2, 'oci-filters-applied', 'artifactType');
  });

  it('a filter matching nothing returns an empty list (with the filter header)', async () => {
    const res = await reg.get(`/v2/${repo}/referrers/${subjectDescriptor.digest}?artifactType=application%2Fvnd.none`);
    const body = referrersBody(res);
    expectHeader(res, 'oci-filters-applied', 'artifactType');
    assert.deepEqual(body.manifests, []);
  });

  it('referrers of a digest with none is 200 with an empty manifests list', async () => {
    const res = await reg.get(`/v2/${repo}/referrers/${randomDigest()}`);
    assert.deepEqual(referrersBody(res).manifests, []);
  });

  it('referrers of a sha512 digest with none is 200 with an empty list', async () => {
    const res = await reg.get(`/v2/${repo}/referrers/sha512:${'ab'.repeat(64)}`);
    assert.deepEqual(referrersBody(res).manifests, []);
  });

  it('invalid digest is 400 DIGEST_INVALID', async () => {
    for (const bad of ['sha256:xyz', 'latest', `sha256:${'A'.repeat(64)}`]) {
      expectError(await reg.get(`/v2/${repo}/referrers/${bad}`), 400, 'DIGEST_INVALID');
    }
  });

  it('pushing the same referrer again (by tag) does not duplicate its entry', async () => {
    const res = await reg.get(`/v2/${repo}/manifests/${sbom.digest}`);
    expectStatus(res, 200);
    expectStatus(await reg.putManifest(repo, 'sbom-again', res.body, MT.ociManifest), 201);
    const list = referrersBody(await reg.get(`/v2/${repo}/referrers/${subjectDescriptor.digest}`));
    assert.equal(list.manifests.filter((d) => d.digest === sbom.digest).length, 1);
    assertDescriptors(list.manifests, [sbom, sig, plain, index]);
  });

  it('deleting a referrer removes it from the list', async () => {
    expectStatus(await reg.delete(`/v2/${repo}/manifests/${sig.digest}`), 202);
    const res = await reg.get(`/v2/${repo}/referrers/${subjectDescriptor.digest}`);
    assertDescriptors(referrersBody(res).manifests, [sbom, plain, index]);
  });

  it('referrers are scoped to the repository', async () => {
    const res = await reg.get(`/v2/${repo2}/referrers/${subjectDescriptor.digest}`);
    assertDescriptors(referrersBody(res).manifests, [elsewhere]);
  });

  it('referrers in an unknown repository: 200 with an empty list or 404 NAME_UNKNOWN, never 5xx', async () => {
    const res = await reg.get(`/v2/${uniqueName('refs-ghost')}/referrers/${subjectDescriptor.digest}`);
    if (res.status === 200) assert.deepEqual(referrersBody(res).manifests, []);
    else expectError(res, 404, 'NAME_UNKNOWN');
  });
});

describe('invariants', () => {
  it('every /v2 response carried Docker-Distribution-API-Version and nothing returned 5xx', () => {
    assertNoViolations();
  });
});
