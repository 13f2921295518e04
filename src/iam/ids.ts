// AWS-shaped identifiers and ARNs. Prefixes follow AWS so tools that sniff them (AKIA = long-term
// key, ASIA = temporary key, AIDA = user, AROA = role) behave as they do against AWS.
import { randomInt } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export type IdPrefix = 'AKIA' | 'ASIA' | 'AIDA' | 'AROA';

export function newId(prefix: IdPrefix): string {
  return prefix + randomString(ID_ALPHABET, 16);
}

export function newSecret(): string {
  return randomString(SECRET_ALPHABET, 40);
}

export const ACCESS_KEY_ID_RE = /^(AKIA|ASIA)[A-Z2-7]{16}$/;
/** IAM's user, role, policy and session name rule. */
export const IAM_NAME_RE = /^[\w+=,.@-]{1,64}$/;

export function userArn(accountId: string, name: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:user${path}${name}`;
}

export function roleArn(accountId: string, name: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

export function assumedRoleArn(accountId: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

export function repositoryArn(region: string, accountId: string, repository: string): string {
  return `arn:aws:ecr:${region}:${accountId}:repository/${repository}`;
}
