/**
 * ECR lifecycle policies: the policy grammar (parse, validate, re-serialise) and a pure
 * evaluator that says which images a policy expires. No I/O and no clock: the caller passes the
 * images and the time, and a scheduler or the preview operations act on the answer.
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
