// First start: an administrator with full rights and one access key, written to a 0600 file. A
// second node on the same database finds principals already there and creates nothing.
import { chmod, writeFile } from 'node:fs/promises';
import type { Directory } from './directory.js';
import type { AccessKeyStore } from './access-keys.js';
import { IamError } from './errors.js';

export const ADMIN_USER = 'admin';
export const ADMIN_POLICY_NAME = 'AdministratorAccess';
const ADMIN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

export interface BootstrapResult {
  created: boolean;
  accessKeyId?: string;
}

export async function bootstrapAdmin(directory: Directory, keys: AccessKeyStore, file: string, extra: Record<string, string>): Promise<BootstrapResult> {
  if ((await keys.count()) > 0 || (await directory.userCount()) > 0) return { created: false };
  try {
    await directory.createUser(ADMIN_USER);
  } catch (error) {
    // Several nodes started at once on an empty database: one wins, the others just go on.
    if (error instanceof IamError && error.code === 'EntityAlreadyExists') return { created: false };
    throw error;
  }
  await directory.putUserPolicy(ADMIN_USER, ADMIN_POLICY_NAME, ADMIN_POLICY);
  const key = await keys.create(ADMIN_USER);
  const body = JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, ...extra }, null, 2);
  await writeFile(file, body + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return { created: true, accessKeyId: key.accessKeyId };
}
