// Tables for parseManifest: the four manifest types, artifact types, subjects, schema 1 and the ways
// a manifest can be malformed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseManifest, type Descriptor, type ParsedManifest } from '../../src/registry/manifest-parser.js';
import { MediaTypes } from '../../src/registry/media-types.js';
import { RegistryError, type ErrorCode } from '../../src/registry/errors.js';

function digest(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const DOCKER_FOREIGN = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

const config: Descriptor = { mediaType: OCI_CONFIG, digest: digest('config'), size: 123 };
const layer1: Descriptor = { mediaType: OCI_LAYER, digest: digest('layer1'), size: 1000 };
const layer2: Descriptor = { mediaType: OCI_LAYER, digest: digest('layer2'), size: 2000 };
const dockerConfig: Descriptor = { mediaType: DOCKER_CONFIG, digest: digest('dconfig'), size: 50 };
const dockerLayer: Descriptor = { mediaType: DOCKER_LAYER, digest: digest('dlayer'), size: 60 };
const child1: Descriptor = { mediaType: MediaTypes.ociManifest, digest: digest('child1'), size: 500 };
const child2: Descriptor = { mediaType: MediaTypes.ociManifest, digest: digest('child2'), size: 501 };
const dockerChild: Descriptor = { mediaType: MediaTypes.dockerManifest, digest: digest('dchild'), size: 502 };
const subject: Descriptor = { mediaType: MediaTypes.ociManifest, digest: digest('subject'), size: 700 };

function bytes(value: unknown): Uint8Array {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

function ociManifest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config, layers: [layer1, layer2], ...extra };
}

function ociIndex(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: [
      { ...child1, platform: { architecture: 'amd64', os: 'linux' } },
      { ...child2, platform: { architecture: 'arm64', os: 'linux' } },
    ],
    ...extra,
  };
}

function dockerManifest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config: dockerConfig, layers: [dockerLayer], ...extra };
}

function dockerList(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: MediaTypes.dockerManifestList,
    manifests: [{ ...dockerChild, platform: { architecture: 'amd64', os: 'linux' } }],
    ...extra,
  };
}

function expectError(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RegistryError, `expected RegistryError, got ${String(error)}`);
    assert.equal(error.code, code, `code of "${error.message}"`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('parseManifest: the four manifest types', () => {
  interface Case {
    what: string;
    body: Record<string, unknown>;
    contentType: string | undefined;
    expected: ParsedManifest;
  }
  const CASES: Case[] = [
    {
      what: 'OCI image manifest',
      body: ociManifest(),
      contentType: MediaTypes.ociManifest,
      expected: {
        mediaType: MediaTypes.ociManifest,
        kind: 'image',
        artifactType: OCI_CONFIG,
        configDigest: config.digest,
        subject: null,
        annotations: null,
        blobs: [config, layer1, layer2],
        manifests: [],
      },
    },
    {
      what: 'OCI image index',
      body: ociIndex(),
      contentType: MediaTypes.ociIndex,
      expected: {
        mediaType: MediaTypes.ociIndex,
        kind: 'index',
        artifactType: null,
        configDigest: null,
        subject: null,
        annotations: null,
        blobs: [],
        manifests: [child1, child2],
      },
    },
    {
      what: 'Docker image manifest v2 schema 2',
      body: dockerManifest(),
      contentType: MediaTypes.dockerManifest,
      expected: {
        mediaType: MediaTypes.dockerManifest,
        kind: 'image',
        artifactType: DOCKER_CONFIG,
        configDigest: dockerConfig.digest,
        subject: null,
        annotations: null,
        blobs: [dockerConfig, dockerLayer],
        manifests: [],
      },
    },
    {
      what: 'Docker manifest list',
      body: dockerList(),
      contentType: MediaTypes.dockerManifestList,
      expected: {
        mediaType: MediaTypes.dockerManifestList,
        kind: 'index',
        artifactType: null,
        configDigest: null,
        subject: null,
        annotations: null,
        blobs: [],
        manifests: [dockerChild],
      },
    },
  ];
  for (const { what, body, contentType, expected } of CASES) {
    it(`parses an ${what}`, () => {
      assert.deepEqual(parseManifest(bytes(body), contentType), expected);
    });
    it(`parses an ${what} sent without a Content-Type`, () => {
      assert.deepEqual(parseManifest(bytes(body), undefined), expected);
    });
    it(`parses an ${what} whose Content-Type has parameters and capitals`, () => {
      assert.deepEqual(parseManifest(bytes(body), `${contentType!.toUpperCase()}; charset=utf-8`), expected);
    });
  }

  it('parses a pretty-printed manifest with a UTF-8 annotation', () => {
    const body = ociManifest({ annotations: { 'org.opencontainers.image.title': 'café ☕' } });
    const parsed = parseManifest(Buffer.from(JSON.stringify(body, null, 3)), MediaTypes.ociManifest);
    assert.deepEqual(parsed.annotations, { 'org.opencontainers.image.title': 'café ☕' });
  });
});

describe('parseManifest: media type from Content-Type, body or shape', () => {
  const CASES: { what: string; body: Record<string, unknown>; contentType: string | undefined; mediaType: string; kind: 'image' | 'index' }[] = [
    { what: 'OCI manifest without mediaType, by Content-Type', body: ociManifest({ mediaType: undefined }), contentType: MediaTypes.ociManifest, mediaType: MediaTypes.ociManifest, kind: 'image' },
    { what: 'OCI index without mediaType, by Content-Type', body: ociIndex({ mediaType: undefined }), contentType: MediaTypes.ociIndex, mediaType: MediaTypes.ociIndex, kind: 'index' },
    { what: 'Docker manifest without mediaType, by Content-Type', body: dockerManifest({ mediaType: undefined }), contentType: MediaTypes.dockerManifest, mediaType: MediaTypes.dockerManifest, kind: 'image' },
    { what: 'Docker list without mediaType, by Content-Type', body: dockerList({ mediaType: undefined }), contentType: MediaTypes.dockerManifestList, mediaType: MediaTypes.dockerManifestList, kind: 'index' },
    { what: 'manifest without mediaType or Content-Type, by its config', body: ociManifest({ mediaType: undefined }), contentType: undefined, mediaType: MediaTypes.ociManifest, kind: 'image' },
    { what: 'index without mediaType or Content-Type, by its manifests', body: ociIndex({ mediaType: undefined }), contentType: undefined, mediaType: MediaTypes.ociIndex, kind: 'index' },
    { what: 'manifest without mediaType, generic Content-Type', body: ociManifest({ mediaType: undefined }), contentType: 'application/json', mediaType: MediaTypes.ociManifest, kind: 'image' },
    { what: 'manifest without mediaType, empty Content-Type', body: ociManifest({ mediaType: undefined }), contentType: '', mediaType: MediaTypes.ociManifest, kind: 'image' },
    { what: 'body mediaType wins over a generic Content-Type', body: dockerManifest(), contentType: 'application/json', mediaType: MediaTypes.dockerManifest, kind: 'image' },
    { what: 'body mediaType wins over an octet-stream Content-Type', body: ociIndex(), contentType: 'application/octet-stream', mediaType: MediaTypes.ociIndex, kind: 'index' },
  ];
  for (const { what, body, contentType, mediaType, kind } of CASES) {
    it(what, () => {
      const parsed = parseManifest(bytes(body), contentType);
      assert.equal(parsed.mediaType, mediaType);
      assert.equal(parsed.kind, kind);
    });
  }

  const MISMATCHES: [string, Record<string, unknown>, string][] = [
    ['OCI manifest body sent as an OCI index', ociManifest(), MediaTypes.ociIndex],
    ['OCI index body sent as an OCI manifest', ociIndex(), MediaTypes.ociManifest],
    ['OCI manifest body sent as a Docker manifest', ociManifest(), MediaTypes.dockerManifest],
    ['Docker manifest body sent as an OCI manifest', dockerManifest(), MediaTypes.ociManifest],
    ['Docker list body sent as an OCI index', dockerList(), MediaTypes.ociIndex],
  ];
  for (const [what, body, contentType] of MISMATCHES) {
    it(`refuses a ${what}`, () => {
      expectError(() => parseManifest(bytes(body), contentType), 'MANIFEST_INVALID', /does not match/);
    });
  }

  const UNKNOWN: [string, Record<string, unknown>, string | undefined][] = [
    ['an unknown body mediaType', ociManifest({ mediaType: 'application/vnd.example.thing+json' }), undefined],
    ['an artifact-manifest body mediaType', ociManifest({ mediaType: 'application/vnd.oci.artifact.manifest.v1+json' }), undefined],
    ['a layer media type as the body mediaType', ociManifest({ mediaType: OCI_LAYER }), MediaTypes.ociManifest],
    ['a body with neither mediaType, config nor manifests', { schemaVersion: 2, layers: [] }, undefined],
    ['a config that is not an object and no mediaType', { schemaVersion: 2, config: 'x', layers: [] }, 'application/json'],
    ['a non-string mediaType', ociManifest({ mediaType: 42 }), MediaTypes.ociManifest],
    ['a null mediaType', ociManifest({ mediaType: null }), MediaTypes.ociManifest],
  ];
  for (const [what, body, contentType] of UNKNOWN) {
    it(`refuses ${what}`, () => {
      expectError(() => parseManifest(bytes(body), contentType), 'MANIFEST_INVALID');
    });
  }
});

describe('parseManifest: artifact type, subject and annotations', () => {
  const ARTIFACT_TYPES: { what: string; body: Record<string, unknown>; expected: string | null }[] = [
    { what: 'image manifest without artifactType: its config media type', body: ociManifest(), expected: OCI_CONFIG },
    {
      what: 'image manifest with an empty config: the empty media type',
      body: ociManifest({ config: { mediaType: MediaTypes.ociEmpty, digest: digest('{}'), size: 2 } }),
      expected: MediaTypes.ociEmpty,
    },
    {
      what: 'image manifest with an artifactType: its own',
      body: ociManifest({ artifactType: 'application/vnd.example.sbom+json', config: { mediaType: MediaTypes.ociEmpty, digest: digest('{}'), size: 2 } }),
      expected: 'application/vnd.example.sbom+json',
    },
    {
      what: 'image manifest with a custom config type: the config type',
      body: ociManifest({ config: { mediaType: 'application/vnd.example.config.v1+json', digest: digest('c'), size: 2 } }),
      expected: 'application/vnd.example.config.v1+json',
    },
    { what: 'index without artifactType: none', body: ociIndex(), expected: null },
    { what: 'index with an artifactType: its own', body: ociIndex({ artifactType: 'application/vnd.example.bundle' }), expected: 'application/vnd.example.bundle' },
    { what: 'Docker manifest: its config media type', body: dockerManifest(), expected: DOCKER_CONFIG },
  ];
  for (const { what, body, expected } of ARTIFACT_TYPES) {
    it(what, () => {
      assert.equal(parseManifest(bytes(body), undefined).artifactType, expected);
    });
  }

  it('refuses an artifactType on a Docker manifest', () => {
    expectError(() => parseManifest(bytes(dockerManifest({ artifactType: 'application/x' })), MediaTypes.dockerManifest), 'MANIFEST_INVALID', /artifactType/);
  });

  it('refuses a non-string artifactType', () => {
    expectError(() => parseManifest(bytes(ociManifest({ artifactType: 5 })), MediaTypes.ociManifest), 'MANIFEST_INVALID', /artifactType/);
    expectError(() => parseManifest(bytes(ociIndex({ artifactType: ['a'] })), MediaTypes.ociIndex), 'MANIFEST_INVALID', /artifactType/);
  });

  it('returns the subject of a manifest and of an index', () => {
    const withAnnotations = { ...subject, annotations: { a: 'b' }, artifactType: 'application/x' };
    assert.deepEqual(parseManifest(bytes(ociManifest({ subject })), undefined).subject, subject);
    assert.deepEqual(parseManifest(bytes(ociIndex({ subject: withAnnotations })), undefined).subject, withAnnotations);
  });

  it('does not count the subject among the blobs or manifests to check', () => {
    const parsed = parseManifest(bytes(ociManifest({ subject })), undefined);
    assert.ok(!parsed.blobs.some((d) => d.digest === subject.digest));
    const index = parseManifest(bytes(ociIndex({ subject })), undefined);
    assert.ok(!index.manifests.some((d) => d.digest === subject.digest));
  });

  const BAD_SUBJECTS: [string, unknown, ErrorCode][] = [
    ['a string', 'sha256:abc', 'MANIFEST_INVALID'],
    ['null', null, 'MANIFEST_INVALID'],
    ['missing its digest', { mediaType: MediaTypes.ociManifest, size: 1 }, 'DIGEST_INVALID'],
    ['with a bad digest', { ...subject, digest: 'sha256:1234' }, 'DIGEST_INVALID'],
    ['with a negative size', { ...subject, size: -1 }, 'MANIFEST_INVALID'],
    ['missing its mediaType', { digest: subject.digest, size: 1 }, 'MANIFEST_INVALID'],
  ];
  for (const [what, value, code] of BAD_SUBJECTS) {
    it(`refuses a subject that is ${what}`, () => {
      expectError(() => parseManifest(bytes(ociManifest({ subject: value })), undefined), code);
    });
  }

  it('returns the manifest annotations', () => {
    const annotations = { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', empty: '' };
    assert.deepEqual(parseManifest(bytes(ociManifest({ annotations })), undefined).annotations, annotations);
    assert.deepEqual(parseManifest(bytes(ociIndex({ annotations })), undefined).annotations, annotations);
    assert.deepEqual(parseManifest(bytes(ociManifest({ annotations: {} })), undefined).annotations, {});
  });

  it('keeps descriptor annotations, artifactType and urls', () => {
    const layer = { ...layer1, annotations: { 'org.opencontainers.image.title': 'a.txt' }, artifactType: 'application/x', urls: ['https://example.com/x'] };
    const child = { ...child1, annotations: { k: 'v' }, artifactType: 'application/y' };
    assert.deepEqual(parseManifest(bytes(ociIndex({ manifests: [child] })), undefined).manifests, [child]);
    const parsed = parseManifest(bytes(ociManifest({ layers: [layer] })), undefined);
    // A layer with URLs may be fetched from elsewhere: it is not among the required blobs.
    assert.deepEqual(parsed.blobs, [config]);
  });

  const BAD_ANNOTATIONS: [string, unknown][] = [
    ['a list', ['a']],
    ['a string', 'a=b'],
    ['null', null],
    ['a map with a number', { a: 1 }],
    ['a map with a nested object', { a: { b: 'c' } }],
    ['a map with null', { a: null }],
  ];
  for (const [what, annotations] of BAD_ANNOTATIONS) {
    it(`refuses manifest annotations that are ${what}`, () => {
      expectError(() => parseManifest(bytes(ociManifest({ annotations })), undefined), 'MANIFEST_INVALID', /annotations/);
    });
    it(`refuses descriptor annotations that are ${what}`, () => {
      expectError(() => parseManifest(bytes(ociManifest({ layers: [{ ...layer1, annotations }] })), undefined), 'MANIFEST_INVALID', /annotations/);
    });
  }
});

describe('parseManifest: schema 1 is refused', () => {
  const schema1Body = {
    schemaVersion: 1,
    name: 'library/hello',
    tag: 'latest',
    architecture: 'amd64',
    fsLayers: [{ blobSum: digest('a') }],
    history: [{ v1Compatibility: '{}' }],
  };
  const CASES: [string, Uint8Array, string | undefined][] = [
    ['by Content-Type v1+json', bytes(schema1Body), MediaTypes.dockerSchema1],
    ['by Content-Type v1+prettyjws', bytes(schema1Body), MediaTypes.dockerSchema1Signed],
    ['by Content-Type with parameters', bytes(schema1Body), `${MediaTypes.dockerSchema1Signed}; charset=utf-8`],
    ['by Content-Type even with a schema 2 body', bytes(ociManifest()), MediaTypes.dockerSchema1],
    ['by Content-Type even when the body is not JSON', bytes('not json'), MediaTypes.dockerSchema1Signed],
    ['by schemaVersion 1 in the body, without Content-Type', bytes(schema1Body), undefined],
    ['by schemaVersion 1 in the body, sent as a schema 2 type', bytes(schema1Body), MediaTypes.dockerManifest],
    ['by schemaVersion 1 in the body, sent as JSON', bytes(schema1Body), 'application/json'],
    ['by a schema 1 mediaType in the body', bytes({ ...schema1Body, schemaVersion: 2, mediaType: MediaTypes.dockerSchema1 }), undefined],
    ['by a signed schema 1 mediaType in the body', bytes({ ...schema1Body, schemaVersion: 2, mediaType: MediaTypes.dockerSchema1Signed }), undefined],
  ];
  for (const [what, body, contentType] of CASES) {
    it(what, () => {
      expectError(() => parseManifest(body, contentType), 'MANIFEST_INVALID', /schema 1/);
    });
  }
});

describe('parseManifest: malformed documents', () => {
  const CASES: [string, Uint8Array, string | undefined][] = [
    ['empty body', bytes(''), MediaTypes.ociManifest],
    ['truncated JSON', bytes(JSON.stringify(ociManifest()).slice(0, -1)), MediaTypes.ociManifest],
    ['plain text', bytes('hello'), MediaTypes.ociManifest],
    ['invalid UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), MediaTypes.ociManifest],
    ['a JSON array', bytes('[]'), MediaTypes.ociManifest],
    ['a JSON string', bytes('"manifest"'), MediaTypes.ociManifest],
    ['JSON null', bytes('null'), MediaTypes.ociManifest],
    ['a JSON number', bytes('2'), MediaTypes.ociManifest],
    ['missing schemaVersion', bytes(ociManifest({ schemaVersion: undefined })), MediaTypes.ociManifest],
    ['schemaVersion 3', bytes(ociManifest({ schemaVersion: 3 })), MediaTypes.ociManifest],
    ['schemaVersion as a string', bytes(ociManifest({ schemaVersion: '2' })), MediaTypes.ociManifest],
    ['image manifest without config', bytes(ociManifest({ config: undefined })), MediaTypes.ociManifest],
    ['image manifest with a null config', bytes(ociManifest({ config: null })), MediaTypes.ociManifest],
    ['layers as an object', bytes(ociManifest({ layers: { 0: layer1 } })), MediaTypes.ociManifest],
    ['a null layer', bytes(ociManifest({ layers: [null] })), MediaTypes.ociManifest],
    ['a layer that is a string', bytes(ociManifest({ layers: [layer1.digest] })), MediaTypes.ociManifest],
    ['index without manifests', bytes(ociIndex({ manifests: undefined })), MediaTypes.ociIndex],
    ['index with manifests as an object', bytes(ociIndex({ manifests: { a: child1 } })), MediaTypes.ociIndex],
    ['Docker list without manifests', bytes(dockerList({ manifests: undefined })), MediaTypes.dockerManifestList],
  ];
  for (const [what, body, contentType] of CASES) {
    it(`refuses ${what} with MANIFEST_INVALID`, () => {
      expectError(() => parseManifest(body, contentType), 'MANIFEST_INVALID');
    });
  }

  it('says when the body is not JSON', () => {
    expectError(() => parseManifest(bytes('{'), MediaTypes.ociManifest), 'MANIFEST_INVALID', /JSON/);
  });
});

describe('parseManifest: descriptor fields', () => {
  const BAD: [string, Record<string, unknown>, ErrorCode][] = [
    ['negative size', { size: -1 }, 'MANIFEST_INVALID'],
    ['fractional size', { size: 1.5 }, 'MANIFEST_INVALID'],
    ['size as a string', { size: '10' }, 'MANIFEST_INVALID'],
    ['missing size', { size: undefined }, 'MANIFEST_INVALID'],
    ['size beyond 2^53', { size: 2 ** 53 }, 'MANIFEST_INVALID'],
    ['missing digest', { digest: undefined }, 'DIGEST_INVALID'],
    ['digest as a number', { digest: 42 }, 'DIGEST_INVALID'],
    ['short digest', { digest: 'sha256:abcd' }, 'DIGEST_INVALID'],
    ['uppercase digest', { digest: layer1.digest.toUpperCase() }, 'DIGEST_INVALID'],
    ['unknown digest algorithm', { digest: `md5:${'a'.repeat(32)}` }, 'DIGEST_INVALID'],
    ['digest without algorithm', { digest: layer1.digest.slice('sha256:'.length) }, 'DIGEST_INVALID'],
    ['traversal digest', { digest: 'sha256:../../../etc/passwd' }, 'DIGEST_INVALID'],
    ['missing mediaType', { mediaType: undefined }, 'MANIFEST_INVALID'],
    ['empty mediaType', { mediaType: '' }, 'MANIFEST_INVALID'],
    ['numeric mediaType', { mediaType: 7 }, 'MANIFEST_INVALID'],
    ['overlong mediaType', { mediaType: `application/${'x'.repeat(300)}` }, 'MANIFEST_INVALID'],
    ['non-string artifactType', { artifactType: 1 }, 'MANIFEST_INVALID'],
    ['urls as a string', { urls: 'https://example.com' }, 'MANIFEST_INVALID'],
    ['urls with a number', { urls: [1] }, 'MANIFEST_INVALID'],
  ];
  const PLACES: [string, (bad: Record<string, unknown>) => Record<string, unknown>, string][] = [
    ['config', (bad) => ociManifest({ config: { ...config, ...bad } }), MediaTypes.ociManifest],
    ['layer', (bad) => ociManifest({ layers: [layer1, { ...layer2, ...bad }] }), MediaTypes.ociManifest],
    ['Docker layer', (bad) => dockerManifest({ layers: [{ ...dockerLayer, ...bad }] }), MediaTypes.dockerManifest],
    ['index entry', (bad) => ociIndex({ manifests: [{ ...child1, ...bad }] }), MediaTypes.ociIndex],
    ['Docker list entry', (bad) => dockerList({ manifests: [{ ...dockerChild, ...bad }] }), MediaTypes.dockerManifestList],
  ];
  for (const [place, build, contentType] of PLACES) {
    for (const [what, bad, code] of BAD) {
      it(`refuses a ${place} with ${what} (${code})`, () => {
        expectError(() => parseManifest(bytes(build(bad)), contentType), code);
      });
    }
  }

  it('accepts a zero-size descriptor', () => {
    const empty = { mediaType: OCI_LAYER, digest: digest(''), size: 0 };
    assert.deepEqual(parseManifest(bytes(ociManifest({ layers: [empty] })), undefined).blobs, [config, empty]);
  });

  it('accepts sha512 descriptors', () => {
    const big = { mediaType: OCI_LAYER, digest: `sha512:${createHash('sha512').update('x').digest('hex')}`, size: 1 };
    assert.deepEqual(parseManifest(bytes(ociManifest({ layers: [big] })), undefined).blobs, [config, big]);
  });

  it('drops unknown descriptor fields such as platform and data', () => {
    const parsed = parseManifest(bytes(ociIndex()), undefined);
    assert.deepEqual(parsed.manifests[0], child1);
  });
});

describe('parseManifest: which blobs must exist', () => {
  const FOREIGN_TYPES = [
    DOCKER_FOREIGN,
    'application/vnd.oci.image.layer.nondistributable.v1.tar',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ];
  for (const mediaType of FOREIGN_TYPES) {
    it(`does not require a ${mediaType} layer`, () => {
      const foreign = { mediaType, digest: digest(mediaType), size: 10, urls: ['https://example.com/layer'] };
      const withoutUrls = { mediaType, digest: digest(`${mediaType}-2`), size: 10 };
      const body = mediaType === DOCKER_FOREIGN
        ? dockerManifest({ layers: [foreign, dockerLayer, withoutUrls] })
        : ociManifest({ layers: [foreign, layer1, withoutUrls] });
      const parsed = parseManifest(bytes(body), undefined);
      assert.deepEqual(
        parsed.blobs.map((d) => d.digest),
        mediaType === DOCKER_FOREIGN ? [dockerConfig.digest, dockerLayer.digest] : [config.digest, layer1.digest],
      );
    });
  }

  it('requires the config even when there are no layers', () => {
    assert.deepEqual(parseManifest(bytes(ociManifest({ layers: [] })), undefined).blobs, [config]);
  });

  it('lists each blob once even when it appears several times', () => {
    const sameAsConfig = { mediaType: OCI_LAYER, digest: config.digest, size: config.size };
    const parsed = parseManifest(bytes(ociManifest({ layers: [layer1, layer1, sameAsConfig, layer2] })), undefined);
    assert.deepEqual(parsed.blobs.map((d) => d.digest), [config.digest, layer1.digest, layer2.digest]);
  });

  it('lists each child manifest of an index once', () => {
    const parsed = parseManifest(bytes(ociIndex({ manifests: [child1, child2, child1] })), undefined);
    assert.deepEqual(parsed.manifests, [child1, child2]);
  });

  it('accepts an index of indexes and an empty index', () => {
    const nested = { mediaType: MediaTypes.ociIndex, digest: digest('nested'), size: 300 };
    assert.deepEqual(parseManifest(bytes(ociIndex({ manifests: [nested, child1] })), undefined).manifests, [nested, child1]);
    assert.deepEqual(parseManifest(bytes(ociIndex({ manifests: [] })), undefined).manifests, []);
  });
});
