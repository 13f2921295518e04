// Whether a version is inside an OSV `affected[]` entry, by the OSV schema's evaluation rules:
// a range's events are sorted by version (`introduced: "0"` first, `limit: "*"` last) and walked
// up to the version; the last event passed decides — `introduced` opens, `fixed` closes at its
// version, `last_affected` closes just after it. `limit` events bound the whole range from above.
// An explicit `versions` list matches by exact string. GIT ranges name commits, which an
// installed package does not carry, so they are never evaluated.
import type { VersionScheme } from '../types.js';
import { compareVersions } from '../versions/index.js';

export type RangeEventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

export interface RangeEvent {
  kind: RangeEventKind;
  version: string;
}

export interface VersionRange {
  /** ECOSYSTEM (the ecosystem's own order) or SEMVER (SemVer 2.0 order whatever the ecosystem). */
  type: string;
  events: RangeEvent[];
}

export interface AffectedVersions {
  ranges: VersionRange[];
  versions: string[];
}

export interface AffectedMatch {
  /** The first version out of the affected range, when the range has one. */
  fixedVersion?: string;
}

/** The range types an installed version can be placed in; the importer stores no others. */
export const EVALUATED_RANGE_TYPES: ReadonlySet<string> = new Set(['ECOSYSTEM', 'SEMVER']);

type Compare = (a: string, b: string) => number;

function comparatorFor(type: string, scheme: VersionScheme): Compare | undefined {
  if (type === 'ECOSYSTEM') return (a, b) => compareVersions(scheme, a, b);
  // OSV writes SEMVER versions without Go's `v` prefix; installed Go modules carry it.
  if (type === 'SEMVER') return (a, b) => compareVersions('semver', a.replace(/^v/, ''), b.replace(/^v/, ''));
  return undefined;
}

const isStart = (event: RangeEvent): boolean => event.kind === 'introduced' && event.version === '0';
const isEnd = (event: RangeEvent): boolean => event.kind === 'limit' && event.version === '*';

function eventOrder(compare: Compare): (x: RangeEvent, y: RangeEvent) => number {
  const bound = (e: RangeEvent): number => (isStart(e) ? -1 : isEnd(e) ? 1 : 0);
  return (x, y) => {
    const difference = bound(x) - bound(y);
    return difference !== 0 || bound(x) !== 0 ? difference : compare(x.version, y.version);
  };
}

/** Has the walk up to `version` passed this event? */
function passed(event: RangeEvent, version: string, compare: Compare): boolean {
  switch (event.kind) {
    case 'introduced':
      return isStart(event) || compare(event.version, version) <= 0;
    case 'fixed':
      return compare(event.version, version) <= 0;
    case 'last_affected':
      return compare(event.version, version) < 0;
    case 'limit':
      return false;
  }
}

function evaluateRange(range: VersionRange, version: string, compare: Compare): AffectedMatch | undefined {
  const limits = range.events.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((l) => isEnd(l) || compare(version, l.version) < 0)) return undefined;
  const events = range.events.filter((e) => e.kind !== 'limit').sort(eventOrder(compare));
  let affected = false;
  let next = 0;
  for (; next < events.length && passed(events[next]!, version, compare); next++) {
    affected = events[next]!.kind === 'introduced';
  }
  if (!affected) return undefined;
  const closing = events.slice(next).find((e) => e.kind !== 'introduced');
  return closing?.kind === 'fixed' ? { fixedVersion: closing.version } : {};
}

/**
 * The match of `version` against one affected[] entry, or undefined when it is not affected. Of
 * several ranges that contain the version, one that names a fix is preferred.
 */
export function matchAffected(affected: AffectedVersions, version: string, scheme: VersionScheme): AffectedMatch | undefined {
  let match: AffectedMatch | undefined = affected.versions.includes(version) ? {} : undefined;
  for (const range of affected.ranges) {
    if (match?.fixedVersion !== undefined) break;
    const compare = comparatorFor(range.type, scheme);
    const verdict = compare && evaluateRange(range, version, compare);
    if (verdict) match = verdict.fixedVersion !== undefined || !match ? verdict : match;
  }
  return match;
}

export function isAffected(affected: AffectedVersions, version: string, scheme: VersionScheme): boolean {
  return matchAffected(affected, version, scheme) !== undefined;
}
