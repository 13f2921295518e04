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

export const ANY_SEQUENCE: unique symbol = Symbol('*');
export const ANY_CHARACTER: unique symbol = Symbol('?');

/** One code point of literal text, or a wildcard. */
export type GlobToken = string | typeof ANY_SEQUENCE | typeof ANY_CHARACTER;
export type Glob = readonly GlobToken[];

/** Literal text: every character, `*` and `?` included, matches only itself. */
export function literalGlob(text: string): GlobToken[] {
  return Array.from(text);
}

/** Text whose `*` and `?` are wildcards (no policy variables). */
export function wildcardGlob(pattern: string): GlobToken[] {
  return Array.from(pattern, (ch) => (ch === '*' ? ANY_SEQUENCE : ch === '?' ? ANY_CHARACTER : ch));
}

/** Back to text, for operators that compare for equality (a wildcard there is just a character). */
export function globText(glob: Glob): string {
  return glob.map((t) => (t === ANY_SEQUENCE ? '*' : t === ANY_CHARACTER ? '?' : t)).join('');
}

export function globMatches(glob: Glob, value: string, caseInsensitive: boolean): boolean {
  const fold = (s: string): string => (caseInsensitive ? s.toLowerCase() : s);
  const chars = Array.from(value, fold);
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  while (v < chars.length) {
    const token = glob[p];
    if (token === ANY_SEQUENCE) {
      starP = p++;
      starV = v;
    } else if (token !== undefined && (token === ANY_CHARACTER || fold(token) === chars[v])) {
      p++;
      v++;
    } else if (starP >= 0) {
      // Let the last `*` swallow one more character and retry from just after it.
      p = starP + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (glob[p] === ANY_SEQUENCE) p++;
  return p === glob.length;
}

/** `*` and `?` wildcard match of a plain string pattern. */
export function matchesWildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  return globMatches(wildcardGlob(pattern), value, caseInsensitive);
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
    if (token === ':' && patternParts.length < ARN_PARTS) patternParts.push([]);
    else patternParts[patternParts.length - 1]!.push(token);
  }
  const valueParts = value.split(':');
  if (valueParts.length < patternParts.length) return false;
  const last = patternParts.length - 1;
  const values = [...valueParts.slice(0, last), valueParts.slice(last).join(':')];
  return patternParts.every((part, i) => globMatches(part, values[i]!, false));
}
