/**
 * Condition evaluation. Within a Condition block every operator and every key must hold (AND);
 * the values listed for one key are alternatives (OR). How a missing key is treated follows IAM:
 *
 *   Null                      "true" holds when the key is absent, "false" when it is present
 *   ...IfExists               holds when the key is absent
 *   ForAllValues:             holds when the key is absent (vacuously: no value fails)
 *   ForAnyValue:              fails when the key is absent (no value to match)
 *   negated (StringNotEquals) holds when the key is absent
 *   positive (StringEquals)   fails when the key is absent
 *
 * A key given as an empty array counts as absent. Without a set qualifier a multi-valued key
 * matches a positive operator when any of its values does, and a negated one when none does.
 */
import { parseOperator, type ParsedOperator } from './operators.js';
import type { ConditionBlock, ConditionValue, ContextValue } from './types.js';
import { compilePolicyText, type VariableResolver } from './variables.js';
import { arnMatches, globMatches, globText } from './wildcard.js';
import { ipInRange, readBase64, readBool, readDate, readIpRange, readNumber } from './values.js';

type Scalar = string | number | boolean;
type Matcher = (contextValue: Scalar) => boolean;

/** Context keys by lower-cased name (condition key names are case-insensitive). */
export type ContextKeys = ReadonlyMap<string, ContextValue>;

function present(value: ContextValue): Scalar[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value;
  return [value];
}

function compare(a: number, b: number, comparison: ParsedOperator['comparison']): boolean {
  switch (comparison) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

/**
 * The positive test of one policy value against one context value, or null when the policy value
 * cannot be used (an unresolvable policy variable, or a value `parsePolicy` would have refused).
 */
function matcherFor(op: ParsedOperator, policyValue: ConditionValue, resolve: VariableResolver | null): Matcher | null {
  switch (op.family) {
    case 'string':
    case 'stringIgnoreCase':
    case 'stringLike':
    case 'arn': {
      const glob = compilePolicyText(String(policyValue), resolve);
      if (glob === null) return null;
      if (op.family === 'stringLike') return (c) => globMatches(glob, String(c));
      if (op.family === 'arn') return (c) => arnMatches(glob, String(c));
      const text = globText(glob);
      if (op.family === 'string') return (c) => String(c) === text;
      const lower = text.toLowerCase();
      return (c) => String(c).toLowerCase() === lower;
    }
    case 'numeric':
    case 'date': {
      const read = op.family === 'numeric' ? readNumber : readDate;
      const expected = read(policyValue);
      if (expected === undefined) return null;
      return (c) => {
        const actual = read(c);
        return actual !== undefined && compare(actual, expected, op.comparison);
      };
    }
    case 'bool': {
      const expected = readBool(policyValue);
      if (expected === undefined) return null;
      return (c) => readBool(c) === expected;
    }
    case 'binary': {
      const expected = readBase64(policyValue);
      if (expected === undefined) return null;
      return (c) => readBase64(c)?.equals(expected) === true;
    }
    case 'ip': {
      const range = readIpRange(policyValue);
      if (range === undefined) return null;
      return (c) => typeof c === 'string' && ipInRange(c.trim(), range);
    }
    case 'null':
      return null; // handled before matchers are built
  }
}

function keyHolds(
  op: ParsedOperator,
  contextValue: ContextValue,
  policyValues: readonly ConditionValue[],
  resolve: VariableResolver | null,
): boolean {
  const values = present(contextValue);
  if (op.family === 'null') return policyValues.some((v) => readBool(v) === (values === undefined));
  if (values === undefined) {
    if (op.ifExists || op.set === 'all') return true;
    if (op.set === 'any') return false;
    return op.negated;
  }
  const matchers: Matcher[] = [];
  for (const policyValue of policyValues) {
    const matcher = matcherFor(op, policyValue, resolve);
    if (matcher === null) return false; // IAM: an unusable value invalidates the statement
    matchers.push(matcher);
  }
  const matchesAny = (c: Scalar): boolean => matchers.some((m) => m(c));
  switch (op.set) {
    case 'any':
      return values.some((c) => matchesAny(c) !== op.negated);
    case 'all':
      return values.every((c) => matchesAny(c) !== op.negated);
    case undefined:
      return values.some(matchesAny) !== op.negated;
  }
}

/** True when every operator/key pair in the block holds for this request. */
export function conditionsHold(block: ConditionBlock, keys: ContextKeys, resolve: VariableResolver | null): boolean {
  for (const [name, entries] of Object.entries(block)) {
    const op = parseOperator(name);
    if ('error' in op) return false; // only reachable for documents not built by parsePolicy
    for (const [key, policyValues] of Object.entries(entries)) {
      if (!keyHolds(op, keys.get(key.toLowerCase()), policyValues, resolve)) return false;
    }
  }
  return true;
}
