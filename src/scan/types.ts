// The vocabulary every part of the scanner shares: what a layer walk yields, what a package
// detector finds, and how a version is ordered. Kept in one small file so the walker, the
// detectors, the vulnerability database and the matcher agree without importing each other.
import type { Readable } from 'node:stream';

/** One layer of an image, in the order the image applies them. */
export interface LayerSource {
  digest: string;
  /** OCI/Docker layer media type; it decides the decompression (gzip, zstd or none). */
  mediaType: string;
  open(): Promise<Readable>;
}

/** Bounds that stop a hostile layer from exhausting memory, disk or time. */
export interface ScanLimits {
  /** Decompressed bytes over all layers. */
  maxDecompressedBytes: number;
  /** Tar entries over all layers. */
  maxEntries: number;
  /** Largest single file a detector is handed (larger wanted files are skipped, not read). */
  maxFileBytes: number;
}

/** A regular file met in a layer, as a detector sees it before its bytes are read. */
export interface LayerFile {
  /** Normalised path without a leading slash, e.g. `var/lib/dpkg/status`. */
  path: string;
  size: number;
  mode: number;
}

/** The order a version string follows; each has a pure comparator in `scan/versions`. */
export type VersionScheme = 'dpkg' | 'apk' | 'rpm' | 'semver' | 'go' | 'pep440' | 'maven' | 'rubygems' | 'composer';

export interface OsRelease {
  /** `ID` from os-release, e.g. `debian`, `ubuntu`, `alpine`, `rhel`, `rocky`. */
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
  idLike: string[];
}

export type PackageKind = 'os' | 'language';

export interface InventoryPackage {
  /** The package's own name (the binary package for dpkg/rpm/apk). */
  name: string;
  /** The version as installed, in the ecosystem's own syntax (dpkg: `[epoch:]upstream[-revision]`). */
  version: string;
  /**
   * OSV ecosystem without a release suffix: Debian, Ubuntu, Alpine, Red Hat, Rocky Linux,
   * AlmaLinux, npm, PyPI, Go, Maven, crates.io, RubyGems, Packagist.
   */
  ecosystem: string;
  kind: PackageKind;
  /** OS packages: the source package advisories are keyed by (dpkg `Source:`, apk origin, rpm SRPM name). */
  sourceName?: string;
  sourceVersion?: string;
  /** The file the package was read from. */
  path: string;
  /** Package URL (purl), e.g. `pkg:deb/debian/bash@5.2.15-2?arch=amd64&distro=debian-12`. */
  purl: string;
  arch?: string;
  licenses?: string[];
}

/** What one file told the detectors. */
export interface FileFindings {
  packages: InventoryPackage[];
  osRelease?: OsRelease;
}

export interface Inventory {
  os?: OsRelease;
  packages: InventoryPackage[];
}
