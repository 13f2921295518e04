/**
 * Wildcard patterns as IAM uses them: `*` matches any run of characters (including none and
 * including `/` and `:`), `?` exactly one character. Patterns are compiled to tokens rather than
 * matched as text so that a `*` that came from `${*}` or from a substituted policy variable stays
 * a literal character; only the wildcards written in the policy itself are symbols.
 *
 * Matching is the two-pointer algorithm that only ever backtracks to the latest `*`: at worst
 * pattern length x value length steps, never exponential (no regular expressions, so a hostile
 * pattern cannot cause catastrophic backtracking).
 */
import { memoize } from './memo.js';

const ANY_SEQUENCE: unique symbol = Symbol('*');
const ANY_CHARACTER: unique symbol = Symbol('?');

/** A non-empty run of literal text, or a wildcard. */
export type GlobToken = string | typeof ANY_SEQUENCE | typeof ANY_CHARACTER;
export type Glob = readonly GlobToken[];

/** Appends literal text, merging it into a preceding literal run. */
export function pushLiteral(glob: GlobToken[], text: string): void {
  if (text === '') return;
  const last = glob.length - 1;
  if (typeof glob[last] === 'string') glob[last] += text;
  else glob.push(text);
}

function compileWildcards(pattern: string): Glob {
  const glob: GlobToken[] = [];
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch !== '*' && ch !== '?') continue;
    pushLiteral(glob, pattern.slice(start, i));
    glob.push(ch === '*' ? ANY_SEQUENCE : ANY_CHARACTER);
    start = i + 1;
  }
  pushLiteral(glob, pattern.slice(start));
  return glob;
}

/** Text whose `*` and `?` are wildcards (no policy variables). */
export const wildcardGlob: (pattern: string) => Glob = memoize(compileWildcards);

/** Back to text, for operators that compare for equality (a wildcard there is just a character). */
export function globText(glob: Glob): string {
  return glob.map((t) => (t === ANY_SEQUENCE ? '*' : t === ANY_CHARACTER ? '?' : t)).join('');
}

/** 2 for a surrogate pair, so `?` and backtracking step over whole characters. */
function charLength(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code < 0xd800 || code > 0xdbff) return 1;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/** Case-sensitive match of the whole of `text`. */
export function globMatches(glob: Glob, text: string): boolean {
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  for (;;) {
    const token = glob[p];
    if (token === undefined) {
      if (v === text.length) return true;
    } else if (token === ANY_SEQUENCE) {
      starP = p++;
      starV = v;
      continue;
    } else if (token === ANY_CHARACTER) {
      if (v < text.length) {
        v += charLength(text, v);
        p++;
        continue;
      }
    } else if (text.startsWith(token, v)) {
      v += token.length;
      p++;
      continue;
    }
    // Mismatch: let the latest `*` swallow one more character and retry from just after it.
    if (starP < 0 || starV >= text.length) return false;
    starV += charLength(text, starV);
    v = starV;
    p = starP + 1;
  }
}

/**
 * `*` and `?` wildcard match of a plain string pattern. Ignoring case lower-cases both sides
 * first (exact for the ASCII names IAM actions use).
 */
export function matchesWildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  return caseInsensitive
    ? globMatches(wildcardGlob(pattern.toLowerCase()), value.toLowerCase())
    : globMatches(wildcardGlob(pattern), value);
}

const ARN_PARTS = 6;

/**
 * ArnEquals/ArnLike: the pattern and the value are split into the six colon-delimited ARN parts
 * and each part is matched on its own, so a `*` in the region part cannot swallow the account.
 * The last part (the resource) keeps any further colons. A pattern with fewer parts (e.g. `*`
 * or `arn:aws:ecr:*`) lets its last part cover the rest of the value.
 */
export function arnMatches(glob: Glob, value: string): boolean {
  const patternParts: GlobToken[][] = [[]];
  for (const token of glob) {
    if (typeof token !== 'string') {
      patternParts[patternParts.length - 1]!.push(token);
      continue;
    }
    const pieces = token.split(':');
    pieces.forEach((piece, i) => {
      if (i > 0 && patternParts.length < ARN_PARTS) patternParts.push([]);
      else if (i > 0) piece = ':' + piece;
      pushLiteral(patternParts[patternParts.length - 1]!, piece);
    });
  }
  const valueParts = value.split(':');
  if (valueParts.length < patternParts.length) return false;
  const last = patternParts.length - 1;
  const values = [...valueParts.slice(0, last), valueParts.slice(last).join(':')];
  return patternParts.every((part, i) => globMatches(part, values[i]!));
}
