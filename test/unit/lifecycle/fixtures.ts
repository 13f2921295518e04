// Builders for lifecycle policy texts and image sets, shared by the lifecycle tables.
import { parseLifecyclePolicy, type LifecycleImage, type LifecyclePolicy } from '../../../src/lifecycle/index.js';

export type Json = Record<string, unknown>;

export const DAY = 86_400_000;
/** The evaluation time of every table: 2025-06-01T00:00:00Z. */
export const NOW = Date.UTC(2025, 5, 1);

// Selection halves, combined by `rule`.
export const ANY: Json = { tagStatus: 'any' };
export const UNTAGGED: Json = { tagStatus: 'untagged' };
export const prefixes = (...list: string[]): Json => ({ tagStatus: 'tagged', tagPrefixList: list });
export const patterns = (...list: string[]): Json => ({ tagStatus: 'tagged', tagPatternList: list });
export const keep = (n: number): Json => ({ countType: 'imageCountMoreThan', countNumber: n });
export const olderThan = (days: number): Json => ({ countType: 'sinceImagePushed', countUnit: 'days', countNumber: days });

export function rule(rulePriority: number, tags: Json, count: Json, description = `Rule ${rulePriority}`): Json {
  return { rulePriority, description, selection: { ...tags, ...count }, action: { type: 'expire' } };
}

export function policyText(...rules: Json[]): string {
  return JSON.stringify({ rules });
}

/** Through the parser, so every policy a table evaluates is one ECR would accept. */
export function policy(...rules: Json[]): LifecyclePolicy {
  return parseLifecyclePolicy(policyText(...rules));
}

export interface TestImage extends LifecycleImage {
  /** The letter the ECR examples call the image by; also the end of its digest. */
  readonly name: string;
}

/** An image pushed `age` milliseconds before NOW. */
export function image(name: string, tags: string[], age: number, extra: Partial<LifecycleImage> = {}): TestImage {
  return { name, digest: `sha256:${name}`, tags, pushedAt: NOW - age, ...extra };
}
