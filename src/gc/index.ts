export { GarbageCollector, type CollectorDeps, type GcOptions, type GcPhase, type GcReport } from './collector.js';
export { GC_RUN_JOB, gcJobHandlers } from './scheduler.js';
