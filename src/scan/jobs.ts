// The scanner's durable jobs: one `scan.image` per queued image, and a recurring `scan.rematch`
// (continuous scanning), also queued right after `wharf scan-db import` changed the database.
import type { JobHandler } from '../jobs/index.js';
import { SCAN_IMAGE_JOB, SCAN_REMATCH_JOB, type ScanService } from './service.js';

/** How often servers look for continuous scans matched against an older database. */
export const REMATCH_PERIOD_MS = 60_000;

export function scanJobHandlers(scans: ScanService): Record<typeof SCAN_IMAGE_JOB | typeof SCAN_REMATCH_JOB, JobHandler> {
  return {
    [SCAN_IMAGE_JOB]: (payload) => scans.run(payload),
    [SCAN_REMATCH_JOB]: async () => {
      await scans.rematch();
    },
  };
}
