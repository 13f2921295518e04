// Reads one stored image and returns what is installed in it: for an image manifest its layers are
// walked in order (scan/layers) and every wanted file analyzed (scan/inventory); for an index each
// platform's image is, and attestation manifests in it are passed over.
import type { BlobService, ManifestService } from '../registry/index.js';
import { MediaTypes } from '../registry/index.js';
import { walkLayers } from './layers/index.js';
import { analyzeFile, buildInventory, wantsFile } from './inventory/index.js';
import type { FileFindings, Inventory, LayerSource, ScanLimits } from './types.js';

type CachedManifest = Awaited<ReturnType<ManifestService['get']>>;

export interface PlatformInventory {
  /** `linux/amd64`, `linux/arm64/v8`, ... (`unknown` when neither index nor config says). */
  platform: string;
  /** The image manifest the inventory was read from. */
  manifestDigest: string;
  inventory: Inventory;
}

/** An image the scanner cannot read (an artifact, a foreign config), ECR's UNSUPPORTED_IMAGE. */
export class UnsupportedImageError extends Error {}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface ParsedImage {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

const IMAGE_CONFIGS = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);

function platformName(p: Descriptor['platform']): string | null {
  if (!p?.os || !p.architecture) return null;
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export class ImageScanner {
  constructor(
    private readonly blobs: BlobService,
    private readonly manifests: ManifestService,
    private readonly limits: Partial<ScanLimits> = {},
  ) {}

  async inventory(repository: string, digest: string, signal?: AbortSignal): Promise<PlatformInventory[]> {
    const manifest = await this.manifests.get(repository, digest);
    const parsed = JSON.parse(manifest.content.toString('utf8')) as ParsedImage;
    if (INDEX_TYPES.has(manifest.mediaType)) {
      const platforms: PlatformInventory[] = [];
      for (const child of parsed.manifests ?? []) {
        // BuildKit attestations ride in indexes as unknown/unknown manifests: not a platform.
        if (child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
        if (INDEX_TYPES.has(child.mediaType ?? '')) continue;
        platforms.push(await this.image(repository, await this.manifests.get(repository, child.digest), platformName(child.platform), signal));
      }
      if (platforms.length === 0) throw new UnsupportedImageError('The index holds no image manifest to scan.');
      return platforms;
    }
    return [await this.image(repository, manifest, null, signal)];
  }

  private async image(repository: string, manifest: CachedManifest, indexPlatform: string | null, signal?: AbortSignal): Promise<PlatformInventory> {
    const parsed = JSON.parse(manifest.content.toString('utf8')) as ParsedImage;
    if (!parsed.config || !IMAGE_CONFIGS.has(parsed.config.mediaType ?? '') || !Array.isArray(parsed.layers)) {
      throw new UnsupportedImageError(`The artifact type ${parsed.config?.mediaType ?? manifest.mediaType} is not a container image.`);
    }
    const platform = indexPlatform ?? (await this.configPlatform(repository, parsed.config.digest)) ?? 'unknown';
    const layers: LayerSource[] = parsed.layers.map((layer) => ({
      digest: layer.digest,
      mediaType: layer.mediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip',
      open: async () => this.blobs.open(await this.blobs.stat(repository, layer.digest)),
    }));
    const files = await walkLayers<FileFindings>(layers, { wants: wantsFile, analyze: analyzeFile }, this.limits, signal);
    return { platform, manifestDigest: manifest.digest, inventory: buildInventory(files) };
  }

  private async configPlatform(repository: string, configDigest: string): Promise<string | null> {
    const info = await this.blobs.stat(repository, configDigest);
    // An image config is small; a huge one is not worth reading for a platform name.
    if (info.size > 4 * 1024 * 1024) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of await this.blobs.open(info)) chunks.push(chunk as Buffer);
    try {
      const config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { os?: string; architecture?: string; variant?: string };
      return platformName(config);
    } catch {
      return null;
    }
  }
}
