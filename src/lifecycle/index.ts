/**
 * ECR lifecycle policies: the policy grammar (parse, validate, re-serialise) and a pure
 * evaluator that says which images a policy expires (policy.ts, evaluate.ts, tags.ts: no I/O and
 * no clock); the service that stores policies and previews and carries out runs on a repository
 * (service.ts); and the background jobs that run every repository's policy (scheduler.ts).
 */
export type {
  CountSelection,
  LifecyclePolicy,
  LifecycleRule,
  LifecycleSelection,
  TagSelection,
  TagStatus,
} from './policy.js';
export {
  LifecyclePolicyError,
  MAX_POLICY_TEXT_LENGTH,
  MAX_RULES,
  MAX_WILDCARDS_PER_PATTERN,
  MIN_POLICY_TEXT_LENGTH,
  canonicalLifecyclePolicyText,
  parseLifecyclePolicy,
  serializeLifecyclePolicy,
} from './policy.js';
export type {
  ExpiredImage,
  LifecycleEvaluation,
  LifecycleImage,
  LifecyclePreview,
  LifecyclePreviewResult,
} from './evaluate.js';
export { evaluate, lifecyclePreview } from './evaluate.js';
export { matchesTagPattern } from './tags.js';
export type { LifecyclePolicyState, LifecycleRunReport, StoredLifecyclePreview } from './service.js';
export { LifecycleError, LifecycleService } from './service.js';
export { LIFECYCLE_RUN_ALL_JOB, LIFECYCLE_RUN_JOB, lifecycleJobHandlers, lifecycleJobKey } from './scheduler.js';
