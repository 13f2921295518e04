// RPM version order: `[epoch:]version[-release]`, each part compared with rpmvercmp. rpmvercmp
// walks both strings in alternating runs of digits and letters, skipping any other characters
// as separators: digit runs compare by value, letter runs by bytes, a digit run beats a letter
// run; `~` sorts before everything (even the end) and `^` after the end but before anything else.
import {
  compareDigitRuns,
  compareEpochVersionRelease,
  compareStrings,
  isDigitCode,
  isLetterCode,
  runWhile,
  sign,
  splitEpochVersionRelease,
} from './primitives.js';

const VERSION_PART = /^[A-Za-z0-9._+~^]+$/;
const TILDE = 126;
const CARET = 94;

// A missing epoch is 0. rpm itself skips the release when either side lacks one, which is no
// order at all (1.0-1 = 1.0 = 1.0-2); comparing an absent release as empty keeps it transitive
// and agrees with rpm.vercmp, which puts 1.0 before 1.0-1.
export function compare(a: string, b: string): number {
  return compareEpochVersionRelease(a, b, compareSegments);
}

/** A numeric epoch if any, and a version and release made of the characters rpm allows in them. */
export function isValid(version: string): boolean {
  const parts = splitEpochVersionRelease(version);
  return VERSION_PART.test(parts.version) && (parts.release === undefined || VERSION_PART.test(parts.release));
}

/**
 * rpmvercmp. `~` marks a pre-release (1.0~rc1 < 1.0) and `^` a snapshot after a release
 * (1.0 < 1.0^git1 < 1.0.1), which is why a caret loses to anything but the end of the string.
 */
function compareSegments(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  for (;;) {
    i = skipSeparators(a, i);
    j = skipSeparators(b, j);
    const charA = a[i];
    const charB = b[j];
    if (charA === '~' || charB === '~') {
      if (charA !== '~') return 1;
      if (charB !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (charA === '^' || charB === '^') {
      if (charA === undefined) return -1;
      if (charB === undefined) return 1;
      if (charA !== '^') return 1;
      if (charB !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (charA === undefined || charB === undefined) break;
    const numeric = isDigitCode(a.charCodeAt(i));
    const segmentA = runWhile(a, i, numeric ? isDigitCode : isLetterCode);
    const segmentB = runWhile(b, j, numeric ? isDigitCode : isLetterCode);
    // A digit segment against a letter segment: the digits are newer.
    if (segmentB === '') return numeric ? 1 : -1;
    const bySegment = numeric ? compareDigitRuns(segmentA, segmentB) : compareStrings(segmentA, segmentB);
    if (bySegment !== 0) return sign(bySegment);
    i += segmentA.length;
    j += segmentB.length;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

function skipSeparators(text: string, from: number): number {
  return from + runWhile(text, from, isSeparatorCode).length;
}

/** Anything but a letter, a digit, `~` and `^` only separates segments; it is never compared. */
function isSeparatorCode(code: number): boolean {
  return !isDigitCode(code) && !isLetterCode(code) && code !== TILDE && code !== CARET;
}
