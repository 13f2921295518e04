/**
 * Policy text -> a validated, normalised `PolicyDocument`. Everything that can be wrong with a
 * policy is reported here, once, when it is saved, with the path of the offending element, so
 * that evaluation never meets a malformed policy and never has to guess.
 *
 * Length: IAM's limits differ by policy type (inline user policies 2,048 non-whitespace
 * characters, managed policies 6,144, ECR repository policies 10,240 characters). Wharf applies
 * ECR's 10,240 characters (whitespace included) to both kinds: one limit, and the most generous
 * one a real ECR client could send.
 */
import { parseOperator, type ParsedOperator } from './operators.js';
import {
  isValidAwsPrincipal,
  isValidFederatedPrincipal,
  isValidServicePrincipal,
} from './principals.js';
import type {
  ConditionBlock,
  ConditionValue,
  PolicyDocument,
  PolicyKind,
  PrincipalMap,
  PrincipalSpec,
  Statement,
} from './types.js';
import { readBase64, readBool, readDate, readIpRange, readNumber } from './values.js';

export class PolicyValidationError extends Error {
  override name = 'PolicyValidationError';
}

export const MAX_POLICY_LENGTH = 10_240;
export const POLICY_VERSIONS: readonly string[] = ['2012-10-17', '2008-10-17'];

const TOP_LEVEL_KEYS = ['Version', 'Id', 'Statement'];
const STATEMENT_KEYS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];
const PRINCIPAL_KINDS = ['AWS', 'Service', 'Federated'] as const;

const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/;
// arn:partition:service:region:account:resource; region and account may be empty (e.g. S3).
const RESOURCE_ARN = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/s;
const CONDITION_KEY = /^[A-Za-z0-9-]+:\S+$/;

type Json = Record<string, unknown>;

function fail(message: string): never {
  throw new PolicyValidationError(message);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(value: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      fail(`${where} has unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`);
    }
  }
}

/** The "string or array of strings" elements, widened to a non-empty array. */
function stringList(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) fail(`${path} must be a string or an array of strings`);
  if (value.length === 0) fail(`${path} must not be empty`);
  value.forEach((item, i) => {
    if (typeof item !== 'string') fail(`${path}[${i}] must be a string`);
  });
  return [...(value as string[])];
}

function itemPath(path: string, list: readonly unknown[], i: number): string {
  return list.length === 1 ? path : `${path}[${i}]`;
}

function parseActions(value: unknown, path: string): string[] {
  const actions = stringList(value, path);
  actions.forEach((action, i) => {
    if (action !== '*' && !ACTION.test(action)) {
      fail(`${itemPath(path, actions, i)} ${JSON.stringify(action)} is not an action (expected "*" or "service:Action", e.g. "ecr:BatchGetImage")`);
    }
  });
  return actions;
}

function parseResources(value: unknown, path: string): string[] {
  const resources = stringList(value, path);
  resources.forEach((resource, i) => {
    if (resource !== '*' && !RESOURCE_ARN.test(resource)) {
      fail(`${itemPath(path, resources, i)} ${JSON.stringify(resource)} must be "*" or an ARN (arn:partition:service:region:account:resource)`);
    }
  });
  return resources;
}

const PRINCIPAL_CHECKS: Record<(typeof PRINCIPAL_KINDS)[number], [(entry: string) => boolean, string]> = {
  AWS: [isValidAwsPrincipal, 'must be "*", a 12-digit account id or an IAM/STS ARN without wildcards'],
  Service: [isValidServicePrincipal, 'must be a service name such as "codebuild.amazonaws.com"'],
  Federated: [isValidFederatedPrincipal, 'must be an identity provider name or ARN without wildcards'],
};

function parsePrincipal(value: unknown, path: string): PrincipalSpec {
  if (value === '*') return '*';
  if (!isObject(value)) fail(`${path} must be "*" or an object with AWS, Service or Federated`);
  checkKeys(value, PRINCIPAL_KINDS, path);
  const spec: PrincipalMap = {};
  for (const kind of PRINCIPAL_KINDS) {
    if (!(kind in value)) continue;
    const kindPath = `${path}.${kind}`;
    const entries = stringList(value[kind], kindPath);
    const [valid, expectation] = PRINCIPAL_CHECKS[kind];
    entries.forEach((entry, i) => {
      if (!valid(entry)) fail(`${itemPath(kindPath, entries, i)} ${JSON.stringify(entry)} ${expectation}`);
    });
    spec[kind] = entries;
  }
  if (Object.keys(spec).length === 0) fail(`${path} must name at least one of AWS, Service or Federated`);
  return spec;
}

/** Why a value is unusable with this operator, or undefined when it is fine. */
function valueProblem(op: ParsedOperator, value: ConditionValue): string | undefined {
  switch (op.family) {
    case 'string':
    case 'stringIgnoreCase':
    case 'stringLike':
    case 'arn':
      return undefined;
    case 'numeric':
      return readNumber(value) === undefined ? 'is not a number' : undefined;
    case 'date':
      return readDate(value) === undefined ? 'is not an ISO 8601 date or epoch seconds' : undefined;
    case 'bool':
    case 'null':
      return readBool(value) === undefined ? 'must be true or false' : undefined;
    case 'binary':
      return readBase64(value) === undefined ? 'is not base64' : undefined;
    case 'ip':
      return readIpRange(value) === undefined ? 'is not an IPv4/IPv6 address or CIDR block' : undefined;
  }
}

function isScalar(value: unknown): value is ConditionValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function parseCondition(value: unknown, path: string): ConditionBlock {
  if (!isObject(value)) fail(`${path} must be an object`);
  const block: ConditionBlock = {};
  for (const [name, entries] of Object.entries(value)) {
    const op = parseOperator(name);
    if ('error' in op) fail(`${path} has ${op.error}`);
    const opPath = `${path}.${name}`;
    if (!isObject(entries) || Object.keys(entries).length === 0) {
      fail(`${opPath} must be a non-empty object of condition keys and values`);
    }
    const parsed: Record<string, ConditionValue[]> = {};
    for (const [key, raw] of Object.entries(entries)) {
      if (!CONDITION_KEY.test(key)) {
        fail(`${opPath} has condition key ${JSON.stringify(key)}; expected "prefix:name", e.g. "aws:SourceIp"`);
      }
      const keyPath = `${opPath}[${JSON.stringify(key)}]`;
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length === 0) fail(`${keyPath} must not be an empty array`);
      for (const item of values) {
        if (!isScalar(item)) fail(`${keyPath} values must be strings, numbers or booleans`);
        const problem = valueProblem(op, item);
        if (problem !== undefined) fail(`${keyPath} value ${JSON.stringify(item)} ${problem}`);
      }
      parsed[key] = values as ConditionValue[];
    }
    block[name] = parsed;
  }
  return block;
}

/** Exactly one of `a`/`b` (when `required`), or at most one. */
function oneOf(raw: Json, a: string, b: string, path: string, required: boolean): void {
  const count = Number(a in raw) + Number(b in raw);
  if (count === 2 || (required && count === 0)) {
    fail(`${path} must have ${required ? 'exactly' : 'at most'} one of ${a} or ${b}`);
  }
}

function parseStatement(raw: unknown, path: string, kind: PolicyKind): Statement {
  if (!isObject(raw)) fail(`${path} must be an object`);
  checkKeys(raw, STATEMENT_KEYS, path);
  if ('Sid' in raw && typeof raw.Sid !== 'string') fail(`${path}.Sid must be a string`);
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') fail(`${path}.Effect must be Allow or Deny`);

  if (kind === 'identity') {
    for (const key of ['Principal', 'NotPrincipal']) {
      if (key in raw) fail(`${path}.${key} is not allowed in an identity policy`);
    }
  } else {
    oneOf(raw, 'Principal', 'NotPrincipal', path, true);
  }
  oneOf(raw, 'Action', 'NotAction', path, true);
  // A resource policy is attached to its resource, so Resource may be left out there.
  oneOf(raw, 'Resource', 'NotResource', path, kind === 'identity');

  // Built in the conventional element order, so a re-serialised policy reads as usual.
  return {
    ...('Sid' in raw && { Sid: raw.Sid as string }),
    Effect: raw.Effect,
    ...('Principal' in raw && { Principal: parsePrincipal(raw.Principal, `${path}.Principal`) }),
    ...('NotPrincipal' in raw && { NotPrincipal: parsePrincipal(raw.NotPrincipal, `${path}.NotPrincipal`) }),
    ...('Action' in raw && { Action: parseActions(raw.Action, `${path}.Action`) }),
    ...('NotAction' in raw && { NotAction: parseActions(raw.NotAction, `${path}.NotAction`) }),
    ...('Resource' in raw && { Resource: parseResources(raw.Resource, `${path}.Resource`) }),
    ...('NotResource' in raw && { NotResource: parseResources(raw.NotResource, `${path}.NotResource`) }),
    ...('Condition' in raw && { Condition: parseCondition(raw.Condition, `${path}.Condition`) }),
  };
}

export function parsePolicy(text: string, kind: PolicyKind): PolicyDocument {
  if (typeof text !== 'string') fail('policy text must be a string');
  if (text.length > MAX_POLICY_LENGTH) {
    fail(`policy is ${text.length} characters long; the limit is ${MAX_POLICY_LENGTH}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail(`policy is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(raw)) fail('policy must be a JSON object');
  checkKeys(raw, TOP_LEVEL_KEYS, 'policy');

  if ('Version' in raw && (typeof raw.Version !== 'string' || !POLICY_VERSIONS.includes(raw.Version))) {
    fail(`Version must be ${POLICY_VERSIONS.map((v) => JSON.stringify(v)).join(' or ')}`);
  }
  if ('Id' in raw && typeof raw.Id !== 'string') fail('Id must be a string');
  if (!('Statement' in raw)) fail('Statement is required');
  const { Statement: statements } = raw;
  let parsed: Statement[];
  if (Array.isArray(statements)) {
    if (statements.length === 0) fail('Statement must not be empty');
    parsed = statements.map((s, i) => parseStatement(s, `Statement[${i}]`, kind));
  } else if (isObject(statements)) {
    parsed = [parseStatement(statements, 'Statement', kind)];
  } else {
    fail('Statement must be an object or an array of objects');
  }
  return {
    ...('Version' in raw && { Version: raw.Version as string }),
    ...('Id' in raw && { Id: raw.Id as string }),
    Statement: parsed,
  };
}
