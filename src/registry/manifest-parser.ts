// Validates a pushed manifest and extracts what the registry indexes: the blobs and child manifests
// it references (which must exist), its subject (for referrers) and its artifact type.
import { parseDigest } from '../storage/index.js';
import { RegistryError } from './errors.js';
import { MediaTypes, isSchema1, manifestKind, type ManifestKind } from './media-types.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface ParsedManifest {
  mediaType: string;
  kind: ManifestKind;
  artifactType: string | null;
  configDigest: string | null;
  subject: Descriptor | null;
  annotations: Record<string, string> | null;
  /** Blobs that must be present in the repository. */
  blobs: Descriptor[];
  /** Manifests (of an index) that must be present in the repository. */
  manifests: Descriptor[];
}

/** Layers that may live outside the registry (Windows base layers); their blobs are not required. */
const FOREIGN_LAYER_TYPES = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

function invalid(message: string, detail?: unknown): RegistryError {
  return new RegistryError('MANIFEST_INVALID', message, detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseAnnotations(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw invalid(`${where}.annotations must be a map of strings`);
  }
  return value as Record<string, string>;
}

function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size, artifactType, urls } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0 || mediaType.length > 255) {
    throw invalid(`${where}.mediaType must be a non-empty string`);
  }
  if (typeof digest !== 'string' || !parseDigest(digest)) {
    throw new RegistryError('DIGEST_INVALID', `${where}.digest is not a valid digest`, { digest });
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(`${where}.size must be a non-negative integer`);
  }
  if (artifactType !== undefined && typeof artifactType !== 'string') throw invalid(`${where}.artifactType must be a string`);
  if (urls !== undefined && (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string'))) {
    throw invalid(`${where}.urls must be a list of strings`);
  }
  const descriptor: Descriptor = { mediaType, digest, size };
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  const annotations = parseAnnotations(value.annotations, where);
  if (annotations) descriptor.annotations = annotations;
  if (urls !== undefined) descriptor.urls = urls as string[];
  return descriptor;
}

function parseDescriptorList(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw invalid(`${where} must be a list of descriptors`);
  return value.map((item, i) => parseDescriptor(item, `${where}[${i}]`));
}

/**
 * `contentType` is the request's Content-Type; the body's own `mediaType`, when present, must agree.
 * Clients that send no usable Content-Type are served by the body's `mediaType`.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): ParsedManifest {
  const declared = contentType?.split(';')[0]!.trim().toLowerCase() || undefined;
  if (declared && isSchema1(declared)) {
    throw invalid('Docker image manifest schema 1 is not supported; push schema 2 or OCI manifests');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isObject(body)) throw invalid('manifest must be a JSON object');
  if (body.schemaVersion === 1 || (typeof body.mediaType === 'string' && isSchema1(body.mediaType))) {
    throw invalid('Docker image manifest schema 1 is not supported; push schema 2 or OCI manifests');
  }
  if (body.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const bodyType = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  if (body.mediaType !== undefined && bodyType === undefined) throw invalid('mediaType must be a string');

  const usableDeclared = declared && manifestKind(declared) ? declared : undefined;
  if (usableDeclared && bodyType && bodyType !== usableDeclared) {
    throw invalid(`Content-Type ${usableDeclared} does not match the manifest's mediaType ${bodyType}`);
  }
  const mediaType = bodyType ?? usableDeclared ?? inferMediaType(body);
  const kind = manifestKind(mediaType);
  if (!kind) throw invalid(`unsupported manifest media type ${mediaType}`);

  const annotations = parseAnnotations(body.annotations, 'manifest') ?? null;
  const subject = body.subject === undefined ? null : parseDescriptor(body.subject, 'subject');
  if (body.artifactType !== undefined && typeof body.artifactType !== 'string') throw invalid('artifactType must be a string');
  const ownArtifactType = (body.artifactType as string | undefined) ?? null;

  if (kind === 'image') {
    const config = parseDescriptor(body.config, 'config');
    const layers = parseDescriptorList(body.layers, 'layers');
    if (ownArtifactType !== null && mediaType !== MediaTypes.ociManifest) throw invalid('artifactType is only valid on OCI manifests');
    const required = [config, ...layers.filter((l) => !FOREIGN_LAYER_TYPES.has(l.mediaType) && !(l.urls?.length))];
    return {
      mediaType,
      kind,
      // The spec defines an image manifest's artifact type as its own, else its config's.
      artifactType: ownArtifactType ?? config.mediaType,
      configDigest: config.digest,
      subject,
      annotations,
      blobs: dedupe(required),
      manifests: [],
    };
  }
  const manifests = parseDescriptorList(body.manifests, 'manifests');
  return {
    mediaType,
    kind,
    artifactType: ownArtifactType,
    configDigest: null,
    subject,
    annotations,
    blobs: [],
    manifests: dedupe(manifests),
  };
}

/** An OCI manifest may omit mediaType; its shape then tells what it is. */
function inferMediaType(body: Record<string, unknown>): string {
  if (Array.isArray(body.manifests)) return MediaTypes.ociIndex;
  if (isObject(body.config)) return MediaTypes.ociManifest;
  throw invalid('cannot determine the manifest media type: send Content-Type or mediaType');
}

function dedupe(descriptors: Descriptor[]): Descriptor[] {
  const seen = new Map<string, Descriptor>();
  for (const d of descriptors) if (!seen.has(d.digest)) seen.set(d.digest, d);
  return [...seen.values()];
}
