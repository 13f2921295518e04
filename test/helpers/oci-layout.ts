// Builds a small, valid, multi-architecture OCI image layout on disk with Node only (no network,
// no external tools), for end-to-end tests with real registry clients (skopeo, podman, ...).
//
//   DIR/
//     oci-layout                     {"imageLayoutVersion":"1.0.0"}
//     index.json                     -> the image index, tagged with org.opencontainers.image.ref.name
//     blobs/sha256/<hex>             index, 2 manifests, 2 configs, 2 gzip layers (7 blobs)
//
//   image index (application/vnd.oci.image.index.v1+json)
//     ├── manifest linux/amd64  -> config (architecture amd64) + layer (tar+gzip: /wharf/amd64.txt)
//     └── manifest linux/arm64  -> config (architecture arm64) + layer (tar+gzip: /wharf/arm64.txt)
//
// The index and manifests are serialized with fields in the order Go's encoding/json writes the
// image-spec structs, so a Go client (skopeo) that decodes and re-encodes them gets the same bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const MEDIA_TYPE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const MEDIA_TYPE_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface PlatformImage {
  architecture: string;
  os: string;
  variant?: string;
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor & { diffId: string; fileName: string; fileContent: string };
}

export interface MultiArchLayout {
  /** The layout directory (use as `oci:DIR:TAG`). */
  dir: string;
  tag: string;
  index: Descriptor & { bytes: Buffer };
  images: PlatformImage[];
  /** Digests of every blob in blobs/sha256 (index, manifests, configs, layers), sorted. */
  blobDigests: string[];
  /** Removes the layout directory. */
  cleanup(): void;
}

export interface BuildLayoutOptions {
  /** Directory to write into (created if missing); default: a new temp directory. */
  dir?: string;
  /** Tag recorded in index.json as org.opencontainers.image.ref.name; default "v1". */
  tag?: string;
  /** Mixed into file contents, so layouts built with different salts share no blobs. */
  salt?: string;
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// ---- tar (ustar), written by hand ----------------------------------------------------------

function writeField(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'ascii');
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  bytes.copy(header, offset);
}

function octal(value: number, length: number): string {
  // length-1 octal digits, NUL-terminated
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

function tarHeader(name: string, size: number, typeflag: '0' | '5', mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(512, 0);
  writeField(h, 0, 100, name); // name
  writeField(h, 100, 8, octal(mode, 8)); // mode
  writeField(h, 108, 8, octal(0, 8)); // uid
  writeField(h, 116, 8, octal(0, 8)); // gid
  writeField(h, 124, 12, octal(size, 12)); // size
  writeField(h, 136, 12, octal(mtime, 12)); // mtime
  h.fill(0x20, 148, 156); // chksum: spaces while computing
  writeField(h, 156, 1, typeflag); // typeflag
  writeField(h, 257, 6, 'ustar\0'); // magic
  writeField(h, 263, 2, '00'); // version
  writeField(h, 265, 32, 'root'); // uname
  writeField(h, 297, 32, 'root'); // gname
  let sum = 0;
  for (const byte of h) sum += byte;
  writeField(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** A minimal ustar archive: entries are directories (content undefined) or regular files. */
export function makeTar(entries: Array<{ name: string; content?: Buffer | string }>, mtime = 1_700_000_000): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.content === undefined) {
      parts.push(tarHeader(entry.name.endsWith('/') ? entry.name : `${entry.name}/`, 0, '5', 0o755, mtime));
      continue;
    }
    const data = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content, 'utf8');
    parts.push(tarHeader(entry.name, data.length, '0', 0o644, mtime));
    parts.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0)); // two zero blocks end the archive
  return Buffer.concat(parts);
}

// ---- layout --------------------------------------------------------------------------------

export function buildMultiArchLayout(options: BuildLayoutOptions = {}): MultiArchLayout {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wharf-oci-layout-'));
  const tag = options.tag ?? 'v1';
  const salt = options.salt ?? '';
  const blobsDir = join(dir, 'blobs', 'sha256');
  mkdirSync(blobsDir, { recursive: true });
  const blobDigests = new Set<string>();

  const writeBlob = (mediaType: string, data: Buffer): Descriptor => {
    const digest = sha256Digest(data);
    writeFileSync(join(blobsDir, digest.slice('sha256:'.length)), data);
    blobDigests.add(digest);
    return { mediaType, digest, size: data.length };
  };

  const platforms = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux', variant: 'v8' },
  ];
  const images: PlatformImage[] = platforms.map((p) => {
    const fileName = `wharf/${p.architecture}.txt`;
    const fileContent = `hello from wharf e2e, ${p.os}/${p.architecture}${salt ? ` (${salt})` : ''}\n`;
    const tar = makeTar([{ name: 'wharf/' }, { name: fileName, content: fileContent }]);
    const diffId = sha256Digest(tar);
    const layer = writeBlob(MEDIA_TYPE_LAYER_GZIP, gzipSync(tar, { level: 9 }));

    // Field order follows image-spec's Go struct (specs-go/v1/config.go).
    const configJson = {
      created: '2024-01-01T00:00:00Z',
      architecture: p.architecture,
      ...(p.variant ? { variant: p.variant } : {}),
      os: p.os,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: [`/${fileName}`] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: `wharf e2e layout ${p.architecture}` }],
    };
    const config = writeBlob(MEDIA_TYPE_CONFIG, Buffer.from(JSON.stringify(configJson)));

    const manifestJson = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_MANIFEST,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    };
    const manifest = writeBlob(MEDIA_TYPE_MANIFEST, Buffer.from(JSON.stringify(manifestJson)));
    return {
      ...p,
      manifest,
      config,
      layer: { ...layer, diffId, fileName, fileContent },
    };
  });

  const indexJson = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_INDEX,
    manifests: images.map((img) => ({
      mediaType: img.manifest.mediaType,
      digest: img.manifest.digest,
      size: img.manifest.size,
      platform: {
        architecture: img.architecture,
        os: img.os,
        ...(img.variant ? { variant: img.variant } : {}),
      },
    })),
  };
  const indexBytes = Buffer.from(JSON.stringify(indexJson));
  const index = writeBlob(MEDIA_TYPE_INDEX, indexBytes);

  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...index, annotations: { [REF_NAME_ANNOTATION]: tag } }],
    }),
  );

  return {
    dir,
    tag,
    index: { ...index, bytes: indexBytes },
    images,
    blobDigests: [...blobDigests].sort(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// ---- reading a layout back (e.g. one skopeo wrote) -----------------------------------------

export interface LayoutContents {
  /** The descriptors listed in index.json. */
  refs: Array<Descriptor & { annotations?: Record<string, string> }>;
  /** Digests of every file in blobs/sha256, sorted. */
  blobDigests: string[];
  readBlob(digest: string): Buffer;
  /** The descriptor in index.json whose ref.name annotation is `tag`. */
  findRef(tag: string): (Descriptor & { annotations?: Record<string, string> }) | undefined;
}

export function readOciLayout(dir: string): LayoutContents {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    manifests?: Array<Descriptor & { annotations?: Record<string, string> }>;
  };
  const refs = index.manifests ?? [];
  const blobsDir = join(dir, 'blobs', 'sha256');
  const blobDigests = readdirSync(blobsDir)
    .filter((name) => /^[a-f0-9]{64}$/.test(name))
    .map((hex) => `sha256:${hex}`)
    .sort();
  return {
    refs,
    blobDigests,
    readBlob: (digest: string) => readFileSync(join(blobsDir, digest.replace(/^sha256:/, ''))),
    findRef: (tag: string) => refs.find((r) => r.annotations?.[REF_NAME_ANNOTATION] === tag),
  };
}

/** Regular files of a tar archive (ustar/GNU; pax and long-name headers are honoured). */
export function readTarFiles(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const str = (offset: number, length: number) => {
    const raw = tar.subarray(offset, offset + length);
    const nul = raw.indexOf(0);
    return raw.subarray(0, nul === -1 ? raw.length : nul).toString('utf8');
  };
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    if (tar.subarray(offset, offset + 512).every((b) => b === 0)) break;
    const size = parseInt(str(offset + 124, 12).trim() || '0', 8);
    const type = str(offset + 156, 1) || '0';
    const prefix = str(offset + 257, 6).startsWith('ustar') ? str(offset + 345, 155) : '';
    let name = prefix ? `${prefix}/${str(offset, 100)}` : str(offset, 100);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === 'x') {
      const path = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (path) longName = path[1];
      continue;
    }
    if (type === 'g') continue;
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    if (type === '0' || type === '7') files.set(name.replace(/^\.\//, ''), Buffer.from(data));
  }
  return files;
}
