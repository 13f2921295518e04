/**
 * The condition operators, as data. An operator name is `[ForAnyValue:|ForAllValues:]Base[IfExists]`.
 * Every negated base (StringNotEquals, NotIpAddress, ...) is declared as the negation of a positive
 * one so the evaluator has a single rule for negation: the context value must match none of the
 * policy values.
 */
import { memoize } from './memo.js';

export type OperatorFamily =
  | 'string'
  | 'stringIgnoreCase'
  | 'stringLike'
  | 'numeric'
  | 'date'
  | 'bool'
  | 'binary'
  | 'ip'
  | 'arn'
  | 'null';

export type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

export interface BaseOperator {
  family: OperatorFamily;
  negated: boolean;
  /** For numeric and date operators. */
  comparison: Comparison;
}

function op(family: OperatorFamily, negated = false, comparison: Comparison = 'eq'): BaseOperator {
  return { family, negated, comparison };
}

function ordered(family: 'numeric' | 'date', prefix: string): [string, BaseOperator][] {
  return [
    [`${prefix}Equals`, op(family)],
    [`${prefix}NotEquals`, op(family, true)],
    [`${prefix}LessThan`, op(family, false, 'lt')],
    [`${prefix}LessThanEquals`, op(family, false, 'lte')],
    [`${prefix}GreaterThan`, op(family, false, 'gt')],
    [`${prefix}GreaterThanEquals`, op(family, false, 'gte')],
  ];
}

const BASE_OPERATORS: ReadonlyMap<string, BaseOperator> = new Map([
  ['StringEquals', op('string')],
  ['StringNotEquals', op('string', true)],
  ['StringEqualsIgnoreCase', op('stringIgnoreCase')],
  ['StringNotEqualsIgnoreCase', op('stringIgnoreCase', true)],
  ['StringLike', op('stringLike')],
  ['StringNotLike', op('stringLike', true)],
  ...ordered('numeric', 'Numeric'),
  ...ordered('date', 'Date'),
  ['Bool', op('bool')],
  ['BinaryEquals', op('binary')],
  ['IpAddress', op('ip')],
  ['NotIpAddress', op('ip', true)],
  // IAM documents ArnEquals and ArnLike as the same test (both take wildcards, part by part).
  ['ArnEquals', op('arn')],
  ['ArnLike', op('arn')],
  ['ArnNotEquals', op('arn', true)],
  ['ArnNotLike', op('arn', true)],
  ['Null', op('null')],
]);

export const BASE_OPERATOR_NAMES: readonly string[] = [...BASE_OPERATORS.keys()];

export interface ParsedOperator extends BaseOperator {
  base: string;
  ifExists: boolean;
  /** ForAnyValue: / ForAllValues: set qualifier for multi-valued keys. */
  set: 'any' | 'all' | undefined;
}

const SET_PREFIXES = [
  ['ForAnyValue:', 'any'],
  ['ForAllValues:', 'all'],
] as const;
const IF_EXISTS = 'IfExists';

/** Operator names are case-sensitive, as in IAM. */
function parseOperatorName(name: string): ParsedOperator | { error: string } {
  let rest = name;
  let set: ParsedOperator['set'];
  for (const [prefix, kind] of SET_PREFIXES) {
    if (rest.startsWith(prefix)) {
      set = kind;
      rest = rest.slice(prefix.length);
    }
  }
  const ifExists = rest.endsWith(IF_EXISTS) && rest !== IF_EXISTS;
  if (ifExists) rest = rest.slice(0, -IF_EXISTS.length);
  const base = BASE_OPERATORS.get(rest);
  if (base === undefined) {
    return {
      error:
        `unknown condition operator ${JSON.stringify(name)}; supported: ${BASE_OPERATOR_NAMES.join(', ')} ` +
        `(each but Null may end in IfExists and start with ForAnyValue: or ForAllValues:)`,
    };
  }
  if (base.family === 'null' && (ifExists || set !== undefined)) {
    return { error: `condition operator ${JSON.stringify(name)}: Null takes neither IfExists nor ForAnyValue:/ForAllValues:` };
  }
  return { ...base, base: rest, ifExists, set };
}

export const parseOperator: (name: string) => Readonly<ParsedOperator> | { error: string } = memoize(parseOperatorName);
