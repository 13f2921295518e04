// The scanner's vulnerability database: OSV records imported into the metadata database
// (`wharf scan-db import`), and the matcher that turns a package inventory into findings.
import type { InventoryPackage } from '../types.js';
import type { EcrSeverity } from './severity.js';

/** One vulnerability of one installed package. Times are epoch milliseconds. */
export interface Finding {
  /** The OSV id (CVE-…, GHSA-…, DEBIAN-CVE-…, UBUNTU-CVE-…, ALPINE-CVE-…, RHSA-…). */
  id: string;
  /** Other ids of the same vulnerability, including the upstream CVE of a distribution record. */
  aliases: string[];
  summary: string;
  details: string;
  severity: EcrSeverity;
  cvssScore?: number;
  cvssVector?: string;
  /** `2.0`, `3.0`, `3.1` or `4.0`. */
  cvssVersion?: string;
  package: InventoryPackage;
  fixedVersion?: string;
  references: string[];
  published?: number;
  modified: number;
  /** The advisory itself (the record's ADVISORY reference). */
  sourceUrl?: string;
}

export { findVulnerabilities } from './matcher.js';
export { importOsv, type ImportCounts, type ImportOptions, type ImportReport, type Rejection } from './importer.js';
export { vulnerabilityDbGeneration, vulnerabilityDbStatus, vulnerabilitySourceUpdatedAt, type VulnerabilityDbStatus } from './state.js';
export { assessSeverity, cvssOf, severityOfRating, severityOfScore, type Cvss, type CvssVersion, type EcrSeverity, type SeverityAssessment } from './severity.js';
export { isAffected, matchAffected, type AffectedMatch, type AffectedVersions, type RangeEvent, type VersionRange } from './affected.js';
