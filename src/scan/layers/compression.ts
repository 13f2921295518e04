// Which layer media types the walker accepts, and how a layer's compression is decided: by its
// first bytes, as containerd decides it when it unpacks a layer. The media type is only checked
// to be a layer type: tools mislabel compression in both directions (gzip bytes typed `.tar`,
// plain tar typed `+gzip`), and scanning must see the same files the runtime will.
import { layerProblem } from './errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);

export const ZSTD_FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames carry 0x184D2A50..0x184D2A5F; a zstd stream may open with one (zstd:chunked). */
export const SKIPPABLE_FRAME_MAGIC = 0x184d2a50;
export const SKIPPABLE_MAGIC_MASK = 0xfffffff0;

/** Bytes `sniffCompression` looks at. */
export const MAGIC_LENGTH = 4;

export function assertLayerMediaType(mediaType: string, layerDigest: string): void {
  if (!LAYER_MEDIA_TYPES.has(mediaType)) {
    throw layerProblem(`unsupported layer media type ${JSON.stringify(mediaType)}`, layerDigest);
  }
}

/** Compression named by a layer's first bytes; anything without a known magic number is plain tar. */
export function sniffCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < MAGIC_LENGTH) return 'none';
  const magic = head.readUInt32LE(0);
  if (magic === ZSTD_FRAME_MAGIC || (magic & SKIPPABLE_MAGIC_MASK) === SKIPPABLE_FRAME_MAGIC) return 'zstd';
  return 'none';
}
