/**
 * Lifecycle policies run as durable jobs (jobs/): a recurring `lifecycle.run-all` (every
 * `lifecycleInterval`, by default a day, as ECR acts "within 24 hours") enqueues one
 * `lifecycle.run` per repository that has a policy, keyed `lifecycle:<repository>` so a repository
 * is never queued twice, and any node may claim and run each one.
 */
import type { JobHandler } from '../jobs/index.js';
import { RegistryError } from '../registry/index.js';
import { LifecyclePolicyError } from './policy.js';
import type { LifecycleService } from './service.js';

export const LIFECYCLE_RUN_ALL_JOB = 'lifecycle.run-all';
export const LIFECYCLE_RUN_JOB = 'lifecycle.run';

/** The job key of a repository's run: one queued run per repository. */
export const lifecycleJobKey = (repository: string): string => `lifecycle:${repository}`;

interface Log {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface LifecycleJobDeps {
  lifecycle: Pick<LifecycleService, 'repositoriesWithPolicy' | 'run'>;
  jobs: { enqueue(kind: string, payload: unknown, options?: { key?: string }): Promise<void> };
  logger?: Log;
}

function repositoryOf(payload: unknown): string {
  const repository = (payload as { repository?: unknown } | null)?.repository;
  if (typeof repository !== 'string' || repository === '') throw new Error(`${LIFECYCLE_RUN_JOB} needs a repository, got ${JSON.stringify(payload)}`);
  return repository;
}

export function lifecycleJobHandlers(deps: LifecycleJobDeps): Record<typeof LIFECYCLE_RUN_ALL_JOB | typeof LIFECYCLE_RUN_JOB, JobHandler> {
  return {
    [LIFECYCLE_RUN_ALL_JOB]: async () => {
      const repositories = await deps.lifecycle.repositoriesWithPolicy();
      for (const repository of repositories) {
        await deps.jobs.enqueue(LIFECYCLE_RUN_JOB, { repository }, { key: lifecycleJobKey(repository) });
      }
      deps.logger?.info({ repositories: repositories.length }, 'queued lifecycle policy runs');
    },
    [LIFECYCLE_RUN_JOB]: async (payload) => {
      const repository = repositoryOf(payload);
      try {
        const report = await deps.lifecycle.run(repository);
        if (report.expired.length > 0 || report.skipped.length > 0) {
          deps.logger?.info({ repository, runId: report.runId, expired: report.expired.length, skipped: report.skipped.length }, 'lifecycle policy expired images');
        }
      } catch (error) {
        // Deleted since it was queued: nothing to do, and nothing to retry.
        if (error instanceof RegistryError && error.code === 'NAME_UNKNOWN') return;
        // A policy stored before it was validated in full (a creation template's, from an older
        // version): retrying cannot help; it runs again once someone puts a valid one.
        if (error instanceof LifecyclePolicyError) {
          deps.logger?.warn({ repository, reason: error.message }, 'lifecycle policy not run: it is not valid');
          return;
        }
        throw error;
      }
    },
  };
}
