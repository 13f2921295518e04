// The inventory of a scanned image, attached to it as OCI referrers: one CycloneDX and one SPDX
// document, each an artifact manifest whose subject is the image, so `oras discover`, the
// referrers API and ListImageReferrers find them. Stored through the registry's own upload and
// manifest paths, so links, usage, quotas and events treat them like any push.
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { Registry } from '../registry/index.js';
import { MediaTypes } from '../registry/index.js';
import { CYCLONEDX_MEDIA_TYPE, SPDX_MEDIA_TYPE, toCycloneDx, toSpdx } from './sbom/index.js';
import type { PlatformInventory } from './scanner.js';
import type { Inventory } from './types.js';

const EMPTY_CONFIG = Buffer.from('{}');
const refuseCreate = async () => false;

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function storeBlob(registry: Registry, repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = digestOf(bytes);
  const linked = await registry.blobs.linkedDigests(repository, [digest]);
  if (linked.has(digest)) return { digest, size: bytes.length };
  const upload = await registry.uploads.start(repository, refuseCreate);
  return registry.uploads.complete(repository, upload.id, digest, Readable.from([bytes]), { length: bytes.length });
}

/** All platforms' packages as one inventory (an index is one image with several platforms). */
function combined(platforms: PlatformInventory[]): Inventory {
  const first = platforms.find((p) => p.inventory.os)?.inventory.os;
  return { ...(first ? { os: first } : {}), packages: platforms.flatMap((p) => p.inventory.packages) };
}

export async function attachSboms(registry: Registry, repository: string, digest: string, tags: string[], platforms: PlatformInventory[], now: number): Promise<void> {
  const subject = await registry.manifests.get(repository, digest);
  const existing = await registry.manifests.referrers(repository, digest, undefined);
  const present = new Set(existing.manifests.map((m) => m.artifactType));
  const image = { repository, digest, tags, createdAt: new Date(now) };
  const inventory = combined(platforms);
  const documents = [
    { mediaType: CYCLONEDX_MEDIA_TYPE, build: () => toCycloneDx(inventory, image) },
    { mediaType: SPDX_MEDIA_TYPE, build: () => toSpdx(inventory, image) },
  ];
  for (const document of documents) {
    if (present.has(document.mediaType)) continue;
    const bytes = Buffer.from(JSON.stringify(document.build()));
    const layer = await storeBlob(registry, repository, bytes);
    const config = await storeBlob(registry, repository, EMPTY_CONFIG);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: document.mediaType,
        config: { mediaType: MediaTypes.ociEmpty, digest: config.digest, size: config.size },
        layers: [{ mediaType: document.mediaType, digest: layer.digest, size: layer.size }],
        subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.content.length },
        annotations: { 'org.opencontainers.image.created': new Date(now).toISOString(), 'dev.wharf.sbom.generator': 'wharf scanner' },
      }),
    );
    await registry.manifests.put(repository, digestOf(manifest), manifest, MediaTypes.ociManifest, refuseCreate);
  }
}
