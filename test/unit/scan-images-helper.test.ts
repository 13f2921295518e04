// The scanner's test images (test/helpers/scan-images.ts) are what its expectations assume: the
// cached Debian rootfs still has the versions test/fixtures/scan-expected.json names, the Go, Python
// and Java metadata is where detectors look, the layouts are valid OCI that skopeo reads and
// copies, and every OSV fixture is a record the importer accepts and the expectations account for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { parseOsvRecord } from '../../src/scan/vulndb/osv.js';
import { readTarFiles, sha256Digest } from '../helpers/oci-layout.js';
import { loadOsvFixtures, loadScanExpectations, type ScanExpectations } from '../helpers/scan-expectations.js';
import {
  debianRootfs,
  MEDIA_TYPE_LAYER_TAR,
  MEDIA_TYPE_LAYER_ZSTD,
  scanTestImages,
  SCAN_IMAGE_CACHE_DIR,
  type OciImageLayout,
  type ScanTestImages,
} from '../helpers/scan-images.js';

const execFileAsync = promisify(execFile);
const BIG = { maxBuffer: 512 * 1024 * 1024, encoding: 'buffer' as const };

/** The rootfs files these tests read, extracted in one pass over the tarball. */
const ROOTFS_FILES = [
  'var/lib/dpkg/status',
  'usr/bin/fzf',
  'usr/lib/python3/dist-packages/idna-3.3.egg-info/PKG-INFO',
  'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO',
  'usr/share/java/commons-lang3.jar',
  'usr/lib/os-release',
];

interface DpkgEntry {
  package: string;
  version: string;
  source: string;
  sourceVersion: string;
}

/** Installed packages of a dpkg status file; `Source:` carries a version only when it differs. */
function installedPackages(status: string): Map<string, DpkgEntry> {
  const entries = new Map<string, DpkgEntry>();
  for (const stanza of status.split(/\n{2,}/)) {
    const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1];
    const name = field('Package');
    const version = field('Version');
    if (!name || !version || field('Status') !== 'install ok installed') continue;
    const source = /^(\S+)(?: \((.+)\))?$/.exec(field('Source') ?? name);
    entries.set(name, { package: name, version, source: source?.[1] ?? name, sourceVersion: source?.[2] ?? version });
  }
  return entries;
}

/** One entry of a zip archive, found through its central directory (stored or deflated). */
function zipEntry(zip: Buffer, name: string): Buffer {
  const end = zip.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
  let offset = zip.readUInt32LE(end + 16);
  for (let left = zip.readUInt16LE(end + 10); left > 0; left--) {
    const nameLength = zip.readUInt16LE(offset + 28);
    if (zip.toString('utf8', offset + 46, offset + 46 + nameLength) === name) {
      const local = zip.readUInt32LE(offset + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + zip.readUInt32LE(offset + 20));
      return zip.readUInt16LE(offset + 10) === 8 ? inflateRawSync(data) : data;
    }
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  throw new Error(`${name} is not in the archive`);
}

function readBlob(layout: OciImageLayout, digest: string): Buffer {
  return readFileSync(join(layout.dir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
}

function readJsonBlob<T>(layout: OciImageLayout, digest: string): T {
  return JSON.parse(readBlob(layout, digest).toString('utf8')) as T;
}

/** The uncompressed tar of a layer, by a different road than the helper took (zstd CLI, zlib). */
async function uncompressedLayer(layout: OciImageLayout, layer: { mediaType: string; digest: string }): Promise<Buffer> {
  const blob = readBlob(layout, layer.digest);
  if (layer.mediaType === MEDIA_TYPE_LAYER_TAR) return blob;
  if (layer.mediaType === MEDIA_TYPE_LAYER_ZSTD) {
    const path = join(layout.dir, 'blobs', 'sha256', layer.digest.replace(/^sha256:/, ''));
    return (await execFileAsync('zstd', ['-dc', '--', path], BIG)).stdout;
  }
  return gunzipSync(blob);
}

interface ConfigJson {
  architecture: string;
  os: string;
  variant?: string;
  rootfs: { type: string; diff_ids: string[] };
}
interface ManifestJson {
  config: { digest: string };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
}
interface IndexJson {
  manifests: Array<{ digest: string; platform: { architecture: string; os: string; variant?: string } }>;
}

let images: ScanTestImages;
let dpkg: Map<string, DpkgEntry>;
let expected: ScanExpectations;
let rootfsDir: string;
const rootfsFile = (path: string): Buffer => readFileSync(join(rootfsDir, path));

before(async () => {
  images = await scanTestImages();
  rootfsDir = mkdtempSync(join(tmpdir(), 'wharf-scan-rootfs-'));
  await execFileAsync('tar', ['-xzf', images.rootfsTarball, '-C', rootfsDir, '--', ...ROOTFS_FILES]);
  dpkg = installedPackages(rootfsFile('var/lib/dpkg/status').toString('utf8'));
  expected = loadScanExpectations();
});

after(() => {
  if (rootfsDir) rmSync(rootfsDir, { recursive: true, force: true });
});

test('the rootfs is cached outside the repository: asking again returns it at once', async () => {
  const started = Date.now();
  assert.equal(await debianRootfs(), images.rootfsTarball);
  assert.ok(Date.now() - started < 5000);
  assert.ok(images.rootfsTarball.startsWith(SCAN_IMAGE_CACHE_DIR));
});

test('the rootfs has exactly the Debian packages and versions the expected findings name', () => {
  const debianFindings = expected.findings.filter((finding) => finding.ecosystem === 'Debian');
  for (const finding of debianFindings) {
    const entry = dpkg.get(finding.package);
    assert.ok(entry, `${finding.package} is not installed in the rootfs any more: update test/fixtures/scan-expected.json`);
    assert.deepEqual(
      { version: entry.version, source: { name: entry.source, version: entry.sourceVersion } },
      { version: finding.version, source: finding.source },
      `bookworm moved ${finding.package} (${finding.id}): update test/fixtures/scan-expected.json to the installed version`,
    );
  }
  // Every binary built from an affected source package is a finding, so none may be missing.
  const expectedBinaries = (id: string) => debianFindings.filter((finding) => finding.id === id).map((finding) => finding.package).sort();
  for (const id of new Set(debianFindings.map((finding) => finding.id))) {
    const source = debianFindings.find((finding) => finding.id === id)?.source?.name;
    const installed = [...dpkg.values()].filter((entry) => entry.source === source).map((entry) => entry.package).sort();
    assert.deepEqual(installed, expectedBinaries(id), `binaries of ${source} (${id})`);
  }
});

test('every unmatched Debian record names a source package the rootfs has installed', (t) => {
  for (const record of expected.unmatched.filter((entry) => entry.ecosystem === 'Debian')) {
    const binaries = [...dpkg.values()].filter((entry) => entry.source === record.package);
    assert.ok(binaries.length > 0, `${record.package} (${record.id}) is not installed: the record no longer tests anything`);
    const versions = new Set(binaries.map((entry) => entry.sourceVersion));
    if (record.installed && !versions.has(record.installed)) {
      t.diagnostic(`${record.package} is now ${[...versions].join(', ')} (expectations written for ${record.installed}); ${record.id} stays unmatched`);
    }
  }
});

test('the rootfs carries a Go binary, Python egg-info, a jar and os-release where detectors look', () => {
  const fzf = rootfsFile('usr/bin/fzf');
  assert.ok(fzf.includes(Buffer.from('\xff Go buildinf:', 'latin1')), 'fzf has Go build info');
  assert.ok(fzf.includes(Buffer.from('go1.19.8')), 'fzf was built with go1.19.8');

  const idna = rootfsFile('usr/lib/python3/dist-packages/idna-3.3.egg-info/PKG-INFO').toString('utf8');
  assert.match(idna, /^Name: idna$/m);
  assert.match(idna, /^Version: 3\.3$/m);
  const six = rootfsFile('usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO').toString('utf8');
  assert.match(six, /^Version: 1\.16\.0$/m, 'the base has the six egg-info that the top layer deletes');

  const jar = rootfsFile('usr/share/java/commons-lang3.jar');
  const pom = zipEntry(jar, 'META-INF/maven/org.apache.commons/commons-lang3/pom.properties').toString('utf8');
  assert.match(pom, /^groupId=org\.apache\.commons$/m);
  assert.match(pom, /^artifactId=commons-lang3$/m);
  assert.match(pom, /^version=3\.12\.0$/m);

  const osRelease = rootfsFile('usr/lib/os-release').toString('utf8');
  assert.match(osRelease, /^ID=debian$/m);
  assert.match(osRelease, /^VERSION_ID="12"$/m);
});

test('the amd64 layout: gzip, gzip, zstd and plain layers whose diff_ids digest their uncompressed tars', async () => {
  const layout = images.layouts.debian;
  const index = JSON.parse(readFileSync(join(images.debian, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
  assert.equal(index.manifests.length, 1);
  assert.equal(index.manifests[0]!.annotations['org.opencontainers.image.ref.name'], images.tag);
  const manifest = readJsonBlob<ManifestJson>(layout, index.manifests[0]!.digest);
  const config = readJsonBlob<ConfigJson>(layout, manifest.config.digest);
  assert.deepEqual([config.architecture, config.os], ['amd64', 'linux']);
  assert.deepEqual(
    manifest.layers.map((layer) => layer.mediaType),
    [
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+gzip',
      'application/vnd.oci.image.layer.v1.tar+zstd',
      'application/vnd.oci.image.layer.v1.tar',
    ],
  );
  const diffIds: string[] = [];
  for (const layer of manifest.layers) {
    const blob = readBlob(layout, layer.digest);
    assert.equal(sha256Digest(blob), layer.digest);
    assert.equal(blob.length, layer.size);
    diffIds.push(`sha256:${createHash('sha256').update(await uncompressedLayer(layout, layer)).digest('hex')}`);
  }
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: diffIds });
});

test('the upper layers hold the npm project, the Python packages and the whiteouts', async () => {
  const layout = images.layouts.debian;
  const [app, python, cleanup] = await Promise.all(layout.layers.slice(1).map(async (layer) => readTarFiles(await uncompressedLayer(layout, layer))));
  const lockOf = (files: Map<string, Buffer>) => JSON.parse(files.get('app/package-lock.json')!.toString('utf8')) as { lockfileVersion: number; packages: Record<string, { version?: string }> };

  assert.equal(lockOf(app!).lockfileVersion, 3);
  assert.equal(lockOf(app!).packages['node_modules/lodash']?.version, '4.17.20');
  assert.equal(lockOf(app!).packages['node_modules/minimist']?.version, '1.2.5');
  assert.ok(app!.has('app/node_modules/ansi-regex/package.json'));

  assert.match(python!.get('usr/local/lib/python3.11/dist-packages/requests-2.25.1.dist-info/METADATA')!.toString('utf8'), /^Version: 2\.25\.1$/m);
  assert.match(python!.get('usr/local/lib/python3.11/dist-packages/urllib3-1.26.4.dist-info/METADATA')!.toString('utf8'), /^Version: 1\.26\.4$/m);

  for (const whiteout of [
    'usr/lib/python3/dist-packages/.wh.six-1.16.0.egg-info',
    'usr/local/lib/python3.11/dist-packages/.wh.urllib3-1.26.4.dist-info',
    'app/node_modules/.wh..wh..opq',
  ]) {
    assert.equal(cleanup!.get(whiteout)?.length, 0, whiteout);
  }
  assert.match(cleanup!.get('usr/local/lib/python3.11/dist-packages/urllib3-1.26.18.dist-info/METADATA')!.toString('utf8'), /^Version: 1\.26\.18$/m);
  assert.equal(lockOf(cleanup!).packages['node_modules/ansi-regex'], undefined);
  assert.equal(cleanup!.has('app/node_modules/ansi-regex/package.json'), false);
  assert.equal(cleanup!.get('app/node_modules/lodash/package.json')?.toString('utf8').includes('"4.17.20"'), true);
});

test('the multi-arch index lists linux/amd64 and linux/arm64/v8 over the same layers', () => {
  const layout = images.layouts.multiArch;
  const index = readJsonBlob<IndexJson>(layout, layout.root.digest);
  assert.deepEqual(
    index.manifests.map((entry) => entry.platform),
    [
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ],
  );
  for (const entry of index.manifests) {
    const manifest = readJsonBlob<ManifestJson>(layout, entry.digest);
    assert.deepEqual(
      manifest.layers.map((layer) => layer.digest),
      images.layouts.debian.layers.map((layer) => layer.digest),
    );
    const config = readJsonBlob<ConfigJson>(layout, manifest.config.digest);
    assert.deepEqual([config.architecture, config.variant], [entry.platform.architecture, entry.platform.variant]);
  }
  assert.deepEqual(expected.platforms, ['linux/amd64', 'linux/arm64/v8']);
});

test('skopeo reads both layouts and copies them with every digest verified', { skip: !existsSync('/usr/bin/skopeo') && 'skopeo is not installed' }, async () => {
  const target = mkdtempSync(join(tmpdir(), 'wharf-scan-copy-'));
  try {
    for (const layout of [images.layouts.debian, images.layouts.multiArch]) {
      const raw = (await execFileAsync('skopeo', ['inspect', '--raw', layout.reference], BIG)).stdout;
      assert.equal(sha256Digest(raw), layout.root.digest);
      await execFileAsync('skopeo', ['copy', '--all', '--quiet', layout.reference, `oci:${join(target, basename(layout.dir))}:${layout.tag}`]);
    }
    const armConfig = await execFileAsync('skopeo', ['--override-arch', 'arm64', '--override-variant', 'v8', 'inspect', '--config', images.layouts.multiArch.reference]);
    assert.equal((JSON.parse(armConfig.stdout) as ConfigJson).architecture, 'arm64');
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
});

test('every OSV fixture is a record the importer accepts, in a file named after its id', () => {
  const fixtures = loadOsvFixtures();
  assert.ok(fixtures.length >= 20);
  for (const fixture of fixtures) {
    const parsed = parseOsvRecord(fixture.record);
    assert.ok('record' in parsed, `${fixture.file}: ${'problem' in parsed ? parsed.problem : ''}`);
    assert.equal(`${parsed.record.id}.json`, basename(fixture.file));
  }
});

test('the expectations account for every fixture record, each under a package the record names', () => {
  const records = new Map(
    loadOsvFixtures().map(({ record }) => {
      const parsed = parseOsvRecord(record);
      assert.ok('record' in parsed);
      return [parsed.record.id, parsed.record] as const;
    }),
  );
  const matchedIds = new Set(expected.findings.map((finding) => finding.id));
  const unmatchedIds = expected.unmatched.map((entry) => entry.id);
  assert.equal(new Set(unmatchedIds).size, unmatchedIds.length, 'an unmatched record is listed twice');
  assert.deepEqual([...matchedIds].filter((id) => unmatchedIds.includes(id)), [], 'a record is both matched and unmatched');
  assert.deepEqual([...matchedIds, ...unmatchedIds].sort(), [...records.keys()].sort());

  // A finding comes from the record's entry for the image's release; an unmatched record may name any.
  const names = (id: string, ecosystem: (recordEcosystem: string) => boolean) =>
    records.get(id)!.affected.filter((entry) => entry.package && ecosystem(entry.package.ecosystem)).map((entry) => entry.package!.name);
  for (const finding of expected.findings) {
    const release = finding.ecosystem === 'Debian' ? expected.os.ecosystem : finding.ecosystem;
    assert.ok(names(finding.id, (e) => e === release).includes(finding.source?.name ?? finding.package), `${finding.id} names ${finding.package}`);
  }
  for (const entry of expected.unmatched) {
    assert.ok(names(entry.id, (e) => e.split(':')[0] === entry.ecosystem).includes(entry.package), `${entry.id} names ${entry.package}`);
  }
});
