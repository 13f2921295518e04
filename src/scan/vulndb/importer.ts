// `wharf scan-db import`: OSV records into the vulnerability tables, idempotently. Each record is
// upserted by its OSV id; a record whose content is what was imported before is skipped on a hash
// comparison alone (no validation, no writes), so re-importing a full OSV export costs little. A
// changed record replaces its package rows, unless it is older than the stored copy. Records are
// written in batches, one transaction each, so a large import commits steadily on both dialects.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../meta/index.js';
import { EVALUATED_RANGE_TYPES, type AffectedVersions } from './affected.js';
import { inBatches } from './batches.js';
import { ecosystemKey, packageKey } from './ecosystems.js';
import { parseOsvRecord, type OsvAffected, type OsvRecord } from './osv.js';
import { vulnDb, type VulnerabilitiesTable, type VulnerablePackagesTable } from './schema.js';
import { assessSeverity } from './severity.js';
import { planSources, readDocuments, type SourceDocument } from './sources.js';
import { advanceSourceUpdatedAt, beginImportTransaction, bumpGeneration, vulnerabilityDbGeneration, vulnerabilitySourceUpdatedAt } from './state.js';

/**
 * Part of every content hash: raise it when what the importer derives from a record changes
 * (severity rules, lookup keys), so the next import rewrites records whose text did not change.
 */
const DERIVATION_VERSION = 1;
const DEFAULT_BATCH_SIZE = 500;
const REJECTION_EXAMPLES = 20;

export interface ImportCounts {
  /** Files and zip entries read. */
  documents: number;
  /** Records met; each ends up imported, unchanged, outdated or rejected. */
  records: number;
  /** Written: new or changed (withdrawn ones included). */
  imported: number;
  /** Of those imported, how many are withdrawn (and so match nothing). */
  withdrawn: number;
  unchanged: number;
  /** Older (`modified`) than the copy already stored, so not written. */
  outdated: number;
  rejected: number;
}

export interface Rejection {
  origin: string;
  reason: string;
}

export interface ImportReport extends ImportCounts {
  /** How many records were rejected for each reason. */
  rejections: Record<string, number>;
  /** The first few rejected records, with where they came from. */
  rejectionExamples: Rejection[];
  /** True when rows changed, and so the generation moved. */
  changed: boolean;
  generation: number;
  sourceUpdatedAt: number | null;
}

export interface ImportOptions {
  batchSize?: number;
  onProgress?: (counts: Readonly<ImportCounts>, documentsTotal: number) => void;
}

interface Candidate {
  origin: string;
  id: string;
  raw: unknown;
  hash: string;
}

interface StoredVersion {
  modified: number;
  hash: string;
}

interface RecordRows {
  vulnerability: VulnerabilitiesTable;
  packages: VulnerablePackagesTable[];
}

export async function importOsv(db: Kysely<Database>, paths: string[], options: ImportOptions = {}): Promise<ImportReport> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const plan = await planSources(paths);
  const run = new ImportRun(db);
  let batch: Candidate[] = [];
  for await (const document of readDocuments(plan)) {
    run.counts.documents++;
    for (const item of candidatesOf(document)) {
      run.counts.records++;
      if ('reason' in item) run.reject(item);
      else batch.push(item);
      if (batch.length >= batchSize) {
        await run.write(batch);
        batch = [];
      }
    }
    // The last document is reported after the last batch is written, with the final counts.
    if (run.counts.documents < plan.documents) options.onProgress?.(run.counts, plan.documents);
  }
  if (batch.length > 0) await run.write(batch);
  options.onProgress?.(run.counts, plan.documents);
  return {
    ...run.counts,
    rejections: run.rejections,
    rejectionExamples: run.rejectionExamples,
    changed: run.counts.imported > 0,
    generation: await vulnerabilityDbGeneration(db),
    sourceUpdatedAt: await vulnerabilitySourceUpdatedAt(db),
  };
}

/** The counts of one import, and the batches it writes. */
class ImportRun {
  readonly counts: ImportCounts = { documents: 0, records: 0, imported: 0, withdrawn: 0, unchanged: 0, outdated: 0, rejected: 0 };
  readonly rejections: Record<string, number> = {};
  readonly rejectionExamples: Rejection[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  reject({ origin, reason }: Rejection): void {
    this.counts.rejected++;
    this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
    if (this.rejectionExamples.length < REJECTION_EXAMPLES) this.rejectionExamples.push({ origin, reason });
  }

  /** One transaction: what changed is written, the generation moves with it, the source time advances. */
  async write(batch: Candidate[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await beginImportTransaction(trx);
      const { writes, newest } = this.triage(batch, await storedVersions(trx, batch));
      if (writes.length > 0) {
        await writeRecords(trx, writes);
        await bumpGeneration(trx);
      }
      if (newest > -Infinity) await advanceSourceUpdatedAt(trx, newest);
    });
  }

  /** Which records to write; validation is spent only on records whose content is new. */
  private triage(batch: Candidate[], stored: Map<string, StoredVersion>): { writes: RecordRows[]; newest: number } {
    const writes = new Map<string, RecordRows>();
    let newest = -Infinity;
    for (const candidate of batch) {
      const known = stored.get(candidate.id);
      if (known?.hash === candidate.hash) {
        this.counts.unchanged++;
        newest = Math.max(newest, known.modified);
        continue;
      }
      const parsed = parseOsvRecord(candidate.raw);
      if ('problem' in parsed) {
        this.reject({ origin: candidate.origin, reason: parsed.problem });
        continue;
      }
      const { record } = parsed;
      newest = Math.max(newest, record.modified);
      if (known && record.modified < known.modified) {
        this.counts.outdated++;
        continue;
      }
      // A later copy of the same record in this batch replaces an earlier one.
      writes.set(record.id, rowsOf(record, candidate.hash));
      stored.set(record.id, { modified: record.modified, hash: candidate.hash });
      this.counts.imported++;
      if (record.withdrawn !== undefined) this.counts.withdrawn++;
    }
    return { writes: [...writes.values()], newest };
  }
}

/** The records of one document: the document itself, or each element of an array. */
function candidatesOf(document: SourceDocument): (Candidate | Rejection)[] {
  if ('problem' in document) return [{ origin: document.origin, reason: document.problem }];
  let json: unknown;
  try {
    json = JSON.parse(document.text);
  } catch {
    return [{ origin: document.origin, reason: 'not valid JSON' }];
  }
  const items = Array.isArray(json) ? json.map((raw, i) => ({ origin: `${document.origin}[${i}]`, raw })) : [{ origin: document.origin, raw: json }];
  return items.map(({ origin, raw }) => {
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' || id === '') return { origin, reason: 'id: missing' };
    const hash = createHash('sha256').update(`${DERIVATION_VERSION}\n${JSON.stringify(raw)}`).digest('hex');
    return { origin, id, raw, hash };
  });
}

async function storedVersions(trx: Kysely<Database>, batch: Candidate[]): Promise<Map<string, StoredVersion>> {
  const ids = [...new Set(batch.map((c) => c.id))];
  const stored = new Map<string, StoredVersion>();
  for (const slice of inBatches(ids, 500)) {
    const rows = await vulnDb(trx).selectFrom('vulnerabilities').select(['id', 'modified', 'content_hash']).where('id', 'in', slice).execute();
    for (const row of rows) stored.set(row.id, { modified: Number(row.modified), hash: row.content_hash });
  }
  return stored;
}

/**
 * Vulnerability rows first: on PostgreSQL their row locks make a concurrent import of the same
 * records wait here, before either replaces the package rows.
 */
async function writeRecords(trx: Kysely<Database>, records: RecordRows[]): Promise<void> {
  const vdb = vulnDb(trx);
  for (const slice of inBatches(records.map((r) => r.vulnerability), 200)) {
    await vdb
      .insertInto('vulnerabilities')
      .values(slice)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          modified: eb.ref('excluded.modified'),
          published: eb.ref('excluded.published'),
          withdrawn: eb.ref('excluded.withdrawn'),
          summary: eb.ref('excluded.summary'),
          details: eb.ref('excluded.details'),
          aliases: eb.ref('excluded.aliases'),
          reference_urls: eb.ref('excluded.reference_urls'),
          source_url: eb.ref('excluded.source_url'),
          content_hash: eb.ref('excluded.content_hash'),
        })),
      )
      .execute();
  }
  for (const slice of inBatches(records.map((r) => r.vulnerability.id), 500)) {
    await vdb.deleteFrom('vulnerable_packages').where('vulnerability_id', 'in', slice).execute();
  }
  for (const slice of inBatches(records.flatMap((r) => r.packages), 400)) {
    await vdb.insertInto('vulnerable_packages').values(slice).execute();
  }
}

function rowsOf(record: OsvRecord, hash: string): RecordRows {
  const aliases = [...new Set([...record.aliases, ...record.upstream])].filter((alias) => alias !== record.id);
  return {
    vulnerability: {
      id: record.id,
      modified: record.modified,
      published: record.published ?? null,
      withdrawn: record.withdrawn ?? null,
      summary: record.summary ?? null,
      details: record.details ?? null,
      aliases: JSON.stringify(aliases),
      reference_urls: JSON.stringify([...new Set(record.references.map((r) => r.url))]),
      source_url: record.references.find((r) => r.type === 'ADVISORY')?.url ?? null,
      content_hash: hash,
    },
    // A withdrawn record keeps its row (its hash makes re-imports cheap) but matches nothing.
    packages: record.withdrawn !== undefined ? [] : record.affected.flatMap((affected, seq) => packageRow(record, affected, seq)),
  };
}

/** None for an entry the matcher could never evaluate: no package, or only GIT ranges. */
function packageRow(record: OsvRecord, affected: OsvAffected, seq: number): VulnerablePackagesTable[] {
  const ranges: AffectedVersions = { ranges: affected.ranges.filter((r) => EVALUATED_RANGE_TYPES.has(r.type)), versions: affected.versions };
  if (!affected.package || (ranges.ranges.length === 0 && ranges.versions.length === 0)) return [];
  const { ecosystem, name } = affected.package;
  const { severity, cvss } = assessSeverity(record, affected);
  return [
    {
      vulnerability_id: record.id,
      seq,
      ecosystem,
      ecosystem_key: ecosystemKey(ecosystem),
      package_name: name,
      package_key: packageKey(ecosystem, name),
      ranges: JSON.stringify(ranges),
      severity,
      cvss_score: cvss?.score ?? null,
      cvss_version: cvss?.version ?? null,
      cvss_vector: cvss?.vector ?? null,
    },
  ];
}
