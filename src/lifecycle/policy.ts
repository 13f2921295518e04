/**
 * Lifecycle policy text -> a validated `LifecyclePolicy`, and back to the compact text ECR
 * returns from PutLifecyclePolicy / GetLifecyclePolicy.
 *
 * The grammar is ECR's (User Guide, "Lifecycle policy properties" and the template on
 * "Examples of lifecycle policies"):
 *
 *   { "rules": [ {                                   1..50 rules, text 100..30,720 characters
 *       "rulePriority": 1,                           integer >= 1, unique in the policy
 *       "description": "...",                        optional
 *       "selection": {
 *         "tagStatus": "tagged" | "untagged" | "any",
 *         "tagPrefixList": ["prod"],                 tagged only; exactly one of the two lists
 *         "tagPatternList": ["prod*"],               tagged only; at most 4 `*` per pattern
 *         "storageClass": "standard",                optional; the only class Wharf has
 *         "countType": "imageCountMoreThan" | "sinceImagePushed",
 *         "countUnit": "days",                       with sinceImagePushed, and only with it
 *         "countNumber": 1 },                        integer >= 1
 *       "action": { "type": "expire" } } ] }
 *
 * ECR validates with a strict JSON schema, so unknown keys and nulls are errors, and it reports
 * one problem at a time; so does this parser, in ECR's words where they are known (JSON-schema
 * phrasing for shape errors, ECR's own sentences for the cross-rule checks), always with the path
 * of the offending element so the message says what to change.
 *
 * ECR's archive tier (action `transition`, `targetStorageClass`, storage class `archive`, count
 * types `sinceImagePulled` / `sinceImageTransitioned`) is recognised and refused with its own
 * message: Wharf has no archive storage class, and silently ignoring such a rule would keep
 * images the user meant to move.
 */

export const MIN_POLICY_TEXT_LENGTH = 100;
export const MAX_POLICY_TEXT_LENGTH = 30_720;
export const MAX_RULES = 50;
export const MAX_WILDCARDS_PER_PATTERN = 4;
/** ECR's service is Java: its integers are 32-bit, so larger priorities and counts are refused. */
const MAX_INTEGER = 2_147_483_647;

export type TagStatus = 'tagged' | 'untagged' | 'any';

/** Which images a rule looks at. A tagged rule names its tags one way or the other, never both. */
export type TagSelection =
  | { readonly tagStatus: 'untagged' }
  | { readonly tagStatus: 'any' }
  | { readonly tagStatus: 'tagged'; readonly tagPrefixList: readonly string[] }
  | { readonly tagStatus: 'tagged'; readonly tagPatternList: readonly string[] };

/** What a rule does with the images it looks at. */
export type CountSelection =
  | { readonly countType: 'imageCountMoreThan'; readonly countNumber: number }
  | { readonly countType: 'sinceImagePushed'; readonly countUnit: 'days'; readonly countNumber: number };

/** `storageClass` is kept only when the policy text had it, so the text round-trips. */
export type LifecycleSelection = TagSelection & CountSelection & { readonly storageClass?: 'standard' };

export interface LifecycleRule {
  readonly rulePriority: number;
  readonly description?: string;
  readonly selection: LifecycleSelection;
  readonly action: { readonly type: 'expire' };
}

export interface LifecyclePolicy {
  /** In the order the text lists them; evaluation orders them by rulePriority. */
  readonly rules: readonly LifecycleRule[];
}

/**
 * A policy ECR would refuse. `message` is the whole InvalidParameterException message;
 * `constraint` is the part ECR quotes, and `path` (e.g. `rules[1].selection.countUnit`) locates
 * the element at fault when there is one.
 */
export class LifecyclePolicyError extends Error {
  override name = 'LifecyclePolicyError';
  readonly exceptionType = 'InvalidParameterException';

  constructor(
    readonly parameter: string,
    readonly constraint: string,
    readonly path?: string,
  ) {
    super(`Invalid parameter at '${parameter}' failed to satisfy constraint: '${constraint}'`);
  }
}

type Json = Record<string, unknown>;

function fail(reason: string, path?: string): never {
  const where = path === undefined ? '' : ` (at ${path})`;
  throw new LifecyclePolicyError('LifecyclePolicyText', `Lifecycle policy validation failure: ${reason}${where}`, path);
}

/** JSON-schema's names for JSON types, as ECR's messages use them. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function wrongType(value: unknown, allowed: string, path: string): never {
  fail(`instance type (${jsonType(value)}) does not match any allowed primitive type (allowed: ["${allowed}"])`, path);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, path: string): Json {
  if (!isObject(value)) wrongType(value, 'object', path);
  return value;
}

function checkProperties(value: Json, required: readonly string[], allowed: readonly string[], path: string | undefined): void {
  const missing = required.filter((key) => !Object.hasOwn(value, key));
  if (missing.length > 0) fail(`object has missing required properties (${JSON.stringify(missing)})`, path);
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    fail(`object instance has properties which are not allowed by the schema: ${JSON.stringify(unknown)}; allowed: ${allowed.join(', ')}`, path);
  }
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') wrongType(value, 'string', path);
  return value;
}

function positiveInteger(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) wrongType(value, 'integer', path);
  if (value < 1) fail(`numeric instance is lower than the required minimum (minimum: 1, found: ${value})`, path);
  if (value > MAX_INTEGER) fail(`numeric instance is greater than the required maximum (maximum: ${MAX_INTEGER}, found: ${value})`, path);
  return value;
}

function enumValue<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  const text = string(value, path);
  if (!(allowed as readonly string[]).includes(text)) {
    fail(`instance value (${JSON.stringify(text)}) not found in enum (possible values: ${JSON.stringify(allowed)})`, path);
  }
  return text as T;
}

function unsupported(what: string, path: string): never {
  fail(`${what} is not supported: this registry has no archive storage class, so lifecycle rules can only expire images`, path);
}

function stringList(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) wrongType(value, 'array', path);
  return value.map((item, i) => string(item, `${path}[${i}]`));
}

const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'];
const RULE_REQUIRED = ['rulePriority', 'selection', 'action'];
const SELECTION_KEYS = ['tagStatus', 'tagPatternList', 'tagPrefixList', 'storageClass', 'countType', 'countUnit', 'countNumber'];
const SELECTION_REQUIRED = ['tagStatus', 'countType', 'countNumber'];
const TAG_STATUSES: readonly TagStatus[] = ['tagged', 'untagged', 'any'];
const COUNT_TYPES = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'] as const;
const STORAGE_CLASSES = ['standard', 'archive'] as const;
const ACTION_TYPES = ['expire', 'transition'] as const;

function tagSelection(selection: Json, path: string): TagSelection {
  const tagStatus = enumValue(selection.tagStatus, TAG_STATUSES, `${path}.tagStatus`);
  const prefixes = Object.hasOwn(selection, 'tagPrefixList') ? stringList(selection.tagPrefixList, `${path}.tagPrefixList`) : undefined;
  const patterns = Object.hasOwn(selection, 'tagPatternList') ? stringList(selection.tagPatternList, `${path}.tagPatternList`) : undefined;
  if (tagStatus !== 'tagged') {
    const given = prefixes !== undefined ? 'tagPrefixList' : patterns !== undefined ? 'tagPatternList' : undefined;
    if (given !== undefined) fail(`${given} must be omitted when tagStatus is ${tagStatus}; only tagged rules select by tag`, `${path}.${given}`);
    return { tagStatus };
  }
  if (prefixes !== undefined && patterns !== undefined) {
    fail('a tagged rule must specify only one of tagPrefixList or tagPatternList, not both', path);
  }
  // An empty list names no tag, which ECR treats like a missing one.
  if (!prefixes?.length && !patterns?.length) {
    fail('Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED (a non-empty list of tag prefixes or tag patterns)', path);
  }
  if (prefixes !== undefined) return { tagStatus, tagPrefixList: prefixes };
  const tagPatternList = patterns ?? [];
  tagPatternList.forEach((pattern, i) => {
    const wildcards = pattern.split('*').length - 1;
    if (wildcards > MAX_WILDCARDS_PER_PATTERN) {
      fail(`Invalid tag pattern provided: ${JSON.stringify(pattern)} has ${wildcards} wildcards (*); a pattern may contain at most ${MAX_WILDCARDS_PER_PATTERN}`, `${path}.tagPatternList[${i}]`);
    }
  });
  return { tagStatus, tagPatternList };
}

function countSelection(selection: Json, path: string): CountSelection {
  const countType = enumValue(selection.countType, COUNT_TYPES, `${path}.countType`);
  if (countType === 'sinceImagePulled' || countType === 'sinceImageTransitioned') unsupported(`countType ${countType}`, `${path}.countType`);
  const countUnit = Object.hasOwn(selection, 'countUnit') ? enumValue(selection.countUnit, ['days'], `${path}.countUnit`) : undefined;
  const countNumber = positiveInteger(selection.countNumber, `${path}.countNumber`);
  if (countType === 'imageCountMoreThan') {
    if (countUnit !== undefined) {
      fail('countUnit must be omitted when countType is imageCountMoreThan; it is only used with sinceImagePushed', `${path}.countUnit`);
    }
    return { countType, countNumber };
  }
  if (countUnit === undefined) fail('countUnit "days" is required when countType is sinceImagePushed', path);
  return { countType, countUnit, countNumber };
}

function ruleSelection(value: unknown, path: string): LifecycleSelection {
  const selection = object(value, path);
  checkProperties(selection, SELECTION_REQUIRED, SELECTION_KEYS, path);
  const tags = tagSelection(selection, path);
  const count = countSelection(selection, path);
  if (!Object.hasOwn(selection, 'storageClass')) return { ...tags, ...count };
  const storageClass = enumValue(selection.storageClass, STORAGE_CLASSES, `${path}.storageClass`);
  if (storageClass === 'archive') unsupported('storageClass archive', `${path}.storageClass`);
  return { ...tags, ...count, storageClass };
}

function ruleAction(value: unknown, path: string): { type: 'expire' } {
  const action = object(value, path);
  checkProperties(action, ['type'], ['type', 'targetStorageClass'], path);
  const type = enumValue(action.type, ACTION_TYPES, `${path}.type`);
  if (type === 'transition') unsupported('action type transition', `${path}.type`);
  if (Object.hasOwn(action, 'targetStorageClass')) {
    fail('targetStorageClass must be omitted when the action type is expire', `${path}.targetStorageClass`);
  }
  return { type };
}

function rule(value: unknown, path: string): LifecycleRule {
  const raw = object(value, path);
  checkProperties(raw, RULE_REQUIRED, RULE_KEYS, path);
  const rulePriority = positiveInteger(raw.rulePriority, `${path}.rulePriority`);
  const description = Object.hasOwn(raw, 'description') ? string(raw.description, `${path}.description`) : undefined;
  const selection = ruleSelection(raw.selection, `${path}.selection`);
  const action = ruleAction(raw.action, `${path}.action`);
  return description === undefined ? { rulePriority, selection, action } : { rulePriority, description, selection, action };
}

/** The tag list a tagged rule selects by, as a set key, so two rules naming the same tags collide. */
function tagSetKey(selection: TagSelection): string | undefined {
  if (selection.tagStatus !== 'tagged') return undefined;
  const [kind, list] = 'tagPrefixList' in selection ? ['prefix', selection.tagPrefixList] : ['pattern', selection.tagPatternList];
  return JSON.stringify([kind, [...new Set(list)].sort()]);
}

/** The checks that need the whole policy (ECR: "How lifecycle policies work"). */
function checkRuleSet(rules: readonly LifecycleRule[]): void {
  const byPriority = new Map<number, number>();
  const byTags = new Map<string, number>();
  let anyRule: number | undefined;
  let untaggedRule: number | undefined;
  for (const [i, r] of rules.entries()) {
    const samePriority = byPriority.get(r.rulePriority);
    if (samePriority !== undefined) {
      fail(`Duplicate priority in multiple rules: rules[${samePriority}] and rules[${i}] both have rulePriority ${r.rulePriority}; every rule needs its own`, `rules[${i}].rulePriority`);
    }
    byPriority.set(r.rulePriority, i);

    const { tagStatus } = r.selection;
    if (tagStatus === 'any') {
      if (anyRule !== undefined) fail(`Only one rule can specify tagStatus=ANY; rules[${anyRule}] and rules[${i}] both do`, `rules[${i}].selection.tagStatus`);
      anyRule = i;
    }
    if (tagStatus === 'untagged') {
      if (untaggedRule !== undefined) {
        fail(`Only one rule can select Untagged images; rules[${untaggedRule}] and rules[${i}] both have tagStatus untagged`, `rules[${i}].selection.tagStatus`);
      }
      untaggedRule = i;
    }

    const tags = tagSetKey(r.selection);
    if (tags === undefined) continue;
    const sameTags = byTags.get(tags);
    if (sameTags !== undefined) {
      const list = 'tagPrefixList' in r.selection ? 'tagPrefixList' : 'tagPatternList';
      fail(`The set of rules must contain a unique set of tag prefixes: rules[${sameTags}] and rules[${i}] have the same ${list}`, `rules[${i}].selection.${list}`);
    }
    byTags.set(tags, i);
  }

  if (anyRule === undefined) return;
  const anyPriority = rules[anyRule].rulePriority;
  const later = rules.findIndex((r) => r.rulePriority > anyPriority);
  if (later !== -1) {
    fail(`Rule for tagStatus=ANY must have the lowest priority, i.e. the highest rulePriority: rules[${anyRule}] has ${anyPriority} but rules[${later}] has ${rules[later].rulePriority}`, `rules[${anyRule}].rulePriority`);
  }
}

/** Validates policy text as PutLifecyclePolicy / StartLifecyclePolicyPreview do. */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  if (text.length < MIN_POLICY_TEXT_LENGTH) {
    throw new LifecyclePolicyError('lifecyclePolicyText', `must have length greater than or equal to ${MIN_POLICY_TEXT_LENGTH}`);
  }
  if (text.length > MAX_POLICY_TEXT_LENGTH) {
    throw new LifecyclePolicyError('lifecyclePolicyText', `must have length less than or equal to ${MAX_POLICY_TEXT_LENGTH}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    fail(`Could not map policyString into LifecyclePolicy: the text is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(document)) fail(`Could not map policyString into LifecyclePolicy: the policy must be a JSON object, not ${jsonType(document)}`);
  checkProperties(document, ['rules'], ['rules'], undefined);
  if (!Array.isArray(document.rules)) wrongType(document.rules, 'array', 'rules');
  const count = document.rules.length;
  if (count < 1) fail('array is too short: must have at least 1 elements but instance has 0 elements', 'rules');
  if (count > MAX_RULES) fail(`array is too long: must have at most ${MAX_RULES} elements but instance has ${count} elements`, 'rules');
  const rules = document.rules.map((r, i) => rule(r, `rules[${i}]`));
  checkRuleSet(rules);
  return { rules };
}

/**
 * The compact text ECR answers with: no whitespace, keys in the template's order, absent
 * optional members left out. Rules and list items stay in the order they were given.
 */
export function serializeLifecyclePolicy(policy: LifecyclePolicy): string {
  return JSON.stringify({
    rules: policy.rules.map((r) => {
      const s = r.selection;
      return {
        rulePriority: r.rulePriority,
        ...(r.description !== undefined ? { description: r.description } : {}),
        selection: {
          tagStatus: s.tagStatus,
          ...('tagPatternList' in s ? { tagPatternList: s.tagPatternList } : {}),
          ...('tagPrefixList' in s ? { tagPrefixList: s.tagPrefixList } : {}),
          ...(s.storageClass !== undefined ? { storageClass: s.storageClass } : {}),
          countType: s.countType,
          ...(s.countType === 'sinceImagePushed' ? { countUnit: s.countUnit } : {}),
          countNumber: s.countNumber,
        },
        action: { type: r.action.type },
      };
    }),
  });
}

/** Validates and re-serialises, as PutLifecyclePolicy stores and returns the text. */
export function canonicalLifecyclePolicyText(text: string): string {
  return serializeLifecyclePolicy(parseLifecyclePolicy(text));
}
