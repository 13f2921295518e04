// Tag immutability as ECR defines it, including exclusion filters: with IMMUTABLE_WITH_EXCLUSION
// the tags that match a filter stay mutable; with MUTABLE_WITH_EXCLUSION they are the immutable ones.
export type TagMutability = 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';
export const TAG_MUTABILITIES: readonly TagMutability[] = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];

export interface MutabilityExclusion {
  filterType: 'WILDCARD';
  filter: string;
}

/** `*` matches any run of characters; everything else is literal. */
export function wildcardMatches(filter: string, tag: string): boolean {
  const parts = filter.split('*');
  if (parts.length === 1) return filter === tag;
  if (!tag.startsWith(parts[0]!) || !tag.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const end = tag.length - parts[parts.length - 1]!.length;
  for (const part of parts.slice(1, -1)) {
    const found = tag.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return at <= end;
}

export function isTagImmutable(mutability: TagMutability, exclusions: MutabilityExclusion[], tag: string): boolean {
  const excluded = exclusions.some((e) => wildcardMatches(e.filter, tag));
  switch (mutability) {
    case 'MUTABLE':
      return false;
    case 'IMMUTABLE':
      return true;
    case 'IMMUTABLE_WITH_EXCLUSION':
      return !excluded;
    case 'MUTABLE_WITH_EXCLUSION':
      return excluded;
  }
}
