// RubyGems versions, ordered like Gem::Version: a hyphen reads as `.pre.`, the string is cut
// into runs of digits and runs of letters, and trailing zeros are dropped from the numeric
// part and from the part after the first word (1.0.a.0 = 1.a). Segments then compare in turn,
// a missing one counting as 0: numbers by value, words by bytes, and a word before a number,
// which is why any letter makes a pre-release (1.0.a < 1.0 < 1.0.1).
import { compareDigitRuns, compareNumberOrWord } from './primitives.js';

const PATTERN = /^\s*(?:[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*$/;
const DIGITS = /^\d+$/;

export function isValid(version: string): boolean {
  return PATTERN.test(version);
}

export function compare(a: string, b: string): number {
  const x = canonicalSegments(a);
  const y = canonicalSegments(b);
  for (let index = 0; index < Math.max(x.length, y.length); index++) {
    const bySegment = compareNumberOrWord(x[index] ?? '0', y[index] ?? '0', false);
    if (bySegment !== 0) return bySegment;
  }
  return 0;
}

function canonicalSegments(version: string): string[] {
  const segments = version.trim().replaceAll('-', '.pre.').match(/[0-9]+|[a-z]+/gi) ?? [];
  const firstWord = segments.findIndex((segment) => !DIGITS.test(segment));
  const numeric = firstWord >= 0 ? segments.slice(0, firstWord) : segments;
  const rest = firstWord >= 0 ? segments.slice(firstWord) : [];
  return [...withoutTrailingZeros(numeric), ...withoutTrailingZeros(rest)];
}

function withoutTrailingZeros(segments: string[]): string[] {
  let end = segments.length;
  while (end > 0 && isZero(segments[end - 1]!)) end--;
  return segments.slice(0, end);
}

function isZero(segment: string): boolean {
  return DIGITS.test(segment) && compareDigitRuns(segment, '0') === 0;
}
