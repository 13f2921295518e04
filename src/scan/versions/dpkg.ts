// Debian version order, as Debian Policy 5.6.12 defines it and dpkg implements it:
// `[epoch:]upstream_version[-debian_revision]`, compared part by part. Within a part, text is
// compared in alternating runs: a non-digit run character by character with `~` before
// everything (even the end of the string), then letters, then all other characters; and a digit
// run by numeric value.
import {
  compareDigitRuns,
  compareEpochVersionRelease,
  digitRunAt,
  isDigitCode,
  isLetterCode,
  splitEpochVersionRelease,
} from './primitives.js';

const TILDE = 126;
const UPSTREAM = /^\d[A-Za-z0-9.+~-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

// A string dpkg would reject still gets a stable place in the order instead of an exception,
// because advisories are not always tidy. A missing epoch is 0; a missing revision compares as
// empty, which the digit rule makes equal to `0`, as Policy requires.
export function compare(a: string, b: string): number {
  return compareEpochVersionRelease(a, b, compareFragment);
}

/** What dpkg accepts: numeric epoch, upstream starting with a digit, only the allowed characters. */
export function isValid(version: string): boolean {
  const { version: upstream, release } = splitEpochVersionRelease(version.trim());
  return UPSTREAM.test(upstream) && (release === undefined || REVISION.test(release));
}

function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigitCode(a.charCodeAt(i))) || (j < b.length && !isDigitCode(b.charCodeAt(j)))) {
      const difference = characterWeight(a, i) - characterWeight(b, j);
      if (difference !== 0) return difference;
      i++;
      j++;
    }
    const runA = digitRunAt(a, i);
    const runB = digitRunAt(b, j);
    const byValue = compareDigitRuns(runA, runB);
    if (byValue !== 0) return byValue;
    i += runA.length;
    j += runB.length;
  }
  return 0;
}

/** The weight of the character at `index` inside a non-digit run; the end of the string and a digit weigh 0. */
function characterWeight(text: string, index: number): number {
  if (index >= text.length) return 0;
  const code = text.charCodeAt(index);
  if (code === TILDE) return -1;
  if (isDigitCode(code)) return 0;
  if (isLetterCode(code)) return code;
  return code + 256;
}
