// Semantic Versioning 2.0.0 order (npm, crates.io, and Go modules through ./go.ts):
// MAJOR.MINOR.PATCH by value, then a version with a pre-release before the same version
// without one, pre-release identifiers compared left to right (numeric ones by value and before
// alphanumeric ones, those by ASCII), a longer list of equal identifiers after a shorter one.
// Build metadata never affects the order.
import { compareDigitRuns, compareNumberOrWord, compareSequences, digitRunAt, sign } from './primitives.js';

interface Semver {
  core: [string, string, string];
  preRelease: string[];
}

const NUMBER = '(?:0|[1-9]\\d*)';
const PRE_RELEASE_ID = `(?:${NUMBER}|\\d*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = '[0-9A-Za-z-]+';
const STRICT = new RegExp(
  `^v?${NUMBER}\\.${NUMBER}\\.${NUMBER}` +
    `(?:-${PRE_RELEASE_ID}(?:\\.${PRE_RELEASE_ID})*)?` +
    `(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);

/** Strict SemVer 2.0.0, allowing the leading `v` that tags and Go modules carry. */
export function isValid(version: string): boolean {
  return STRICT.test(version);
}

// Lenient on purpose: advisories carry `1.2`, `v1` or `=1.2.3`, and a missing component
// counts as 0 (as Go does for its `v1` / `v1.2` shorthands) rather than making the row unusable.
export function compare(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let index = 0; index < 3; index++) {
    const byComponent = compareDigitRuns(x.core[index]!, y.core[index]!);
    if (byComponent !== 0) return byComponent;
  }
  return comparePreRelease(x.preRelease, y.preRelease);
}

function parse(version: string): Semver {
  const text = version.trim().replace(/^[=v]+/i, '');
  const withoutBuild = text.split('+', 1)[0]!;
  const hyphen = withoutBuild.indexOf('-');
  const coreText = hyphen >= 0 ? withoutBuild.slice(0, hyphen) : withoutBuild;
  const parts = coreText.split('.');
  return {
    core: [digitRunAt(parts[0] ?? '', 0), digitRunAt(parts[1] ?? '', 0), digitRunAt(parts[2] ?? '', 0)],
    preRelease: hyphen >= 0 ? withoutBuild.slice(hyphen + 1).split('.') : [],
  };
}

function comparePreRelease(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return sign(b.length - a.length);
  return compareSequences(a, b, (x, y) => compareNumberOrWord(x, y, true));
}
