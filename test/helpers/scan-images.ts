// Real container images for the vulnerability scanner's end-to-end tests, built from Debian's own
// packages and written as OCI image layouts that skopeo can push (`oci:DIR:TAG`):
//
//   layer 1  tar+gzip  Debian 12 minbase + fzf (a Go binary), python3-idna and python3-six
//                      (egg-info), libcommons-lang3-java (a jar)   scripts/build-scan-rootfs.sh
//   layer 2  tar+gzip  /app, an npm project: lodash 4.17.20, minimist 1.2.5, mkdirp 0.5.5,
//                      ansi-regex 5.0.0 (package.json, lockfile v3, node_modules/*/package.json)
//   layer 3  tar+zstd  /usr/local/lib/python3.11/dist-packages: requests 2.25.1, urllib3 1.26.4
//   layer 4  tar       whiteouts: six's egg-info (layer 1) and urllib3 1.26.4 (layer 3) deleted,
//                      urllib3 1.26.18 added; /app/node_modules made opaque and written again
//                      without ansi-regex, with a package.json and lockfile that no longer list it
//
//   debian      one manifest, linux/amd64
//   multiArch   an image index over linux/amd64 and linux/arm64/v8 (the same layers; only the
//               config's architecture differs, which is all a scanner of metadata can tell)
//
// The rootfs is the slow part (debootstrap, a few minutes): it is cached as a tarball outside the
// repository, named after a hash of its build script, so a changed recipe rebuilds it and later
// runs take seconds. What a scan must find is test/fixtures/scan-expected.json.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, linkSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGunzip, gzipSync } from 'node:zlib';
import {
  makeTar,
  MEDIA_TYPE_CONFIG,
  MEDIA_TYPE_INDEX,
  MEDIA_TYPE_LAYER_GZIP,
  MEDIA_TYPE_MANIFEST,
  REF_NAME_ANNOTATION,
  sha256Digest,
  type Descriptor,
} from './oci-layout.js';

export const MEDIA_TYPE_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const MEDIA_TYPE_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BUILD_SCRIPT = join(REPO_ROOT, 'scripts', 'build-scan-rootfs.sh');
/** Outside the repository, so a fresh clone (CI) on the same machine reuses it. */
export const SCAN_IMAGE_CACHE_DIR = process.env.WHARF_TEST_CACHE_DIR ?? '/var/cache/wharf-test';
export const SCAN_IMAGE_TAG = 'bookworm-scan';

const execFileAsync = promisify(execFile);

async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${(error as Error).message}\n${stderr}`);
  }
}

async function isInstalled(debianPackage: string): Promise<boolean> {
  try {
    return (await run('dpkg-query', ['-W', '-f=${Status}', debianPackage])) === 'install ok installed';
  } catch {
    return false;
  }
}

/** Installs the Debian packages the build needs when missing (a fresh machine has no zstd or debootstrap). */
async function ensureDebianPackages(packages: string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) if (!(await isInstalled(name))) missing.push(name);
  if (missing.length === 0) return;
  // Another test process may be installing at the same moment: wait for dpkg's lock, not fail.
  const install = ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...missing];
  try {
    await run('apt-get', install);
  } catch {
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq']);
    await run('apt-get', install);
  }
}

/**
 * The Debian 12 rootfs as a tar.gz (entry names relative to /), built once per recipe and kept in
 * SCAN_IMAGE_CACHE_DIR. The build script takes an flock, so concurrent callers build it once.
 */
export async function debianRootfs(): Promise<string> {
  const recipe = createHash('sha256').update(readFileSync(BUILD_SCRIPT)).digest('hex').slice(0, 12);
  const tarball = join(SCAN_IMAGE_CACHE_DIR, `bookworm-minbase-${recipe}.tar.gz`);
  if (existsSync(tarball)) return tarball;
  await ensureDebianPackages(['debootstrap']);
  await run('bash', [BUILD_SCRIPT, tarball]);
  return tarball;
}

// ---- layers ----------------------------------------------------------------------------------

export interface ImageLayer {
  /** The layer blob as stored: compressed per mediaType. */
  path: string;
  mediaType: string;
  /** Recorded in the config's history, as a build tool would. */
  createdBy: string;
}

type TarEntries = Parameters<typeof makeTar>[0];

interface NpmPackage {
  name: string;
  version: string;
  description: string;
  /** The registry's dist.integrity for this version. */
  integrity: string;
  main?: string;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const LODASH: NpmPackage = {
  name: 'lodash',
  version: '4.17.20',
  description: 'Lodash modular utilities.',
  integrity: 'sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==',
  main: 'lodash.js',
};
const MINIMIST: NpmPackage = {
  name: 'minimist',
  version: '1.2.5',
  description: 'parse argument options',
  integrity: 'sha512-FM9nNUYrRBAELZQT3xeZQ7fmMOBg6nWNmJKTcgsJeaLstP/UODVpGsr5OhXhhXg6f+qtJ8uiZ+PUxkDWcgIXLw==',
  main: 'index.js',
};
const MKDIRP: NpmPackage = {
  name: 'mkdirp',
  version: '0.5.5',
  description: 'Recursively mkdir, like `mkdir -p`',
  integrity: 'sha512-NKmAlESf6jMGym1++R0Ra7wvhV+wFW63FaSOFPwRahvea0gMUcGUhVeAg/0BC0wiv9ih5NYPB1Wn1UEI1/L+xQ==',
  main: 'index.js',
  bin: { mkdirp: 'bin/cmd.js' },
  dependencies: { minimist: '^1.2.5' },
};
const ANSI_REGEX: NpmPackage = {
  name: 'ansi-regex',
  version: '5.0.0',
  description: 'Regular expression for matching ANSI escape codes',
  integrity: 'sha512-bY6fj56OUQ0hU1KjFNDQuJFezqKdrAyFdIevADiqrWHwSlbmBNMHp5ak2f40Pm8JTFyM2mqxkG6ngkHO11f/lg==',
};
const APP_NAME = 'scan-fixture-app';
/** The app's direct dependencies; minimist comes in through mkdirp. */
const APP_DIRECT = [LODASH, MKDIRP];

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** /app as npm leaves it: package.json, a v3 lockfile and one package.json per installed package. */
function npmProject(direct: NpmPackage[], installed: NpmPackage[]): TarEntries {
  const dependencies = Object.fromEntries(direct.map((pkg) => [pkg.name, pkg.version]));
  const lock = {
    name: APP_NAME,
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: APP_NAME, version: '1.0.0', dependencies },
      ...Object.fromEntries(
        installed.map((pkg) => [
          `node_modules/${pkg.name}`,
          { version: pkg.version, integrity: pkg.integrity, license: 'MIT', dependencies: pkg.dependencies, bin: pkg.bin },
        ]),
      ),
    },
  };
  return [
    { name: 'app/package.json', content: json({ name: APP_NAME, version: '1.0.0', private: true, dependencies }) },
    { name: 'app/package-lock.json', content: json(lock) },
    ...installed.flatMap((pkg) => {
      const { integrity: _registryOnly, ...manifest } = pkg;
      return [{ name: `app/node_modules/${pkg.name}/` }, { name: `app/node_modules/${pkg.name}/package.json`, content: json({ ...manifest, license: 'MIT' }) }];
    }),
  ];
}

const SITE_PACKAGES = 'usr/local/lib/python3.11/dist-packages';

/** A wheel's install record as pip writes it; the scanner reads METADATA's headers. */
function pythonDistribution(name: string, version: string, summary: string, requires: string[] = []): TarEntries {
  const dir = `${SITE_PACKAGES}/${name}-${version}.dist-info`;
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${name}`,
    `Version: ${version}`,
    `Summary: ${summary}`,
    'License: MIT',
    ...requires.map((requirement) => `Requires-Dist: ${requirement}`),
  ];
  return [
    { name: `${dir}/` },
    { name: `${dir}/METADATA`, content: `${metadata.join('\n')}\n\n${summary}\n` },
    { name: `${dir}/INSTALLER`, content: 'pip\n' },
  ];
}

function appLayer(): TarEntries {
  return [{ name: 'app/' }, { name: 'app/node_modules/' }, ...npmProject([...APP_DIRECT, ANSI_REGEX], [LODASH, MINIMIST, MKDIRP, ANSI_REGEX])];
}

function pythonLayer(): TarEntries {
  return [
    { name: 'usr/local/lib/python3.11/' },
    { name: `${SITE_PACKAGES}/` },
    ...pythonDistribution('requests', '2.25.1', 'Python HTTP for Humans.', ['urllib3 (<1.27,>=1.21.1)', 'idna (<3,>=2.5)']),
    ...pythonDistribution('urllib3', '1.26.4', 'HTTP library with thread-safe connection pooling, file post, and more.'),
  ];
}

/** `.wh.NAME` deletes NAME of a lower layer; `.wh..wh..opq` hides everything below its directory. */
function cleanupLayer(): TarEntries {
  return [
    { name: 'usr/lib/python3/dist-packages/' },
    { name: 'usr/lib/python3/dist-packages/.wh.six-1.16.0.egg-info', content: '' },
    { name: `${SITE_PACKAGES}/` },
    { name: `${SITE_PACKAGES}/.wh.urllib3-1.26.4.dist-info`, content: '' },
    ...pythonDistribution('urllib3', '1.26.18', 'HTTP library with thread-safe connection pooling, file post, and more.'),
    { name: 'app/' },
    { name: 'app/node_modules/' },
    { name: 'app/node_modules/.wh..wh..opq', content: '' },
    ...npmProject(APP_DIRECT, [LODASH, MINIMIST, MKDIRP]),
  ];
}

type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_MEDIA_TYPES: Record<Compression, string> = {
  gzip: MEDIA_TYPE_LAYER_GZIP,
  zstd: MEDIA_TYPE_LAYER_ZSTD,
  none: MEDIA_TYPE_LAYER_TAR,
};

async function writeLayer(dir: string, name: string, entries: TarEntries, compression: Compression, createdBy: string): Promise<ImageLayer> {
  const tar = makeTar(entries);
  const mediaType = LAYER_MEDIA_TYPES[compression];
  const path = join(dir, `${name}.tar`);
  if (compression === 'gzip') {
    writeFileSync(`${path}.gz`, gzipSync(tar, { level: 9 }));
    return { path: `${path}.gz`, mediaType, createdBy };
  }
  writeFileSync(path, tar);
  if (compression === 'none') return { path, mediaType, createdBy };
  await run('zstd', ['-q', '-f', '--rm', '-o', `${path}.zst`, path]);
  return { path: `${path}.zst`, mediaType, createdBy };
}

// ---- image layout ----------------------------------------------------------------------------

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface LayerDescriptor extends Descriptor {
  /** sha256 of the uncompressed tar, as the config's rootfs.diff_ids lists it. */
  diffId: string;
}

export interface OciImageLayout {
  dir: string;
  tag: string;
  /** `oci:DIR:TAG`, as skopeo names it. */
  reference: string;
  /** What index.json points at: the manifest, or the image index when there are several platforms. */
  root: Descriptor;
  images: Array<{ platform: Platform; manifest: Descriptor; config: Descriptor }>;
  layers: LayerDescriptor[];
}

export interface BuildImageOptions {
  /** Default SCAN_IMAGE_TAG. */
  tag?: string;
  /** Default linux/amd64 alone; two or more make an image index. */
  platforms?: Platform[];
}

async function sha256OfStream(stream: Readable): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** The digest of a layer's uncompressed tar. Node 20 has no zstd, so that goes through the CLI. */
async function diffIdOf(layer: ImageLayer): Promise<string> {
  if (layer.mediaType === MEDIA_TYPE_LAYER_GZIP) return (await sha256OfStream(createReadStream(layer.path).pipe(createGunzip()))).digest;
  if (layer.mediaType === MEDIA_TYPE_LAYER_TAR) return (await sha256OfStream(createReadStream(layer.path))).digest;
  if (layer.mediaType !== MEDIA_TYPE_LAYER_ZSTD) throw new Error(`no decompressor for layer media type ${layer.mediaType}`);
  const zstd = spawn('zstd', ['-dc', '--', layer.path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => zstd.once('close', resolve));
  const { digest } = await sha256OfStream(zstd.stdout);
  if ((await exited) !== 0) throw new Error(`zstd -d failed on ${layer.path}`);
  return digest;
}

/** Layer files are never rewritten, so one digest pass per file serves every layout built from it. */
const layerDescriptors = new Map<string, Promise<LayerDescriptor>>();

function describeLayer(layer: ImageLayer): Promise<LayerDescriptor> {
  let descriptor = layerDescriptors.get(layer.path);
  if (!descriptor) {
    descriptor = Promise.all([sha256OfStream(createReadStream(layer.path)), diffIdOf(layer)]).then(([{ digest, size }, diffId]) => ({
      mediaType: layer.mediaType,
      digest,
      size,
      diffId,
    }));
    layerDescriptors.set(layer.path, descriptor);
  }
  return descriptor;
}

/** Hard link when the cache and the layout share a filesystem (the base layer is tens of MB). */
function placeBlob(source: string, target: string): void {
  if (existsSync(target)) return;
  try {
    linkSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
}

/**
 * Writes an OCI image layout at `out` holding the given layers (first = bottom) once per
 * platform; the configs list each layer's diff_id, and index.json tags the result.
 */
export async function buildImage(layers: ImageLayer[], out: string, options: BuildImageOptions = {}): Promise<OciImageLayout> {
  const tag = options.tag ?? SCAN_IMAGE_TAG;
  const platforms = options.platforms ?? [{ architecture: 'amd64', os: 'linux' }];
  const blobs = join(out, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const writeJsonBlob = (mediaType: string, value: unknown): Descriptor => {
    const bytes = Buffer.from(JSON.stringify(value));
    const digest = sha256Digest(bytes);
    writeFileSync(join(blobs, digest.slice('sha256:'.length)), bytes);
    return { mediaType, digest, size: bytes.length };
  };

  const layerDescriptors: LayerDescriptor[] = [];
  for (const layer of layers) {
    const descriptor = await describeLayer(layer);
    placeBlob(layer.path, join(blobs, descriptor.digest.slice('sha256:'.length)));
    layerDescriptors.push(descriptor);
  }

  const images = platforms.map((platform) => {
    // Field order follows image-spec's Go structs, as oci-layout.ts explains.
    const config = writeJsonBlob(MEDIA_TYPE_CONFIG, {
      created: '2024-01-01T00:00:00Z',
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'], WorkingDir: '/app' },
      rootfs: { type: 'layers', diff_ids: layerDescriptors.map((layer) => layer.diffId) },
      history: layers.map((layer) => ({ created: '2024-01-01T00:00:00Z', created_by: layer.createdBy })),
    });
    const manifest = writeJsonBlob(MEDIA_TYPE_MANIFEST, {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_MANIFEST,
      config,
      layers: layerDescriptors.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    });
    return { platform, manifest, config };
  });

  const root =
    images.length === 1
      ? images[0]!.manifest
      : writeJsonBlob(MEDIA_TYPE_INDEX, {
          schemaVersion: 2,
          mediaType: MEDIA_TYPE_INDEX,
          manifests: images.map(({ platform, manifest }) => ({ ...manifest, platform })),
        });
  writeFileSync(join(out, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(out, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...root, annotations: { [REF_NAME_ANNOTATION]: tag } }] }));
  return { dir: out, tag, reference: `oci:${out}:${tag}`, root, images, layers: layerDescriptors };
}

// ---- the test images -------------------------------------------------------------------------

export interface ScanTestImages {
  /** OCI layout directory of the linux/amd64 image, tagged SCAN_IMAGE_TAG. */
  debian: string;
  /** OCI layout directory of the image index over linux/amd64 and linux/arm64/v8. */
  multiArch: string;
  tag: string;
  /** The cached base layer (Debian rootfs, tar+gzip). */
  rootfsTarball: string;
  /** Digests and descriptors of both layouts. */
  layouts: { debian: OciImageLayout; multiArch: OciImageLayout };
}

let testImages: Promise<ScanTestImages> | undefined;

async function buildScanTestImages(): Promise<ScanTestImages> {
  const rootfsTarball = await debianRootfs();
  await ensureDebianPackages(['zstd']);
  const work = mkdtempSync(join(tmpdir(), 'wharf-scan-images-'));
  process.once('exit', () => rmSync(work, { recursive: true, force: true }));
  const layers: ImageLayer[] = [
    { path: rootfsTarball, mediaType: MEDIA_TYPE_LAYER_GZIP, createdBy: 'debootstrap --variant=minbase bookworm (scripts/build-scan-rootfs.sh)' },
    await writeLayer(work, 'app', appLayer(), 'gzip', 'COPY app /app'),
    await writeLayer(work, 'python', pythonLayer(), 'zstd', 'pip install requests==2.25.1 urllib3==1.26.4'),
    await writeLayer(work, 'cleanup', cleanupLayer(), 'none', 'pip install urllib3==1.26.18; pip uninstall six; npm uninstall ansi-regex'),
  ];
  const debian = await buildImage(layers, join(work, 'debian'));
  const multiArch = await buildImage(layers, join(work, 'multi-arch'), {
    platforms: [
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ],
  });
  return { debian: debian.dir, multiArch: multiArch.dir, tag: SCAN_IMAGE_TAG, rootfsTarball, layouts: { debian, multiArch } };
}

/** Both test images, built once per process (the rootfs under them once per machine). */
export function scanTestImages(): Promise<ScanTestImages> {
  testImages ??= buildScanTestImages();
  return testImages;
}
