// Alpine package versions, ordered the way apk-tools does:
//   digit{.digit}...{letter}{_suffix{number}}...{~commit}{-r revision}
// The string is read as a sequence of tokens whose kinds must appear in that order. Two
// versions are compared token by token while the kinds agree; where they part, a pre-release
// suffix (_alpha _beta _pre _rc) makes its version older, otherwise the version that continues
// with an earlier kind of token is the newer one (1.0.1 > 1.0a > 1.0_p1 > 1.0-r1 > 1.0).
import { compareDigitRuns, compareStrings, digitRunAt, isDigitCode, runWhile, sign } from './primitives.js';

/** Token kinds in the order they may follow each other; the order also decides the tail rule. */
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NUMBER = 4;
const COMMIT_HASH = 5;
const REVISION = 6;
const END = 7;
const INVALID = 8;

/** Suffix ranks; a rank below NO_SUFFIX marks a pre-release. */
const SUFFIX_RANK: ReadonlyMap<string, number> = new Map([
  ['alpha', 1],
  ['beta', 2],
  ['pre', 3],
  ['rc', 4],
  ['cvs', 6],
  ['svn', 7],
  ['git', 8],
  ['hg', 9],
  ['p', 10],
]);
const NO_SUFFIX = 5;

interface Token {
  kind: number;
  text: string;
}

export function compare(a: string, b: string): number {
  const x = tokenize(a);
  const y = tokenize(b);
  let index = 0;
  for (; x[index]!.kind === y[index]!.kind && x[index]!.kind < END; index++) {
    const byValue = compareTokens(x[index]!, y[index]!);
    if (byValue !== 0) return byValue;
  }
  const left = x[index]!;
  const right = y[index]!;
  if (left.kind === right.kind) return 0;
  if (isPreRelease(left)) return -1;
  if (isPreRelease(right)) return 1;
  return left.kind > right.kind ? -1 : 1;
}

export function isValid(version: string): boolean {
  return tokenize(version).at(-1)!.kind === END;
}

/** All tokens of a version; the last one is END, or INVALID where the grammar stops matching. */
function tokenize(version: string): Token[] {
  const first = digitRunAt(version, 0);
  if (first === '') return [{ kind: INVALID, text: '' }];
  const tokens: Token[] = [{ kind: INITIAL_DIGIT, text: first }];
  let position = first.length;
  for (;;) {
    const previous = tokens.at(-1)!.kind;
    const next = nextToken(version, position, previous);
    tokens.push(next.token);
    if (next.token.kind >= END) return tokens;
    position = next.position;
  }
}

function nextToken(version: string, position: number, previous: number): { token: Token; position: number } {
  const invalid = { token: { kind: INVALID, text: '' }, position };
  if (position >= version.length) return { token: { kind: END, text: '' }, position };
  const char = version[position]!;
  if (char >= 'a' && char <= 'z') {
    if (previous > DIGIT) return invalid;
    return { token: { kind: LETTER, text: char }, position: position + 1 };
  }
  if (char === '.' || (char >= '0' && char <= '9')) {
    const start = char === '.' ? position + 1 : position;
    if (char === '.' && previous > DIGIT) return invalid;
    const kind = previous <= DIGIT ? DIGIT : previous === SUFFIX ? SUFFIX_NUMBER : INVALID;
    const digits = digitRunAt(version, start);
    if (kind === INVALID || digits === '') return invalid;
    return { token: { kind, text: digits }, position: start + digits.length };
  }
  if (char === '_') {
    if (previous > SUFFIX_NUMBER) return invalid;
    const name = runWhile(version, position + 1, isLowerLetterCode);
    if (!SUFFIX_RANK.has(name)) return invalid;
    return { token: { kind: SUFFIX, text: name }, position: position + 1 + name.length };
  }
  if (char === '~') {
    if (previous >= COMMIT_HASH) return invalid;
    const hash = runWhile(version, position + 1, isLowerHexCode);
    if (hash === '') return invalid;
    return { token: { kind: COMMIT_HASH, text: hash }, position: position + 1 + hash.length };
  }
  if (char === '-') {
    if (previous >= REVISION || version[position + 1] !== 'r') return invalid;
    const digits = digitRunAt(version, position + 2);
    if (digits === '') return invalid;
    return { token: { kind: REVISION, text: digits }, position: position + 2 + digits.length };
  }
  return invalid;
}

function compareTokens(a: Token, b: Token): number {
  switch (a.kind) {
    case DIGIT:
      // A component with a leading zero is a fraction-like string (1.02 < 1.1), as in Gentoo.
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareStrings(a.text, b.text);
      return compareDigitRuns(a.text, b.text);
    case INITIAL_DIGIT:
    case SUFFIX_NUMBER:
    case REVISION:
      return compareDigitRuns(a.text, b.text);
    case SUFFIX:
      return sign(SUFFIX_RANK.get(a.text)! - SUFFIX_RANK.get(b.text)!);
    default:
      return compareStrings(a.text, b.text);
  }
}

function isPreRelease(token: Token): boolean {
  return token.kind === SUFFIX && SUFFIX_RANK.get(token.text)! < NO_SUFFIX;
}

function isLowerLetterCode(code: number): boolean {
  return code >= 97 && code <= 122;
}

function isLowerHexCode(code: number): boolean {
  return isDigitCode(code) || (code >= 97 && code <= 102);
}
