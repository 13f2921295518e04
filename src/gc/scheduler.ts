// Garbage collection as a durable recurring job (every gcInterval): any one node claims each run.
import type { JobHandler } from '../jobs/index.js';
import type { GarbageCollector } from './collector.js';

export const GC_RUN_JOB = 'gc.run';

interface Log {
  info(object: object, message: string): void;
}

export function gcJobHandlers(deps: { collector: GarbageCollector; graceMs: number; untaggedOlderThanMs: number | null; logger?: Log }): Record<typeof GC_RUN_JOB, JobHandler> {
  return {
    [GC_RUN_JOB]: async () => {
      const report = await deps.collector.run({ dryRun: false, graceMs: deps.graceMs, untaggedOlderThanMs: deps.untaggedOlderThanMs });
      const { id, blobsDeleted, bytesFreed, linksRemoved, untaggedImagesDeleted, orphanObjectsDeleted } = report;
      deps.logger?.info({ id, blobsDeleted, bytesFreed, linksRemoved, untaggedImagesDeleted, orphanObjectsDeleted, durationMs: report.finishedAt - report.startedAt }, 'garbage collection finished');
    },
  };
}
