/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`) and the escapes
 * `${*}`, `${?}`, `${$}`. IAM substitutes them only in policies whose Version is 2012-10-17
 * (older documents treat the text literally), only in Resource/NotResource and in the values of
 * string and ARN condition operators, and in one pass: a substituted value is never re-scanned.
 * A variable whose key is absent or multi-valued, with no default, cannot be resolved; IAM then
 * treats the whole statement as not applying, which callers signal by the `null` result.
 */
import { pushLiteral, wildcardGlob, type Glob, type GlobToken } from './wildcard.js';

/** Value of a single-valued context key, or undefined when absent or multi-valued. */
export type VariableResolver = (key: string) => string | undefined;

export const VARIABLES_VERSION = '2012-10-17';

/** `${*}`, `${?}`, `${$}`: the character itself, never a wildcard or the start of a variable. */
const ESCAPES = new Set(['*', '?', '$']);

interface Reference {
  /** Index just past the closing brace. */
  end: number;
  /** Literal replacement (escapes), or a key plus optional default. */
  literal?: string;
  key?: string;
  fallback?: string;
}

/** Parses `${...}` starting at `start` (which points at `$`); undefined if malformed. */
function readReference(text: string, start: number): Reference | undefined {
  let i = start + 2;
  const close = text.indexOf('}', i);
  if (close < 0) return undefined;
  if (close === i + 1 && ESCAPES.has(text[i]!)) return { end: close + 1, literal: text[i]! };
  const comma = text.indexOf(',', i);
  if (comma < 0 || comma > close) {
    const key = text.slice(i, close).trim();
    return key === '' || /\s/.test(key) ? undefined : { end: close + 1, key };
  }
  const key = text.slice(i, comma).trim();
  if (key === '' || /\s/.test(key)) return undefined;
  // Default: a single-quoted string in which '' stands for one quote; it may contain `}`.
  i = comma + 1;
  while (text[i] === ' ') i++;
  if (text[i] !== "'") return undefined;
  let fallback = '';
  for (i++; i < text.length; i++) {
    if (text[i] !== "'") {
      fallback += text[i];
    } else if (text[i + 1] === "'") {
      fallback += "'";
      i++;
    } else {
      break;
    }
  }
  if (i >= text.length) return undefined;
  i++;
  while (text[i] === ' ') i++;
  return text[i] === '}' ? { end: i + 1, key, fallback } : undefined;
}

/**
 * Compiles policy text to a glob. With `resolve` null (variables disabled) `${...}` is literal.
 * Malformed references stay literal text. Returns null when a variable cannot be resolved.
 */
export function compilePolicyText(text: string, resolve: VariableResolver | null): Glob | null {
  if (resolve === null || !text.includes('${')) return wildcardGlob(text);
  const out: GlobToken[] = [];
  let literalStart = 0;
  let i = 0;
  // Policy text between references: its own `*` and `?` are wildcards.
  const flush = (end: number): void => {
    for (const token of wildcardGlob(text.slice(literalStart, end))) {
      if (typeof token === 'string') pushLiteral(out, token);
      else out.push(token);
    }
  };
  while (i < text.length) {
    const ref = text[i] === '$' && text[i + 1] === '{' ? readReference(text, i) : undefined;
    if (ref === undefined) {
      i++;
      continue;
    }
    const value = ref.literal ?? resolve(ref.key!) ?? ref.fallback;
    if (value === undefined) return null;
    flush(i);
    pushLiteral(out, value);
    i = literalStart = ref.end;
  }
  flush(text.length);
  return out;
}
