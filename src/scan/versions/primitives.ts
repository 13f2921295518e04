// The small orderings every scheme is built from. Version numbers routinely exceed 2^53 (dates
// with seconds, build stamps), so digit runs are compared as strings, never parsed into numbers.

const ALL_DIGITS = /^\d+$/;

/** -1, 0 or 1 for any number, so every comparator reports the same three values. */
export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two runs of ASCII digits by numeric value; an empty run counts as zero. */
export function compareDigitRuns(a: string, b: string): number {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return compareStrings(x, y);
}

/** Plain code-unit order (C's strcmp/memcmp on ASCII), independent of the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two segments that are each a number or a word: numbers by value, words by code
 * units, and a number against a word as `numbersFirst` says.
 */
export function compareNumberOrWord(a: string, b: string, numbersFirst: boolean): number {
  const numberA = ALL_DIGITS.test(a);
  const numberB = ALL_DIGITS.test(b);
  if (numberA && numberB) return compareDigitRuns(a, b);
  if (numberA !== numberB) return numberA === numbersFirst ? -1 : 1;
  return compareStrings(a, b);
}

/** Compares element by element; when one sequence is a prefix of the other, the shorter comes first. */
export function compareSequences(a: string[], b: string[], compareElement: (x: string, y: string) => number): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const byElement = compareElement(a[index]!, b[index]!);
    if (byElement !== 0) return byElement;
  }
  return sign(a.length - b.length);
}

export function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isLetterCode(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** The longest run starting at `from` whose character codes all pass `accepts` (possibly empty). */
export function runWhile(text: string, from: number, accepts: (code: number) => boolean): string {
  let end = from;
  while (end < text.length && accepts(text.charCodeAt(end))) end++;
  return text.slice(from, end);
}

/** The run of digits starting at `from` (empty when `from` is not a digit). */
export function digitRunAt(text: string, from: number): string {
  return runWhile(text, from, isDigitCode);
}

export interface EpochVersionRelease {
  /** Present only when the text before the first colon is a number. */
  epoch: string | undefined;
  version: string;
  /** What follows the last hyphen, when there is one. */
  release: string | undefined;
}

/**
 * Orders `[epoch:]version[-release]` strings (dpkg, rpm): the epoch by value, a missing one
 * being 0, then version and release with the scheme's own comparison, a missing release
 * compared as empty. Surrounding whitespace is ignored.
 */
export function compareEpochVersionRelease(
  a: string,
  b: string,
  compareParts: (x: string, y: string) => number,
): number {
  const x = splitEpochVersionRelease(a.trim());
  const y = splitEpochVersionRelease(b.trim());
  return sign(
    compareDigitRuns(x.epoch ?? '0', y.epoch ?? '0') ||
      compareParts(x.version, y.version) ||
      compareParts(x.release ?? '', y.release ?? ''),
  );
}

/** Splits `[epoch:]version[-release]` the way dpkg and rpm both do. */
export function splitEpochVersionRelease(text: string): EpochVersionRelease {
  const colon = text.indexOf(':');
  const epoch = colon >= 0 && ALL_DIGITS.test(text.slice(0, colon)) ? text.slice(0, colon) : undefined;
  const rest = epoch === undefined ? text : text.slice(colon + 1);
  const hyphen = rest.lastIndexOf('-');
  return {
    epoch,
    version: hyphen >= 0 ? rest.slice(0, hyphen) : rest,
    release: hyphen >= 0 ? rest.slice(hyphen + 1) : undefined,
  };
}

function stripLeadingZeros(run: string): string {
  let start = 0;
  while (start < run.length && run.charCodeAt(start) === 48) start++;
  return run.slice(start);
}
