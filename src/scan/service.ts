/**
 * Image scanning as ECR offers it, done inside Wharf: scan on push or on request through the
 * durable job queue (any node, or a `wharf scan-worker` process, runs the scans), results stored
 * per image, continuous re-matching of stored inventories when the vulnerability database
 * changes, "ECR Image Scan" events, SBOM referrers, and an optional pull block.
 *
 * One image's scan: image_scans row -> IN_PROGRESS, job `scan.image` (keyed per image, so one
 * queued scan per image) -> inventory (layers read once; kept in the row) -> matched against the
 * vulnerability database -> COMPLETE (ACTIVE for continuous scanning) with findings, or FAILED /
 * UNSUPPORTED_IMAGE with the reason. A rescan reuses the stored inventory when the scanner that
 * made it is the current one, so only the matching runs again.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import type { ImageScansTable } from '../meta/schema.js';
import { RegistryError, type Registry } from '../registry/index.js';
import { LayerScanError } from './layers/index.js';
import { findVulnerabilities, vulnerabilityDbGeneration, vulnerabilitySourceUpdatedAt, type EcrSeverity } from './vulndb/index.js';
import { DEFAULT_SCANNING, effectiveScanning, type EffectiveScanning, type RegistryScanningConfiguration, type ScanType } from './configuration.js';
import { dedupeFindings, severityCounts, severityRank, sortFindings, type StoredFinding } from './findings.js';
import { ImageScanner, UnsupportedImageError, type PlatformInventory } from './scanner.js';
import { attachSboms } from './sbom-referrers.js';
import type { ScanLimits } from './types.js';

export const SCAN_IMAGE_JOB = 'scan.image';
export const SCAN_REMATCH_JOB = 'scan.rematch';
export const SCAN_JOB_KINDS = [SCAN_IMAGE_JOB, SCAN_REMATCH_JOB] as const;
const REGISTRY_SCANNING_SETTING = 'scanning:registry';
/** Bumped whenever the inventory a scan stores would come out different for the same image. */
export const SCANNER_VERSION = 1;
export const IMAGE_SCAN_EVENT = 'ECR Image Scan';
export const ENHANCED_FINDING_EVENT = 'Inspector2 Finding';
const MAX_FINDING_EVENTS = 100;
const PULL_BLOCK_REFRESH_MS = 2000;
/** A scan still reading layers after this long is given up as FAILED (a slow hostile layer). */
const SCAN_DEADLINE_MS = 30 * 60 * 1000;

export type ScanStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'UNSUPPORTED_IMAGE' | 'ACTIVE';

export interface ScanRecord {
  repository: string;
  digest: string;
  status: ScanStatus;
  description: string;
  scanType: ScanType;
  completedAt: number | null;
  sourceUpdatedAt: number | null;
  severityCounts: Partial<Record<EcrSeverity, number>>;
  findings: StoredFinding[];
}

interface StoredInventory {
  scannerVersion: number;
  platforms: PlatformInventory[];
}

interface Log {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface ScanServiceDeps {
  db: Kysely<Database>;
  registry: Registry;
  jobs: { enqueue(kind: string, payload: unknown, options?: { key?: string }): Promise<void> };
  repositoryArn: (repository: string) => string;
  limits?: Partial<ScanLimits>;
  /** Attach CycloneDX and SPDX documents of each scanned image as OCI referrers. */
  sbomReferrers?: boolean;
  now?: () => number;
  logger?: Log;
}

const DESCRIPTIONS: Record<ScanStatus, string> = {
  IN_PROGRESS: 'The scan is in progress.',
  COMPLETE: 'The scan was completed successfully.',
  ACTIVE: 'Continuous scan is selected for this image; the findings are updated when the vulnerability database changes.',
  FAILED: 'The scan failed.',
  UNSUPPORTED_IMAGE: 'The image is not supported for scanning.',
};

const scanKey = (repository: string, digest: string) => `scan:${repository}@${digest}`;

function payloadImage(payload: unknown): { repository: string; digest: string } {
  const p = payload as { repository?: unknown; digest?: unknown } | null;
  if (typeof p?.repository !== 'string' || typeof p.digest !== 'string') throw new Error(`${SCAN_IMAGE_JOB} needs a repository and a digest, got ${JSON.stringify(payload)}`);
  return { repository: p.repository, digest: p.digest };
}

type SummaryRow = Pick<ImageScansTable, 'repository' | 'digest' | 'status' | 'description' | 'scan_type' | 'completed_at' | 'source_updated_at' | 'severity_counts'>;

function summaryOf(row: SummaryRow): Omit<ScanRecord, 'findings'> {
  return {
    repository: row.repository,
    digest: row.digest,
    status: row.status as ScanStatus,
    description: row.description,
    scanType: row.scan_type as ScanType,
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
    sourceUpdatedAt: row.source_updated_at === null ? null : Number(row.source_updated_at),
    severityCounts: row.severity_counts ? (JSON.parse(row.severity_counts) as Partial<Record<EcrSeverity, number>>) : {},
  };
}

export class ScanService {
  private readonly now: () => number;
  private readonly scanner: ImageScanner;
  private pullBlocks = new Map<string, EcrSeverity>();
  private pullBlocksLoadedAt = 0;
  private pullBlocksLoading: Promise<void> | null = null;

  /** Where scans log (a server's or worker's logger; none by default). */
  logTo(logger: Log): void {
    this.deps.logger = logger;
  }

  constructor(private readonly deps: ScanServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.scanner = new ImageScanner(deps.registry.blobs, deps.registry.manifests, deps.limits);
  }

  // ---- configuration -------------------------------------------------------------------------

  async registryConfiguration(): Promise<RegistryScanningConfiguration> {
    const row = await this.deps.db.selectFrom('settings').select('value').where('key', '=', REGISTRY_SCANNING_SETTING).executeTakeFirst();
    return row ? (JSON.parse(row.value) as RegistryScanningConfiguration) : DEFAULT_SCANNING;
  }

  async putRegistryConfiguration(configuration: RegistryScanningConfiguration): Promise<void> {
    const value = JSON.stringify(configuration);
    await this.deps.db
      .insertInto('settings')
      .values({ key: REGISTRY_SCANNING_SETTING, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async effective(repository: string): Promise<EffectiveScanning> {
    const settings = await this.deps.registry.repositories.get(repository);
    return effectiveScanning(await this.registryConfiguration(), repository, settings.scanOnPush);
  }

  // ---- requests ------------------------------------------------------------------------------

  /** Called after a push stored a new manifest: scans it when the repository scans on push. */
  async onPush(repository: string, digest: string, isReferrer: boolean): Promise<void> {
    if (isReferrer) return; // signatures, SBOMs and attestations are not images
    try {
      const scanning = await this.effective(repository);
      if (scanning.scanOnPush) await this.request(repository, digest, scanning.scanType);
    } catch (error) {
      // The push is stored and acknowledged whatever happens here; the image can be scanned later.
      this.deps.logger?.warn({ repository, digest, reason: (error as Error).message }, 'scan on push not queued');
    }
  }

  /** Queues a scan of one stored image (StartImageScan, or a push). */
  async request(repository: string, digest: string, scanType?: ScanType): Promise<ScanRecord> {
    const type = scanType ?? (await this.effective(repository)).scanType;
    const now = this.now();
    const values = { status: 'IN_PROGRESS', description: DESCRIPTIONS.IN_PROGRESS, scan_type: type, requested_at: now };
    await this.deps.db
      .insertInto('image_scans')
      .values({ repository, digest, ...values, completed_at: null, inventory: null, findings: null, severity_counts: null, db_generation: null, source_updated_at: null })
      .onConflict((oc) => oc.columns(['repository', 'digest']).doUpdateSet(values))
      .execute();
    await this.deps.jobs.enqueue(SCAN_IMAGE_JOB, { repository, digest }, { key: scanKey(repository, digest) });
    return (await this.get(repository, digest))!;
  }

  async get(repository: string, digest: string): Promise<ScanRecord | null> {
    const row = await this.deps.db.selectFrom('image_scans').selectAll().where('repository', '=', repository).where('digest', '=', digest).executeTakeFirst();
    return row ? { ...summaryOf(row), findings: row.findings ? (JSON.parse(row.findings) as StoredFinding[]) : [] } : null;
  }

  /** Status and counts of several images of a repository (DescribeImages), without findings. */
  async summaries(repository: string, digests: string[]): Promise<Map<string, Omit<ScanRecord, 'findings'>>> {
    const out = new Map<string, Omit<ScanRecord, 'findings'>>();
    for (let i = 0; i < digests.length; i += 500) {
      const rows = await this.deps.db
        .selectFrom('image_scans')
        .select(['digest', 'status', 'description', 'scan_type', 'completed_at', 'source_updated_at', 'severity_counts'])
        .where('repository', '=', repository)
        .where('digest', 'in', digests.slice(i, i + 500))
        .execute();
      for (const row of rows) out.set(row.digest, summaryOf({ ...row, repository }));
    }
    return out;
  }

  // ---- the work ------------------------------------------------------------------------------

  /** The `scan.image` job. */
  async run(payload: unknown, signal?: AbortSignal): Promise<void> {
    const { repository, digest } = payloadImage(payload);
    const row = await this.deps.db.selectFrom('image_scans').select(['scan_type', 'inventory']).where('repository', '=', repository).where('digest', '=', digest).executeTakeFirst();
    if (!row) return; // the image was deleted since
    let inventory: StoredInventory;
    try {
      const stored = row.inventory ? (JSON.parse(row.inventory) as StoredInventory) : null;
      const deadline = AbortSignal.timeout(SCAN_DEADLINE_MS);
      const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
      inventory = stored?.scannerVersion === SCANNER_VERSION ? stored : { scannerVersion: SCANNER_VERSION, platforms: await this.scanner.inventory(repository, digest, stop) };
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        return this.finishWithout(repository, digest, 'FAILED', `The scan failed: it did not finish within ${SCAN_DEADLINE_MS / 60000} minutes.`);
      }
      if (error instanceof RegistryError && (error.code === 'MANIFEST_UNKNOWN' || error.code === 'NAME_UNKNOWN')) return;
      if (error instanceof UnsupportedImageError) return this.finishWithout(repository, digest, 'UNSUPPORTED_IMAGE', error.message);
      if (error instanceof LayerScanError || (error instanceof RegistryError && error.code === 'BLOB_UNKNOWN')) {
        this.deps.logger?.warn({ repository, digest, reason: error.message }, 'image scan failed');
        return this.finishWithout(repository, digest, 'FAILED', `The scan failed: ${error.message}`);
      }
      throw error;
    }
    await this.match(repository, digest, row.scan_type as ScanType, inventory);
    if (this.deps.sbomReferrers !== false) {
      try {
        await attachSboms(this.deps.registry, repository, digest, await this.tagsOf(repository, digest), inventory.platforms, this.now());
      } catch (error) {
        // A quota or a deleted repository may refuse the SBOMs; the scan itself stands.
        this.deps.logger?.warn({ repository, digest, reason: (error as Error).message }, 'SBOM referrers not attached');
      }
    }
  }

  private async tagsOf(repository: string, digest: string): Promise<string[]> {
    const rows = await this.deps.db.selectFrom('tags').select('name').where('repository', '=', repository).where('digest', '=', digest).orderBy('name').execute();
    return rows.map((r) => r.name);
  }

  private async finishWithout(repository: string, digest: string, status: ScanStatus, description: string): Promise<void> {
    await this.deps.db
      .updateTable('image_scans')
      .set({ status, description, completed_at: this.now(), findings: null, severity_counts: null })
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .execute();
  }

  /** Matches a stored inventory against the database now, and records the result and its events. */
  private async match(repository: string, digest: string, scanType: ScanType, inventory: StoredInventory): Promise<void> {
    const previous = await this.get(repository, digest);
    const firstSeen = new Map((previous?.findings ?? []).map((f) => [`${f.id}\u0000${f.package.name}\u0000${f.package.version}`, f.firstObservedAt]));
    const now = this.now();
    const generation = await vulnerabilityDbGeneration(this.deps.db);
    const sourceUpdatedAt = await vulnerabilitySourceUpdatedAt(this.deps.db);
    const found: StoredFinding[] = [];
    for (const platform of inventory.platforms) {
      // Basic scanning looks at the operating system's packages only (as ECR's does).
      const packages = scanType === 'BASIC' ? platform.inventory.packages.filter((p) => p.kind === 'os') : platform.inventory.packages;
      for (const finding of await findVulnerabilities(this.deps.db, { ...platform.inventory, packages })) {
        const key = `${finding.id}\u0000${finding.package.name}\u0000${finding.package.version}`;
        found.push({ ...finding, platform: platform.platform, manifestDigest: platform.manifestDigest, firstObservedAt: firstSeen.get(key) ?? now });
      }
    }
    const findings = sortFindings(dedupeFindings(found));
    const counts = severityCounts(findings);
    const continuous = scanType === 'ENHANCED' && (await this.effective(repository).catch(() => null))?.scanFrequency === 'CONTINUOUS_SCAN';
    const status: ScanStatus = continuous ? 'ACTIVE' : 'COMPLETE';
    const tags = await this.tagsOf(repository, digest);
    const newFindings = findings.filter((f) => f.firstObservedAt === now);
    await this.deps.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('image_scans')
        .set({
          status,
          description: DESCRIPTIONS[status],
          completed_at: now,
          inventory: JSON.stringify(inventory),
          findings: JSON.stringify(findings),
          severity_counts: JSON.stringify(counts),
          db_generation: generation,
          source_updated_at: sourceUpdatedAt,
        })
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return; // deleted meanwhile
      const detail = {
        'scan-status': status === 'ACTIVE' ? 'COMPLETE' : status,
        'repository-name': repository,
        'finding-severity-counts': counts,
        'image-digest': digest,
        'image-tags': tags,
        resources: [this.deps.repositoryArn(repository)],
      };
      await trx.insertInto('events_outbox').values({ at: now, detail_type: IMAGE_SCAN_EVENT, detail: JSON.stringify(detail) }).execute();
      if (scanType === 'ENHANCED') {
        for (const f of newFindings.slice(0, MAX_FINDING_EVENTS)) {
          const event = { 'repository-name': repository, 'image-digest': digest, 'vulnerability-id': f.id, severity: f.severity, 'package-name': f.package.name, 'package-version': f.package.version, 'fixed-in-version': f.fixedVersion ?? null, status: 'ACTIVE' };
          await trx.insertInto('events_outbox').values({ at: now, detail_type: ENHANCED_FINDING_EVENT, detail: JSON.stringify(event) }).execute();
        }
      }
    });
    this.deps.logger?.info({ repository, digest, status, findings: findings.length, counts }, 'image scanned');
  }

  /**
   * The `scan.rematch` job: continuous scanning. Images whose findings were matched against an
   * older vulnerability database are matched again from their stored inventories.
   */
  async rematch(): Promise<number> {
    const generation = await vulnerabilityDbGeneration(this.deps.db);
    const stale = await this.deps.db
      .selectFrom('image_scans')
      .select(['repository', 'digest', 'scan_type', 'inventory'])
      .where('status', '=', 'ACTIVE')
      .where((eb) => eb.or([eb('db_generation', 'is', null), eb('db_generation', '<', generation)]))
      .execute();
    let rematched = 0;
    for (const row of stale) {
      const inventory = row.inventory ? (JSON.parse(row.inventory) as StoredInventory) : null;
      if (!inventory || inventory.scannerVersion !== SCANNER_VERSION) {
        await this.request(row.repository, row.digest, row.scan_type as ScanType);
        continue;
      }
      await this.match(row.repository, row.digest, row.scan_type as ScanType, inventory);
      rematched++;
    }
    return rematched;
  }

  // ---- pull block ------------------------------------------------------------------------------

  async setPullBlock(repository: string, severity: EcrSeverity | null): Promise<void> {
    await this.deps.registry.repositories.get(repository); // NAME_UNKNOWN for a missing one
    await this.deps.db.updateTable('repositories').set({ scan_pull_block: severity }).where('name', '=', repository).execute();
    this.pullBlocksLoadedAt = 0;
  }

  private async loadPullBlocks(): Promise<void> {
    if (this.now() - this.pullBlocksLoadedAt < PULL_BLOCK_REFRESH_MS) return;
    this.pullBlocksLoading ??= (async () => {
      const rows = await this.deps.db.selectFrom('repositories').select(['name', 'scan_pull_block']).where('scan_pull_block', 'is not', null).execute();
      this.pullBlocks = new Map(rows.map((r) => [r.name, r.scan_pull_block as EcrSeverity]));
      this.pullBlocksLoadedAt = this.now();
    })().finally(() => (this.pullBlocksLoading = null));
    await this.pullBlocksLoading;
  }

  /**
   * Refuses the pull of an image whose latest scan found vulnerabilities at or above the
   * repository's pull-block severity (DENIED, naming them). The set of blocking repositories is
   * reread every couple of seconds, so the check costs a map lookup on every other pull.
   */
  async assertPullAllowed(repository: string, digest: string): Promise<void> {
    await this.loadPullBlocks();
    const threshold = this.pullBlocks.get(repository);
    if (!threshold) return;
    const scan = await this.get(repository, digest);
    if (!scan) return;
    const blocking = scan.findings.filter((f) => severityRank(f.severity) <= severityRank(threshold));
    if (blocking.length === 0) return;
    const named = blocking.slice(0, 5).map((f) => `${f.id} (${f.severity}, ${f.package.name} ${f.package.version})`);
    throw new RegistryError(
      'DENIED',
      `pulls of images with ${threshold} or more severe vulnerabilities are blocked in repository '${repository}': ${digest} has ${blocking.length}: ${named.join(', ')}${blocking.length > 5 ? ', ...' : ''}`,
      { findings: blocking.slice(0, 20).map((f) => ({ id: f.id, severity: f.severity, package: f.package.name, version: f.package.version })) },
    );
  }
}
