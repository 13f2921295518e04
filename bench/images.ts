// Small OCI images (one random layer + config + manifest), pushed the way docker and skopeo push:
// check each blob, upload the missing ones, then PUT the manifest.
import { randomBytes } from 'node:crypto';
import {
  bufferSource,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  sha256Digest,
  type BlobSource,
  type RegistryClient,
} from './registry-client.js';

export interface SmallImage {
  layer: BlobSource;
  config: BlobSource;
  manifest: Buffer;
  manifestDigest: string;
}

/** A unique image: random layer bytes, so no two images share a blob. */
export function makeSmallImage(layerBytes: number): SmallImage {
  const layer = bufferSource(randomBytes(layerBytes));
  const config = bufferSource(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['/bin/true'] },
        // The layer is not a real tarball, so its digest stands in for the uncompressed one.
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }],
    }),
  );
  return { layer, config, manifest, manifestDigest: sha256Digest(manifest) };
}

export async function pushImageBlobs(client: RegistryClient, repository: string, image: SmallImage): Promise<void> {
  await client.ensureBlob(repository, image.layer);
  await client.ensureBlob(repository, image.config);
}

export async function pushImage(client: RegistryClient, repository: string, tag: string, image: SmallImage): Promise<void> {
  await pushImageBlobs(client, repository, image);
  await client.putManifest(repository, tag, image.manifest);
}
