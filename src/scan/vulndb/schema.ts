// The vulnerability database at a glance (migration 0010; the rest of the schema is meta/schema.ts):
//
//   vulnerabilities          id PK (OSV id) · modified · published · withdrawn · summary · details ·
//                            aliases(JSON) · reference_urls(JSON) · source_url · content_hash
//                                                              (one row per OSV record ever imported)
//   vulnerable_packages      (vulnerability_id → vulnerabilities, seq) PK · ecosystem (as OSV names
//                            it) · ecosystem_key · package_name · package_key · ranges(JSON) ·
//                            severity · cvss_score · cvss_version · cvss_vector
//                            (one row per affected[] entry the matcher can evaluate; none while
//                            the record is withdrawn)
//   settings                 'scan-db:updated-at' (newest `modified` imported, epoch ms) ·
//                            'scan-db:generation' (moves whenever findings could change)
//
// The matcher looks packages up by (ecosystem_key, package_key): the ecosystem without the parts a
// release does not depend on (`Ubuntu:22.04:LTS` -> `Ubuntu:22.04`) and the name as the ecosystem
// compares names (PEP 503 for PyPI). Severity is resolved per package row at import time, because
// a distribution rates each of its releases on its own (Debian urgency per release).
import type { Kysely } from 'kysely';
import type { Database } from '../../meta/index.js';

export interface VulnerabilitiesTable {
  id: string;
  modified: number;
  published: number | null;
  withdrawn: number | null;
  summary: string | null;
  details: string | null;
  /** JSON array: the record's aliases and upstream ids (the CVE a distribution record is about). */
  aliases: string;
  /** JSON array of URLs. */
  reference_urls: string;
  source_url: string | null;
  content_hash: string;
}

export interface VulnerablePackagesTable {
  vulnerability_id: string;
  /** Index of the entry in the record's affected[]. */
  seq: number;
  ecosystem: string;
  ecosystem_key: string;
  package_name: string;
  package_key: string;
  /** JSON of `AffectedVersions` (affected.ts): the ranges and versions the matcher evaluates. */
  ranges: string;
  severity: string;
  cvss_score: number | null;
  cvss_version: string | null;
  cvss_vector: string | null;
}

// A type alias, not an interface: withTables() needs the implicit index signature only aliases get.
export type VulnTables = {
  vulnerabilities: VulnerabilitiesTable;
  vulnerable_packages: VulnerablePackagesTable;
};

export type VulnDatabase = Kysely<Database & VulnTables>;

/** The metadata database seen with the vulnerability tables, which meta/schema.ts leaves out. */
export function vulnDb(db: Kysely<Database>): VulnDatabase {
  return db.withTables<VulnTables>();
}
