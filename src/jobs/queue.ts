// A durable job queue in the metadata database. Any node may claim a due job; a claim is a lease,
// taken by a conditional UPDATE that only one node can win, and renewed while the job runs. A node
// that dies simply stops renewing: when the lease runs out another node claims the job again.
// Failures are retried with exponential backoff; recurring jobs are re-armed after each run.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';

export interface EnqueueOptions {
  /** At most one job exists per key: enqueueing a key whose job is pending does nothing, a finished one runs again. */
  key?: string;
  runAt?: number;
  maxAttempts?: number;
  /** Makes the job recurring: after each run it becomes due again this much later. */
  everyMs?: number;
}

export interface ClaimedJob {
  id: number;
  kind: string;
  payload: unknown;
  attempts: number;
}

export class JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}): Promise<void> {
    const now = this.now();
    const job = {
      kind,
      payload: JSON.stringify(payload ?? null),
      status: 'pending' as const,
      run_at: options.runAt ?? now,
      every_ms: options.everyMs ?? null,
      attempts: 0,
      max_attempts: options.maxAttempts ?? 5,
      lease_owner: null,
      lease_until: null,
      last_error: null,
      created_at: now,
      finished_at: null,
    };
    await this.db
      .insertInto('jobs')
      .values({ ...job, key: options.key ?? null })
      // A pending (or running) job with the key absorbs this one; a finished one is armed again.
      .onConflict((oc) => oc.column('key').doUpdateSet(job).where('jobs.status', '!=', 'pending'))
      .execute();
  }

  /** A recurring job, created once per key; its period follows the latest configuration. */
  async ensureRecurring(kind: string, key: string, everyMs: number, options: { firstRunAt?: number } = {}): Promise<void> {
    const now = this.now();
    await this.db
      .insertInto('jobs')
      .values({
        kind, key, payload: 'null', status: 'pending', run_at: options.firstRunAt ?? now, every_ms: everyMs, attempts: 0, max_attempts: 3,
        lease_owner: null, lease_until: null, last_error: null, created_at: now, finished_at: null,
      })
      .onConflict((oc) => oc.column('key').doUpdateSet({ every_ms: everyMs }))
      .execute();
  }

  /** Makes the pending job with this key due now (a recurring job keeps its period afterwards). */
  async runNow(key: string): Promise<void> {
    await this.db.updateTable('jobs').set({ run_at: this.now() }).where('key', '=', key).where('status', '=', 'pending').execute();
  }

  /** Claims one due job of the given kinds for `owner`, or returns null when none is due. */
  async claim(owner: string, kinds: string[], leaseMs: number): Promise<ClaimedJob | null> {
    if (kinds.length === 0) return null;
    const now = this.now();
    // A few candidates, so losing a race for the first one does not leave this round empty.
    const candidates = await this.db
      .selectFrom('jobs')
      .select(['id', 'kind', 'payload', 'attempts'])
      .where('status', '=', 'pending')
      .where('run_at', '<=', now)
      .where('kind', 'in', kinds)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('run_at')
      .limit(5)
      .execute();
    for (const job of candidates) {
      const won = await this.db
        .updateTable('jobs')
        .set({ lease_owner: owner, lease_until: now + leaseMs, attempts: job.attempts + 1 })
        .where('id', '=', job.id)
        .where('status', '=', 'pending')
        .where('attempts', '=', job.attempts)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      if (Number(won.numUpdatedRows) === 1) {
        return { id: Number(job.id), kind: job.kind, payload: JSON.parse(job.payload) as unknown, attempts: job.attempts + 1 };
      }
    }
    return null;
  }

  /** Extends a lease the owner still holds; false when it was lost (expired and taken over). */
  async renew(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_until: this.now() + leaseMs })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async complete(id: number, owner: string): Promise<void> {
    const now = this.now();
    const row = await this.db.selectFrom('jobs').select(['every_ms']).where('id', '=', id).executeTakeFirst();
    const update = row?.every_ms
      ? { run_at: now + Number(row.every_ms), attempts: 0, lease_owner: null, lease_until: null, last_error: null }
      : { status: 'done' as const, finished_at: now, lease_owner: null, lease_until: null };
    await this.db.updateTable('jobs').set(update).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }

  /** Records a failure: due again after a backoff, or failed for good after max_attempts. */
  async fail(id: number, owner: string, error: string): Promise<void> {
    const row = await this.db.selectFrom('jobs').select(['attempts', 'max_attempts', 'every_ms']).where('id', '=', id).executeTakeFirst();
    if (!row) return;
    const now = this.now();
    const exhausted = row.attempts >= row.max_attempts;
    const backoff = Math.min(60_000 * 2 ** (row.attempts - 1), 3_600_000);
    const update = exhausted && !row.every_ms
      ? { status: 'failed' as const, finished_at: now, lease_owner: null, lease_until: null, last_error: error }
      : { run_at: now + (exhausted ? Number(row.every_ms) : backoff), attempts: exhausted ? 0 : row.attempts, lease_owner: null, lease_until: null, last_error: error };
    await this.db.updateTable('jobs').set(update).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }
}
