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
