// Runs due jobs on this node: polls the queue, holds the lease while a handler works (renewing it
// at a third of its length) and records the outcome. One job at a time per node keeps background
// work from competing with requests on a small machine.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClaimedJob, JobQueue } from './queue.js';

export type JobHandler = (payload: unknown, job: ClaimedJob) => Promise<void>;

export interface RunnerOptions {
  pollMs: number;
  leaseMs: number;
}

export class JobRunner {
  readonly owner = `${process.pid}-${randomUUID()}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: Record<string, JobHandler>,
    private readonly logger: Logger,
    private readonly options: RunnerOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      if (!this.running) this.running = this.drain().finally(() => (this.running = null));
    }, this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Runs due jobs until none is left (or the runner is stopped). */
  async drain(): Promise<void> {
    const kinds = Object.keys(this.handlers);
    for (;;) {
      const job = await this.queue.claim(this.owner, kinds, this.options.leaseMs).catch((error: unknown) => {
        this.logger.error({ err: error }, 'job claim failed');
        return null;
      });
      if (!job) return;
      await this.run(job);
      if (this.stopped) return;
    }
  }

  private async run(job: ClaimedJob): Promise<void> {
    const renew = setInterval(() => {
      void this.queue.renew(job.id, this.owner, this.options.leaseMs).catch(() => undefined);
    }, Math.max(100, Math.floor(this.options.leaseMs / 3)));
    try {
      await this.handlers[job.kind]!(job.payload, job);
      await this.queue.complete(job.id, this.owner);
    } catch (error) {
      this.logger.warn({ job: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed');
      await this.queue.fail(job.id, this.owner, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    } finally {
      clearInterval(renew);
    }
  }
}
