/**
 * Lifecycle policies at work on a repository: the stored policy, its preview, and runs that expire
 * the images it selects. The rules are the pure evaluator's (evaluate.ts); this service gathers a
 * repository's images for it and carries out its answer through ManifestService.deleteImage, which
 * refuses an image an index still lists and writes the "ECR Image Action" DELETE event in the
 * deletion's own transaction (ECR documents no lifecycle event of its own for EventBridge).
 *
 * The images a policy sees are the repository's manifests, each with its tags and push time
 * (manifests.pushed_at), and `referencedByManifestList` while an index in the repository lists it
 * (manifest_children kind 'manifest'). Referrers (manifests whose `subject` is in the repository:
 * signatures, SBOMs, attestations) are not selected by rules: they go with their subject, in the
 * same run, as ECR expires "referrer artifacts ... after their subject image". A referrer whose
 * subject is absent is an ordinary image.
 *
 * A preview is computed while StartLifecyclePolicyPreview runs, so Get never waits on a queue;
 * the row is claimed IN_PROGRESS first, so a second start meanwhile is refused as ECR refuses it,
 * and GetLifecyclePolicyPreview reads IN_PROGRESS until the row is completed (a claim older than
 * PREVIEW_STALE_MS, left by a node that died, reads as FAILED and may be replaced).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { RegistryError, type Registry } from '../registry/index.js';
import { evaluate, lifecyclePreview, type LifecycleImage, type LifecyclePreviewResult } from './evaluate.js';
import { canonicalLifecyclePolicyText, parseLifecyclePolicy } from './policy.js';

/** Who the audit log says expired an image. */
export const LIFECYCLE_PRINCIPAL = 'wharf:lifecycle';
/** The IAM action an expiry amounts to (a BatchDeleteImage by digest), as audited. */
export const LIFECYCLE_AUDIT_ACTION = 'ecr:BatchDeleteImage';
export const PREVIEW_STALE_MS = 10 * 60_000;

export interface LifecyclePolicyState {
  /** Canonical text, as PutLifecyclePolicy stored it. */
  text: string;
  /** Epoch ms of the last run of this very policy; null when it has not run. */
  lastEvaluatedAt: number | null;
}

export type LifecyclePreviewStatus = 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';

export interface StoredLifecyclePreview {
  /** Names this preview; a newer start replaces it. */
  id: string;
  /** The text the preview evaluated, as the caller gave it. */
  policyText: string;
  status: LifecyclePreviewStatus;
  /** Expiring images, oldest first; empty unless COMPLETE. */
  results: LifecyclePreviewResult[];
  startedAt: number;
}

export type LifecycleErrorCode = 'POLICY_NOT_FOUND' | 'PREVIEW_IN_PROGRESS';

/** Outcomes the ECR API reports by name (LifecyclePolicyNotFound, LifecyclePolicyPreviewInProgress). */
export class LifecycleError extends Error {
  override name = 'LifecycleError';
  constructor(
    readonly code: LifecycleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An image a run expired (or, dry, would expire). */
export interface LifecycleExpiry {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: number;
  /** The rule that expired it, or its subject's rule for a referrer. */
  appliedRulePriority: number;
  /** Set for a referrer that went with its subject. */
  subjectDigest?: string;
}

export interface LifecycleRunReport {
  repository: string;
  runId: string;
  dryRun: boolean;
  evaluatedAt: number;
  /** False when the repository has no lifecycle policy (nothing was evaluated). */
  hasPolicy: boolean;
  expired: LifecycleExpiry[];
  /** Images the evaluation chose that were left alone, and why. */
  skipped: { imageDigest: string; reason: string }[];
}

export interface LifecycleServiceOptions {
  db: Kysely<Database>;
  registry: Pick<Registry, 'repositories' | 'manifests'>;
  /** The repository's ARN, for audit rows. */
  repositoryArn: (repository: string) => string;
  now?: () => number;
}

interface SnapshotImage extends LifecycleImage {
  readonly tags: string[];
  readonly referencedByManifestList: boolean;
}

interface Snapshot {
  images: SnapshotImage[];
  /** subject digest -> the referrers of it, by digest. */
  referrers: Map<string, SnapshotImage[]>;
}

const policyDigest = (text: string): string => createHash('sha256').update(text).digest('hex');

const sameTags = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((tag, i) => tag === b[i]);

function unknownRepository(name: string): RegistryError {
  return new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
}

export class LifecycleService {
  private readonly db: Kysely<Database>;
  private readonly now: () => number;

  constructor(private readonly options: LifecycleServiceOptions) {
    this.db = options.db;
    this.now = options.now ?? Date.now;
  }

  // ---- the policy ---------------------------------------------------------------------------

  /** Null when the repository has no policy; NAME_UNKNOWN when there is no such repository. */
  async getPolicy(repository: string): Promise<LifecyclePolicyState | null> {
    const row = await this.db.selectFrom('repositories').select('lifecycle_policy').where('name', '=', repository).executeTakeFirst();
    if (!row) throw unknownRepository(repository);
    if (row.lifecycle_policy === null) return null;
    return { text: row.lifecycle_policy, lastEvaluatedAt: await this.lastEvaluatedAt(repository, row.lifecycle_policy) };
  }

  /** Validates (LifecyclePolicyError), stores and returns the canonical text. */
  async putPolicy(repository: string, text: string): Promise<string> {
    await this.options.registry.repositories.assertExists(repository);
    const canonical = canonicalLifecyclePolicyText(text);
    // Only this column: a concurrent change of another repository setting is not overwritten.
    const result = await this.db.updateTable('repositories').set({ lifecycle_policy: canonical }).where('name', '=', repository).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw unknownRepository(repository);
    return canonical;
  }

  /** Removes the policy and returns it as it was; null when there was none. */
  async deletePolicy(repository: string): Promise<LifecyclePolicyState | null> {
    for (;;) {
      const state = await this.getPolicy(repository);
      if (state === null) return null;
      // Conditional on the text read, so what is returned is what was removed.
      const result = await this.db
        .updateTable('repositories')
        .set({ lifecycle_policy: null })
        .where('name', '=', repository)
        .where('lifecycle_policy', '=', state.text)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return state;
    }
  }

  /** Repositories that have a policy, in name order (the scheduler runs each). */
  async repositoriesWithPolicy(): Promise<string[]> {
    const rows = await this.db.selectFrom('repositories').select('name').where('lifecycle_policy', 'is not', null).orderBy('name').execute();
    return rows.map((r) => r.name);
  }

  private async lastEvaluatedAt(repository: string, text: string): Promise<number | null> {
    const run = await this.db.selectFrom('lifecycle_runs').select(['policy_digest', 'evaluated_at']).where('repository', '=', repository).executeTakeFirst();
    return run && run.policy_digest === policyDigest(text) ? Number(run.evaluated_at) : null;
  }

  // ---- previews -------------------------------------------------------------------------------

  /**
   * Previews `text` (validated: LifecyclePolicyError), or the stored policy when none is given
   * (LifecycleError POLICY_NOT_FOUND when there is none), against the repository's images now.
   * LifecycleError PREVIEW_IN_PROGRESS while another preview of the repository runs.
   */
  async startPreview(repository: string, text?: string): Promise<StoredLifecyclePreview> {
    let policyText = text;
    if (policyText === undefined) {
      const stored = await this.getPolicy(repository);
      if (stored === null) throw new LifecycleError('POLICY_NOT_FOUND', 'the repository has no lifecycle policy');
      policyText = stored.text;
    } else {
      await this.options.registry.repositories.assertExists(repository);
    }
    const policy = parseLifecyclePolicy(policyText);

    const id = randomUUID();
    const startedAt = this.now();
    const claim = { id, policy_text: policyText, status: 'IN_PROGRESS' as const, results: null, error: null, started_at: startedAt, finished_at: null };
    const claimed = await this.db
      .insertInto('lifecycle_previews')
      .values({ repository, ...claim })
      .onConflict((oc) =>
        oc
          .column('repository')
          .doUpdateSet(claim)
          .where((eb) => eb.or([eb('lifecycle_previews.status', '!=', 'IN_PROGRESS'), eb('lifecycle_previews.started_at', '<', startedAt - PREVIEW_STALE_MS)])),
      )
      .executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new LifecycleError('PREVIEW_IN_PROGRESS', 'a lifecycle policy preview of the repository is in progress');
    }

    const finish = (change: Partial<Pick<Database['lifecycle_previews'], 'status' | 'results' | 'error'>>) =>
      this.db
        .updateTable('lifecycle_previews')
        .set({ ...change, finished_at: this.now() })
        .where('repository', '=', repository)
        .where('id', '=', id)
        .execute();
    try {
      const snapshot = await this.snapshot(repository);
      const { previewResults } = lifecyclePreview(evaluate(policy, snapshot.images, this.now()));
      await finish({ status: 'COMPLETE', results: JSON.stringify(previewResults) });
      return { id, policyText, status: 'COMPLETE', results: previewResults, startedAt };
    } catch (error) {
      await finish({ status: 'FAILED', error: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
      throw error;
    }
  }

  /** The repository's latest preview; null when it has none (NAME_UNKNOWN without the repository). */
  async getPreview(repository: string): Promise<StoredLifecyclePreview | null> {
    const row = await this.db.selectFrom('lifecycle_previews').selectAll().where('repository', '=', repository).executeTakeFirst();
    if (!row) {
      await this.options.registry.repositories.assertExists(repository);
      return null;
    }
    const startedAt = Number(row.started_at);
    const stale = row.status === 'IN_PROGRESS' && startedAt < this.now() - PREVIEW_STALE_MS;
    return {
      id: row.id,
      policyText: row.policy_text,
      status: stale ? 'FAILED' : row.status,
      results: row.status === 'COMPLETE' && row.results !== null ? (JSON.parse(row.results) as LifecyclePreviewResult[]) : [],
      startedAt,
    };
  }

  // ---- runs -----------------------------------------------------------------------------------

  /**
   * Evaluates the repository's policy now and expires what it selects (a dry run only reports).
   * Each image is deleted by digest, with all its tags, unless its tags changed since the
   * evaluation or an index came to list it meanwhile (then it is skipped: the next run decides);
   * each deletion gets an audit row. Afterwards the policy's lastEvaluatedAt is now.
   */
  async run(repository: string, options: { dryRun?: boolean } = {}): Promise<LifecycleRunReport> {
    const dryRun = options.dryRun ?? false;
    const state = await this.getPolicy(repository);
    const evaluatedAt = this.now();
    const report: LifecycleRunReport = { repository, runId: randomUUID(), dryRun, evaluatedAt, hasPolicy: state !== null, expired: [], skipped: [] };
    if (state === null) return report;

    const snapshot = await this.snapshot(repository);
    const { expired } = evaluate(parseLifecyclePolicy(state.text), snapshot.images, evaluatedAt);
    for (const { image, rule } of expired) {
      const expiry: LifecycleExpiry = { imageDigest: image.digest, imageTags: [...image.tags], imagePushedAt: image.pushedAt, appliedRulePriority: rule.rulePriority };
      if (dryRun) {
        report.expired.push(expiry);
        this.plannedReferrers(snapshot, image.digest, rule.rulePriority, report);
      } else if (await this.expire(repository, expiry, report)) {
        await this.expireReferrers(repository, image.digest, rule.rulePriority, report);
      }
    }
    if (!dryRun) await this.recordRun(repository, state.text, report);
    return report;
  }

  /** Deletes one image if it is still as evaluated; true when it went. */
  private async expire(repository: string, expiry: LifecycleExpiry, report: LifecycleRunReport): Promise<boolean> {
    const skip = (reason: string) => {
      report.skipped.push({ imageDigest: expiry.imageDigest, reason });
      return false;
    };
    const tags = await this.db.selectFrom('tags').select('name').where('repository', '=', repository).where('digest', '=', expiry.imageDigest).orderBy('name').execute();
    if (!sameTags(tags.map((t) => t.name), expiry.imageTags)) return skip('its tags changed since the evaluation');
    const result = await this.options.registry.manifests.deleteImage(repository, expiry.imageDigest);
    if (result.outcome === 'not-found') return skip('already deleted');
    if (result.outcome === 'referenced') return skip(`referenced by manifest list: ${result.by.join(', ')}`);
    await this.db
      .insertInto('audit_log')
      .values({
        at: this.now(),
        request_id: report.runId,
        principal_arn: LIFECYCLE_PRINCIPAL,
        action: LIFECYCLE_AUDIT_ACTION,
        resource: this.options.repositoryArn(repository),
        source_ip: null,
        decision: 'Allow',
        detail: JSON.stringify({ lifecyclePolicyRun: report.runId, ...expiry }),
      })
      .execute();
    report.expired.push(expiry);
    return true;
  }

  /** The referrers of a deleted image, and theirs, as they are now. */
  private async expireReferrers(repository: string, subject: string, rulePriority: number, report: LifecycleRunReport): Promise<void> {
    const referrers = await this.db.selectFrom('manifests').select(['digest', 'pushed_at']).where('repository', '=', repository).where('subject_digest', '=', subject).orderBy('pushed_at').orderBy('digest').execute();
    for (const referrer of referrers) {
      const tags = await this.db.selectFrom('tags').select('name').where('repository', '=', repository).where('digest', '=', referrer.digest).orderBy('name').execute();
      const expiry: LifecycleExpiry = {
        imageDigest: referrer.digest,
        imageTags: tags.map((t) => t.name),
        imagePushedAt: Number(referrer.pushed_at),
        appliedRulePriority: rulePriority,
        subjectDigest: subject,
      };
      if (await this.expire(repository, expiry, report)) await this.expireReferrers(repository, referrer.digest, rulePriority, report);
    }
  }

  /** What expireReferrers would delete, from the snapshot (dry runs). */
  private plannedReferrers(snapshot: Snapshot, subject: string, rulePriority: number, report: LifecycleRunReport): void {
    for (const referrer of snapshot.referrers.get(subject) ?? []) {
      if (referrer.referencedByManifestList) {
        report.skipped.push({ imageDigest: referrer.digest, reason: 'referenced by manifest list' });
        continue;
      }
      report.expired.push({ imageDigest: referrer.digest, imageTags: [...referrer.tags], imagePushedAt: referrer.pushedAt, appliedRulePriority: rulePriority, subjectDigest: subject });
      this.plannedReferrers(snapshot, referrer.digest, rulePriority, report);
    }
  }

  private async recordRun(repository: string, text: string, report: LifecycleRunReport): Promise<void> {
    const run = {
      policy_digest: policyDigest(text),
      run_id: report.runId,
      evaluated_at: report.evaluatedAt,
      expired_count: report.expired.length,
    };
    try {
      await this.db
        .insertInto('lifecycle_runs')
        .values({ repository, ...run })
        .onConflict((oc) => oc.column('repository').doUpdateSet(run))
        .execute();
    } catch (error) {
      // The repository was deleted during the run: there is nothing left to record it on.
      if (await this.options.registry.repositories.exists(repository)) throw error;
    }
  }

  /** The repository's images as the evaluator sees them, read in one transaction. */
  private async snapshot(repository: string): Promise<Snapshot> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const manifests = await trx.selectFrom('manifests').select(['digest', 'pushed_at', 'subject_digest']).where('repository', '=', repository).execute();
        const tags = await trx.selectFrom('tags').select(['digest', 'name']).where('repository', '=', repository).orderBy('name').execute();
        const listed = await trx
          .selectFrom('manifest_children')
          .select('child_digest')
          .distinct()
          .where('repository', '=', repository)
          .where('kind', '=', 'manifest')
          .execute();
        const tagsOf = new Map<string, string[]>();
        for (const t of tags) tagsOf.set(t.digest, [...(tagsOf.get(t.digest) ?? []), t.name]);
        const inIndex = new Set(listed.map((c) => c.child_digest));
        const present = new Set(manifests.map((m) => m.digest));
        const snapshot: Snapshot = { images: [], referrers: new Map() };
        for (const m of manifests) {
          const image: SnapshotImage = {
            digest: m.digest,
            tags: tagsOf.get(m.digest) ?? [],
            pushedAt: Number(m.pushed_at),
            referencedByManifestList: inIndex.has(m.digest),
          };
          if (m.subject_digest !== null && present.has(m.subject_digest)) {
            snapshot.referrers.set(m.subject_digest, [...(snapshot.referrers.get(m.subject_digest) ?? []), image]);
          } else {
            snapshot.images.push(image);
          }
        }
        return snapshot;
      });
  }
}
