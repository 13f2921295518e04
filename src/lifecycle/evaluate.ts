/**
 * Which images a lifecycle policy expires, given the repository's images and the time.
 *
 * ECR's rules ("How lifecycle policies work", and the outcomes on "Examples of lifecycle
 * policies", which decide every point below):
 *
 * 1. Rules are applied in rulePriority order, lowest number first, whatever order the text
 *    lists them in.
 * 2. A rule *selects* the images that meet its tag requirements (see tags.ts), looking at every
 *    image in the repository, including images a higher-priority rule has already expired.
 * 3. From its selection a rule marks for expiry:
 *    - imageCountMoreThan N: everything after the N newest (sorted newest first by push time);
 *    - sinceImagePushed N days: images pushed more than N x 24 h before `now`. Exactly N days
 *      is not "more than", so it is kept ("Filtering on all images", example B: the untagged
 *      image pushed 1 day ago survives the 1-day rule).
 * 4. An image is expired by at most one rule, and an image selected by a rule is *claimed* by
 *    it: no lower-priority rule may expire it, even when the claiming rule kept it (its count or
 *    age let it stay). Decided by "Filtering on multiple rules", example A: Rule 1 (`prod`,
 *    keep 1) keeps image B; Rule 2 (`beta`, keep 1) would expire A and B, but both are Rule 1's,
 *    so only A (expired by Rule 1) goes. Example B (priorities swapped) expires A and B, and
 *    "Filtering on all images" example B has the `any` rule skip A, B, C and E, which higher
 *    rules selected, and expire only D.
 * 5. Claimed images still count: a lower rule's imageCountMoreThan ranks every image it
 *    selects, claimed or expired ones included ("can still identify them as if they haven't
 *    been expired"), so a claimed image can use up one of its N places. In example A, Rule 2
 *    keeps C as its newest `beta` image while ranking A and B.
 * 6. An image a manifest list (index) refers to cannot be expired while the list exists. Such an
 *    image (`referencedByManifestList`) is selected, claimed and counted like any other, but
 *    never expired: the rule skips it, as it skips claimed images, rather than taking the next
 *    one instead (ECR's docs say only that it cannot be expired).
 *
 * Ties: images pushed at the same millisecond are ordered by digest, the greater digest counting
 * as newer, then by their order in the input (later = newer). So the outcome does not depend on
 * the order the caller lists images in, and with equal times the smaller digest goes first.
 * ("Filtering on all images", example B, pushes D and E "1 day ago" and expires D: with the
 * digests ordered as the names are, the tie rule gives that result too.)
 */
import type { LifecyclePolicy, LifecycleRule, LifecycleSelection } from './policy.js';
import { selectsTags } from './tags.js';

const DAY_MS = 86_400_000;

/** What the evaluator needs to know about an image; callers may pass richer objects through. */
export interface LifecycleImage {
  readonly digest: string;
  /** Empty for an untagged image. */
  readonly tags: readonly string[];
  /** Epoch milliseconds. */
  readonly pushedAt: number;
  /** Not used to decide anything; carried so a preview can say how much space expiry frees. */
  readonly imageSizeInBytes?: number;
  /** True while an image index (manifest list) refers to this image: it must not be expired. */
  readonly referencedByManifestList?: boolean;
}

export interface ExpiredImage<T extends LifecycleImage = LifecycleImage> {
  readonly image: T;
  /** The rule that expires it (its rulePriority is ECR's appliedRulePriority). */
  readonly rule: LifecycleRule;
}

/** Both lists are in age order, oldest first; together they hold every input image once. */
export interface LifecycleEvaluation<T extends LifecycleImage = LifecycleImage> {
  readonly expired: ExpiredImage<T>[];
  readonly kept: T[];
}

interface Entry<T> {
  readonly image: T;
  readonly index: number;
}

function newestFirst<T extends LifecycleImage>(a: Entry<T>, b: Entry<T>): number {
  if (a.image.pushedAt !== b.image.pushedAt) return b.image.pushedAt - a.image.pushedAt;
  if (a.image.digest !== b.image.digest) return a.image.digest < b.image.digest ? 1 : -1;
  return b.index - a.index;
}

/** The part of a rule's selection (newest first) that its count or age condition expires. */
function dueForExpiry<T extends LifecycleImage>(selection: LifecycleSelection, selected: readonly Entry<T>[], now: number): Entry<T>[] {
  if (selection.countType === 'imageCountMoreThan') return selected.slice(selection.countNumber);
  const limit = selection.countNumber * DAY_MS;
  return selected.filter((e) => now - e.image.pushedAt > limit);
}

export function evaluate<T extends LifecycleImage>(policy: LifecyclePolicy, images: readonly T[], now: number): LifecycleEvaluation<T> {
  const byAge = images.map((image, index) => ({ image, index })).sort(newestFirst);
  const claimed = new Set<number>();
  const expiredBy = new Map<number, LifecycleRule>();

  for (const rule of [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
    const selected = byAge.filter((e) => selectsTags(rule.selection, e.image.tags));
    for (const e of dueForExpiry(rule.selection, selected, now)) {
      if (!claimed.has(e.index) && !e.image.referencedByManifestList) expiredBy.set(e.index, rule);
    }
    for (const e of selected) claimed.add(e.index);
  }

  const oldestFirst = byAge.reverse();
  const expired: ExpiredImage<T>[] = [];
  const kept: T[] = [];
  for (const e of oldestFirst) {
    const rule = expiredBy.get(e.index);
    if (rule === undefined) kept.push(e.image);
    else expired.push({ image: e.image, rule });
  }
  return { expired, kept };
}

/** One row of GetLifecyclePolicyPreview's `previewResults`, in the domain's units (epoch ms). */
export interface LifecyclePreviewResult {
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imagePushedAt: number;
  readonly action: { readonly type: 'EXPIRE' };
  readonly appliedRulePriority: number;
  /** Not in ECR's shape; present when the caller supplied it. */
  readonly imageSizeInBytes?: number;
}

export interface LifecyclePreview {
  readonly previewResults: LifecyclePreviewResult[];
  readonly summary: { readonly expiringImageTotalCount: number };
}

/** The evaluation as GetLifecyclePolicyPreview reports it: expiring images only, oldest first. */
export function lifecyclePreview(evaluation: LifecycleEvaluation): LifecyclePreview {
  const previewResults = evaluation.expired.map(({ image, rule }): LifecyclePreviewResult => ({
    imageDigest: image.digest,
    imageTags: [...image.tags],
    imagePushedAt: image.pushedAt,
    action: { type: 'EXPIRE' },
    appliedRulePriority: rule.rulePriority,
    ...(image.imageSizeInBytes !== undefined ? { imageSizeInBytes: image.imageSizeInBytes } : {}),
  }));
  return { previewResults, summary: { expiringImageTotalCount: previewResults.length } };
}
