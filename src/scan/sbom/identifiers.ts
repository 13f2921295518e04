// What both SBOM formats need to name things the same way every time: the image being described,
// a stable identifier for each package, and document ids derived from the image digest. The same
// inventory of the same image therefore always produces byte-identical documents.
import { createHash } from 'node:crypto';
import { formatPurl } from '../inventory/purl.js';
import type { Inventory, InventoryPackage } from '../types.js';

/** The image an SBOM describes. */
export interface SbomImage {
  repository: string;
  /** Manifest digest, `sha256:<hex>`. */
  digest: string;
  tags: string[];
  /** Stands in for the document's creation time, so regenerating a document does not change it. */
  createdAt: Date;
}

export interface SbomPackage {
  pkg: InventoryPackage;
  /** Unique within the document and made only of `[A-Za-z0-9.-]`: `<name>-<version>-<hash>`. */
  key: string;
}

/** RFC 4122 URL namespace; the name hashed into it is a `wharf:` URI, as v5 UUIDs expect. */
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/**
 * The inventory's packages in a fixed order (name, version, path, purl), each once: detectors
 * may report one package twice, but an SBOM lists it once.
 */
export function sbomPackages(inventory: Inventory): SbomPackage[] {
  const byKey = new Map<string, SbomPackage>();
  for (const pkg of inventory.packages) {
    const key = packageKey(pkg);
    if (!byKey.has(key)) byKey.set(key, { pkg, key });
  }
  return [...byKey.values()].sort((a, b) => compareBy(a.pkg, b.pkg));
}

/** A name-based (version 5) UUID: the same digest and purpose always give the same id. */
export function documentUuid(purpose: string, digest: string): string {
  const hash = createHash('sha1').update(URL_NAMESPACE).update(`wharf:${purpose}:${digest}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The digest's algorithm and hex value, when it is one both formats can state as a checksum. */
export function digestChecksum(digest: string): { algorithm: 'sha256' | 'sha512'; hex: string } | undefined {
  const match = /^(sha256|sha512):([0-9a-f]+)$/.exec(digest);
  return match ? { algorithm: match[1] as 'sha256' | 'sha512', hex: match[2]! } : undefined;
}

/** `pkg:oci/<last path segment>@<digest>`: the purl spec names an OCI artifact by its digest. */
export function imagePurl(image: SbomImage): string {
  const name = image.repository.split('/').at(-1)!.toLowerCase();
  return formatPurl({ type: 'oci', name, version: image.digest });
}

/** Replaces every character an SPDX identifier may not hold (anything outside `[A-Za-z0-9.-]`) with `-`. */
export function identifierSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]/g, '-');
}

/** The first `length` hex digits of the text's SHA-256: enough to keep identifiers apart. */
export function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

// The hash covers every field that tells two packages apart, so the key stays unique even where
// name and version repeat (the same library vendored at two paths) or sanitising merges names.
function packageKey(pkg: InventoryPackage): string {
  const identity = JSON.stringify([pkg.ecosystem, pkg.name, pkg.version, pkg.path, pkg.purl]);
  return `${identifierSafe(pkg.name)}-${identifierSafe(pkg.version)}-${shortHash(identity, 16)}`;
}

function compareBy(a: InventoryPackage, b: InventoryPackage): number {
  for (const field of ['name', 'version', 'path', 'purl', 'ecosystem'] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  return 0;
}
