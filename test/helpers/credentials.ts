// The administrator key a Wharf writes to DATA_DIR/admin-credentials.json on its first
// authenticated start, read the way every suite needs it: waited for, and checked.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AdminCredentials extends Credentials {
  region: string;
  registryId: string;
  endpoint: string;
}

/** DATA_DIR/admin-credentials.json, written on the first authenticated start. */
export async function readAdminCredentials(dataDir: string): Promise<AdminCredentials> {
  const file = join(dataDir, 'admin-credentials.json');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
  const creds = JSON.parse(readFileSync(file, 'utf8')) as Partial<AdminCredentials>;
  for (const key of ['accessKeyId', 'secretAccessKey', 'region', 'registryId'] as const) {
    assert.equal(typeof creds[key], 'string', `${file} has no ${key}`);
  }
  assert.match(creds.accessKeyId!, /^AKIA[A-Z2-7]{16}$/, 'administrator access key id');
  assert.match(creds.registryId!, /^\d{12}$/, 'registry id');
  return creds as AdminCredentials;
}
