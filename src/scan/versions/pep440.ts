// Python package versions as PEP 440 defines them:
//   [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
// with the spellings PEP 440 normalises (case, `v` prefix, `alpha`/`beta`/`c`/`pre`/`preview`,
// `rev`/`r` and the implicit `-N` post-release, `-`/`_`/`.` separators, implicit 0 numbers).
// Order: epoch, release (trailing zeros ignored), then 1.0.dev1 < 1.0a1.dev1 < 1.0a1 <
// 1.0a1.post1 < 1.0 < 1.0.post1.dev1 < 1.0.post1 < 1.0+local.
import { compareDigitRuns, compareNumberOrWord, compareSequences, compareStrings, sign } from './primitives.js';

interface Pep440Version {
  epoch: string;
  /** Release numbers without trailing zeros: 1.0.0 and 1 are the same release. */
  release: string[];
  preRelease: { rank: number; number: string } | undefined;
  postRelease: string | undefined;
  devRelease: string | undefined;
  local: string[] | undefined;
}

const PATTERN = new RegExp(
  '^\\s*v?' +
    '(?:(\\d+)!)?' +
    '(\\d+(?:\\.\\d+)*)' +
    '(?:[-_.]?(alpha|beta|preview|pre|a|b|c|rc)[-_.]?(\\d+)?)?' +
    '(?:-(\\d+)|[-_.]?(post|rev|r)[-_.]?(\\d+)?)?' +
    '(?:[-_.]?(dev)[-_.]?(\\d+)?)?' +
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    '\\s*$',
  'i',
);

/** Where a version without a pre-release stands among a (0), b (1) and rc (2). */
const BARE_DEV_RANK = -1;
const FINAL_RANK = 3;
const ABSENT_FIRST = -1;
const ABSENT_LAST = 1;

const PRE_RELEASE_RANK: Readonly<Record<string, number>> = {
  a: 0,
  alpha: 0,
  b: 1,
  beta: 1,
  c: 2,
  rc: 2,
  pre: 2,
  preview: 2,
};

export function isValid(version: string): boolean {
  return PATTERN.test(version);
}

// A string PEP 440 rejects still needs a place in the order: it sorts before every valid
// version (as the old LegacyVersion did), and among such strings by text.
export function compare(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) {
    if (x !== undefined) return 1;
    if (y !== undefined) return -1;
    return compareStrings(a, b);
  }
  return sign(
    compareDigitRuns(x.epoch, y.epoch) ||
      compareSequences(x.release, y.release, compareDigitRuns) ||
      comparePreRelease(x, y) ||
      compareOptional(x.postRelease, y.postRelease, ABSENT_FIRST, compareDigitRuns) ||
      compareOptional(x.devRelease, y.devRelease, ABSENT_LAST, compareDigitRuns) ||
      compareOptional(x.local, y.local, ABSENT_FIRST, compareLocal),
  );
}

function parse(version: string): Pep440Version | undefined {
  const match = PATTERN.exec(version);
  if (match === null) return undefined;
  const [, epoch, release, preLabel, preNumber, implicitPost, postLabel, postNumber, devLabel, devNumber, local] =
    match;
  const numbers = release!.split('.');
  while (numbers.length > 0 && compareDigitRuns(numbers.at(-1)!, '0') === 0) numbers.pop();
  return {
    epoch: epoch ?? '0',
    release: numbers,
    preRelease:
      preLabel === undefined
        ? undefined
        : { rank: PRE_RELEASE_RANK[preLabel.toLowerCase()]!, number: preNumber ?? '0' },
    postRelease: implicitPost ?? (postLabel === undefined ? undefined : (postNumber ?? '0')),
    devRelease: devLabel === undefined ? undefined : (devNumber ?? '0'),
    local: local === undefined ? undefined : local.toLowerCase().split(/[-_.]/),
  };
}

function comparePreRelease(a: Pep440Version, b: Pep440Version): number {
  const rankA = preReleaseRank(a);
  const rankB = preReleaseRank(b);
  if (rankA !== rankB) return sign(rankA - rankB);
  if (a.preRelease === undefined || b.preRelease === undefined) return 0;
  return compareDigitRuns(a.preRelease.number, b.preRelease.number);
}

/** A bare dev release (1.0.dev1) comes before every pre-release of its release; no pre-release after all. */
function preReleaseRank(version: Pep440Version): number {
  if (version.preRelease !== undefined) return version.preRelease.rank;
  if (version.postRelease === undefined && version.devRelease !== undefined) return BARE_DEV_RANK;
  return FINAL_RANK;
}

/** Compares two optional parts; `absent` says whether a missing part sorts first (-1) or last (1). */
function compareOptional<T>(
  a: T | undefined,
  b: T | undefined,
  absent: number,
  compareValues: (x: T, y: T) => number,
): number {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    return a === undefined ? absent : -absent;
  }
  return compareValues(a, b);
}

/** Local labels, segment by segment: numbers after words, numbers by value, words alphabetically. */
function compareLocal(a: string[], b: string[]): number {
  return compareSequences(a, b, (x, y) => compareNumberOrWord(x, y, false));
}
