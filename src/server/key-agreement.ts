// Nodes sharing a database must hold the same master key (it seals access-key secrets) and the
// same encryption keys (they wrap blob data keys). A node with other keys would answer every login
// with "wrong secret" and fail every encrypted pull, so it refuses instead, saying why. The first
// node to use a key records a check value of it in the settings; the others compare theirs.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import type { MasterKey } from '../iam/index.js';
import type { KeyRing } from '../storage/index.js';

async function agree(db: Kysely<Database>, setting: string, value: string, problem: string): Promise<void> {
  const key = `key-check:${setting}`;
  await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const recorded = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  if (recorded.value !== value) throw new Error(problem);
}

export async function agreeOnMasterKey(db: Kysely<Database>, master: MasterKey): Promise<void> {
  await agree(
    db,
    'master',
    master.derive('key-check-v1').toString('base64').slice(0, 24),
    "this node's master key differs from the one the registry's access keys were sealed with; give every node the same WHARF_MASTER_KEY",
  );
}

/** Every version of encryption key `name` this node holds must be the one other nodes used. */
export async function agreeOnEncryptionKey(db: Kysely<Database>, ring: KeyRing, name: string): Promise<void> {
  for (let version = 1; version <= ring.newestVersion(name); version++) {
    await agree(
      db,
      `encryption:${name}:${version}`,
      ring.checkValue(name, version),
      `this node's encryption key ${name} (version ${version}) differs from the one other nodes encrypted with; give every node the same WHARF_ENCRYPTION_KEYS`,
    );
  }
}
