// Request validation with the messages ECR itself uses, since the SDKs validate almost nothing.
import { AwsError } from '../aws/errors.js';
import { isValidName } from '../registry/index.js';
import type { EcrInput } from './operation.js';

export function invalidParameter(member: string, constraint: string): AwsError {
  return new AwsError('InvalidParameterException', `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`);
}

export function requiredString(input: EcrInput, member: string, min = 1, max = Number.MAX_SAFE_INTEGER): string {
  const value = input[member];
  if (value === undefined || value === null) throw new AwsError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  if (typeof value !== 'string') throw invalidParameter(member, 'must be a string');
  if (value.length < min) throw invalidParameter(member, `must have length greater than or equal to ${min}`);
  if (value.length > max) throw invalidParameter(member, `must have length less than or equal to ${max}`);
  return value;
}

export function optionalBoolean(input: EcrInput, member: string): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter(member, 'must be a boolean');
  return value;
}

/** ECR's repository name rule (stricter than OCI's: 2-256 characters). */
export function repositoryName(input: EcrInput): string {
  const name = requiredString(input, 'repositoryName', 2, 256);
  if (!isValidName(name)) {
    throw invalidParameter('repositoryName', "must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*'");
  }
  return name;
}

/** `registryId`, when given, must be this registry's. */
export function checkRegistryId(input: EcrInput, ours: string): void {
  const value = input.registryId;
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !/^[0-9]{12}$/.test(value)) throw invalidParameter('registryId', "must satisfy regular expression '[0-9]{12}'");
  if (value !== ours) throw new AwsError('RegistryNotFoundException', `The registry with id '${value}' does not exist`);
}

function missingMember(member: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
}

export function optionalString(input: EcrInput, member: string, min = 0, max = Number.MAX_SAFE_INTEGER): string | undefined {
  if (input[member] === undefined || input[member] === null) return undefined;
  return requiredString(input, member, min, max);
}

/** An integer member such as `maxResults`, within [min, max]. */
export function optionalInteger(input: EcrInput, member: string, min: number, max: number): number | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidParameter(member, 'must be an integer');
  if (value < min) throw invalidParameter(member, `must be greater than or equal to ${min}`);
  if (value > max) throw invalidParameter(member, `must be less than or equal to ${max}`);
  return value;
}

/** A list member with ECR's length limits; null when absent and not required. */
export function listMember(input: EcrInput, member: string, min: number, max: number, required: true): unknown[];
export function listMember(input: EcrInput, member: string, min: number, max: number, required?: boolean): unknown[] | undefined;
export function listMember(input: EcrInput, member: string, min: number, max: number, required = false): unknown[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) {
    if (required) throw missingMember(member);
    return undefined;
  }
  if (!Array.isArray(value)) throw invalidParameter(member, 'must be a list');
  if (value.length < min) throw invalidParameter(member, `must have length greater than or equal to ${min}`);
  if (value.length > max) throw invalidParameter(member, `must have length less than or equal to ${max}`);
  return value;
}

/** A structure member; absent is undefined unless required. */
export function structureMember(input: EcrInput, member: string, required = false): EcrInput | undefined {
  const value = input[member];
  if (value === undefined || value === null) {
    if (required) throw missingMember(member);
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(member, 'must be a structure');
  return value as EcrInput;
}

/** One value of an enumeration (ECR's enums are case-sensitive). */
export function enumValue<T extends string>(value: unknown, member: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidParameter(member, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

// Pagination tokens are opaque to clients: base64url of the listing's kind and the last key of the
// page, so a token from one listing is refused by another and a mangled one is refused outright.
export function pageToken(kind: string, last: string): string {
  return Buffer.from(`${kind}:${last}`, 'utf8').toString('base64url');
}

/** The last key of the previous page, from `nextToken`; undefined on the first page. */
export function readPageToken(input: EcrInput, kind: string): string | undefined {
  const token = input.nextToken;
  if (token === undefined || token === null) return undefined;
  const invalid = () => new AwsError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith(`${kind}:`) || decoded.length === kind.length + 1 || pageToken(kind, decoded.slice(kind.length + 1)) !== token) throw invalid();
  return decoded.slice(kind.length + 1);
}
