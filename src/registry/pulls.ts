// lastRecordedPullTime, as ECR keeps it: pulls are noted in memory and written in batches, so a
// read never waits on a write. Principals on the exclusion list (scanners, replicators, CI that
// only verifies) are not recorded, so their pulls do not keep images alive for lifecycle rules.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';

const EXCLUSIONS_TTL_MS = 5_000;

export class PullRecorder {
  private pending = new Map<string, { repository: string; digest: string; at: number }>();
  private exclusions: Set<string> = new Set();
  private exclusionsLoadedAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
    private readonly flushEveryMs = 2_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch(() => undefined), this.flushEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  async record(repository: string, digest: string, principalArn: string): Promise<void> {
    if (this.now() - this.exclusionsLoadedAt > EXCLUSIONS_TTL_MS) await this.reloadExclusions();
    if (this.exclusions.has(principalArn)) return;
    this.pending.set(`${repository}\u0000${digest}`, { repository, digest, at: this.now() });
  }

  private async reloadExclusions(): Promise<void> {
    const rows = await this.db.selectFrom('pull_time_exclusions').select('principal_arn').execute();
    this.exclusions = new Set(rows.map((r) => r.principal_arn));
    this.exclusionsLoadedAt = this.now();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.db.transaction().execute(async (trx) => {
      for (const pull of batch) {
        await trx.updateTable('manifests').set({ last_pulled_at: pull.at }).where('repository', '=', pull.repository).where('digest', '=', pull.digest).execute();
      }
    });
  }

  /** When the exclusion was made; null when the principal was already excluded. */
  async addExclusion(principalArn: string): Promise<Date | null> {
    const createdAt = this.now();
    const result = await this.db
      .insertInto('pull_time_exclusions')
      .values({ principal_arn: principalArn, created_at: createdAt })
      .onConflict((oc) => oc.column('principal_arn').doNothing())
      .executeTakeFirst();
    this.exclusionsLoadedAt = 0;
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? new Date(createdAt) : null;
  }

  async countExclusions(): Promise<number> {
    const row = await this.db.selectFrom('pull_time_exclusions').select((eb) => eb.fn.countAll<number | string | bigint>().as('count')).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** False when the principal was not excluded. */
  async removeExclusion(principalArn: string): Promise<boolean> {
    const result = await this.db.deleteFrom('pull_time_exclusions').where('principal_arn', '=', principalArn).executeTakeFirst();
    this.exclusionsLoadedAt = 0;
    return Number(result.numDeletedRows) > 0;
  }

  async listExclusions(limit: number, after: string | undefined): Promise<{ arns: string[]; more: boolean }> {
    let query = this.db.selectFrom('pull_time_exclusions').select('principal_arn').orderBy('principal_arn').limit(limit + 1);
    if (after !== undefined) query = query.where('principal_arn', '>', after);
    const rows = await query.execute();
    return { arns: rows.slice(0, limit).map((r) => r.principal_arn), more: rows.length > limit };
  }
}
