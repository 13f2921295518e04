/**
 * Which images a rule's tag selection picks, by ECR's documented rules:
 *
 * - `untagged` picks images with no tag, `any` picks every image, `tagged` only tagged images.
 * - Several prefixes or patterns in one rule are a conjunction over the list, not over the
 *   image's tags: each entry must match at least one of the image's tags, and the image may have
 *   other tags that match nothing ("tags are not exclusive"). So an image tagged `prod` and
 *   `dev-1` is picked by `tagPrefixList: ["dev"]`, and `["alpha", "beta"]` needs one tag starting
 *   `alpha` and one (maybe the same) starting `beta`.
 * - A pattern's `*` matches any run of characters, including none; every other character is
 *   literal, so a pattern without `*` is an exact tag. Matching is case-sensitive, like tags.
 */
import type { TagSelection } from './policy.js';

/** Whole-tag match of a pattern whose only wildcard is `*`; linear, no regular expressions. */
export function matchesTagPattern(pattern: string, tag: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === tag;
  const head = parts[0];
  const tail = parts[parts.length - 1];
  if (tag.length < head.length + tail.length || !tag.startsWith(head) || !tag.endsWith(tail)) return false;
  // Taking each middle piece at its first occurrence leaves the most room for the rest.
  const end = tag.length - tail.length;
  let position = head.length;
  for (const piece of parts.slice(1, -1)) {
    const at = tag.indexOf(piece, position);
    if (at === -1 || at + piece.length > end) return false;
    position = at + piece.length;
  }
  return true;
}

export function selectsTags(selection: TagSelection, tags: readonly string[]): boolean {
  switch (selection.tagStatus) {
    case 'any':
      return true;
    case 'untagged':
      return tags.length === 0;
    case 'tagged':
      if ('tagPrefixList' in selection) return selection.tagPrefixList.every((prefix) => tags.some((tag) => tag.startsWith(prefix)));
      return selection.tagPatternList.every((pattern) => tags.some((tag) => matchesTagPattern(pattern, tag)));
  }
}
