// Turns an inventory into findings: each package is looked up under the key its advisories are
// filed by (ecosystems.ts), candidate rows are fetched in batches (one query per ecosystem and up
// to 500 names, never one per package), and each candidate's ranges are evaluated in process
// with the ecosystem's version order.
import type { Kysely } from 'kysely';
import type { Database } from '../../meta/index.js';
import type { Inventory, InventoryPackage, VersionScheme } from '../types.js';
import { schemeForEcosystem } from '../versions/index.js';
import { matchAffected, type AffectedVersions } from './affected.js';
import { inBatches } from './batches.js';
import { lookupFor, type PackageLookup } from './ecosystems.js';
import type { Finding } from './index.js';
import { vulnDb } from './schema.js';
import type { EcrSeverity } from './severity.js';

interface Lookup extends PackageLookup {
  pkg: InventoryPackage;
  scheme: VersionScheme;
}

/** A vulnerable_packages row with its record, JSON columns parsed once however many packages share it. */
interface Candidate {
  vulnerabilityId: string;
  affected: AffectedVersions;
  finding: Omit<Finding, 'package' | 'fixedVersion'>;
}

const keyOf = (ecosystemKey: string, packageKey: string): string => `${ecosystemKey}\0${packageKey}`;

export async function findVulnerabilities(db: Kysely<Database>, inventory: Inventory): Promise<Finding[]> {
  const lookups = inventory.packages.flatMap((pkg): Lookup[] => {
    const lookup = lookupFor(pkg, inventory.os);
    const scheme = schemeForEcosystem(pkg.ecosystem);
    return lookup && scheme ? [{ ...lookup, pkg, scheme }] : [];
  });
  const candidates = await candidatesFor(db, lookups);
  const findings: Finding[] = [];
  for (const lookup of lookups) {
    // One finding per record and package, though a record may list the package more than once
    // (Red Hat names it once per repository: appstream, baseos).
    const found = new Set<string>();
    for (const candidate of candidates.get(keyOf(lookup.ecosystemKey, lookup.packageKey)) ?? []) {
      if (found.has(candidate.vulnerabilityId)) continue;
      const match = matchAffected(candidate.affected, lookup.version, lookup.scheme);
      if (!match) continue;
      found.add(candidate.vulnerabilityId);
      findings.push({ ...candidate.finding, package: lookup.pkg, ...(match.fixedVersion !== undefined ? { fixedVersion: match.fixedVersion } : {}) });
    }
  }
  return findings.sort(
    (a, b) =>
      compareText(a.package.name, b.package.name) ||
      compareText(a.package.version, b.package.version) ||
      compareText(a.package.path, b.package.path) ||
      compareText(a.id, b.id),
  );
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function candidatesFor(db: Kysely<Database>, lookups: Lookup[]): Promise<Map<string, Candidate[]>> {
  const namesByEcosystem = new Map<string, Set<string>>();
  for (const { ecosystemKey, packageKey } of lookups) {
    const names = namesByEcosystem.get(ecosystemKey) ?? new Set<string>();
    namesByEcosystem.set(ecosystemKey, names.add(packageKey));
  }
  const candidates = new Map<string, Candidate[]>();
  for (const [ecosystemKey, names] of namesByEcosystem) {
    for (const slice of inBatches([...names], 500)) {
      const rows = await vulnDb(db)
        .selectFrom('vulnerable_packages as p')
        .innerJoin('vulnerabilities as v', 'v.id', 'p.vulnerability_id')
        .select(['p.vulnerability_id', 'p.package_key', 'p.ranges', 'p.severity', 'p.cvss_score', 'p.cvss_vector', 'p.cvss_version'])
        .select(['v.aliases', 'v.summary', 'v.details', 'v.reference_urls', 'v.published', 'v.modified', 'v.source_url'])
        .where('p.ecosystem_key', '=', ecosystemKey)
        .where('p.package_key', 'in', slice)
        .orderBy('p.vulnerability_id')
        .orderBy('p.seq')
        .execute();
      for (const row of rows) {
        const key = keyOf(ecosystemKey, row.package_key);
        const list = candidates.get(key) ?? [];
        candidates.set(key, list);
        list.push({
          vulnerabilityId: row.vulnerability_id,
          affected: JSON.parse(row.ranges) as AffectedVersions,
          finding: {
            id: row.vulnerability_id,
            aliases: JSON.parse(row.aliases) as string[],
            summary: row.summary ?? '',
            details: row.details ?? '',
            // Written by the importer from severity.ts, so always one of ECR's names.
            severity: row.severity as EcrSeverity,
            ...(row.cvss_score !== null && row.cvss_vector !== null && row.cvss_version !== null
              ? { cvssScore: row.cvss_score, cvssVector: row.cvss_vector, cvssVersion: row.cvss_version }
              : {}),
            references: JSON.parse(row.reference_urls) as string[],
            ...(row.published !== null ? { published: Number(row.published) } : {}),
            modified: Number(row.modified),
            ...(row.source_url !== null ? { sourceUrl: row.source_url } : {}),
          },
        });
      }
    }
  }
  return candidates;
}
