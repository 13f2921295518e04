// `wharf admin ...`: manage principals, keys and policies offline, straight on the data directory
// (safe while servers run: SQLite WAL lets one writer in at a time). Output is JSON for scripts.
import { mkdir, readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { encryptionKeyFile, openRuntime, type Runtime } from '../server/runtime.js';
import { KeyRing } from '../storage/index.js';
import { QuotaService, registryUsage, repositoryUsage } from '../registry/index.js';
import { BLOCKABLE_SEVERITIES, type EcrSeverity } from '../scan/index.js';

interface CommonFlags {
  dataDir?: string;
  database?: string;
  config?: string;
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

async function withRuntime(flags: CommonFlags, work: (runtime: Runtime) => Promise<unknown>): Promise<void> {
  const config = loadConfig({ file: flags.config, flags: { dataDir: flags.dataDir, database: flags.database } });
  const runtime = await openRuntime(config);
  try {
    const result = await work(runtime);
    if (result !== undefined) print(result);
  } finally {
    await runtime.close();
  }
  // Leave through process.exit, as `serve` does: better-sqlite3 12 on Node 24 can abort when its
  // statement objects are finalized during a natural exit's teardown.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(0);
}

/** Reads a policy argument: `@file.json` or `file://file.json` from disk, else the literal JSON. */
async function policyText(value: string): Promise<string> {
  const path = value.startsWith('@') ? value.slice(1) : value.startsWith('file://') ? value.slice(7) : null;
  return path === null ? value : readFile(path, 'utf8');
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** `1073741824`, `500MiB`, `20GB`, `1.5GiB` -> bytes. */
function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`${text}: not a size (e.g. 500MiB, 20GB)`);
  return Math.round(Number(match[1]) * unit);
}

function parseCount(text: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${text}: not a whole number`);
  return Number(text);
}

function common(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory (default ./data)')
    .option('--database <url>', 'metadata database')
    .option('--config <file>', 'settings file');
}

export function adminCommand(): Command {
  const admin = new Command('admin').description('manage users, access keys, roles and policies offline');

  const user = admin.command('user').description('IAM users');
  common(user.command('create <name>')).action((name: string, flags: CommonFlags) => withRuntime(flags, (r) => r.iam.directory.createUser(name)));
  common(user.command('list')).action((flags: CommonFlags) => withRuntime(flags, async (r) => (await r.iam.directory.listUsers(1000, undefined)).users));
  common(user.command('delete <name>')).action((name: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      await r.iam.directory.deleteUser(name);
      return { deleted: name };
    }),
  );

  const key = admin.command('key').description('access keys of a user');
  common(key.command('create <user>')).action((userName: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      await r.iam.directory.getUser(userName);
      return r.iam.keys.create(userName);
    }),
  );
  common(key.command('list <user>')).action((userName: string, flags: CommonFlags) => withRuntime(flags, (r) => r.iam.keys.list(userName)));
  for (const [verb, status] of [['activate', 'Active'], ['deactivate', 'Inactive']] as const) {
    common(key.command(`${verb} <user> <accessKeyId>`)).action((userName: string, id: string, flags: CommonFlags) =>
      withRuntime(flags, async (r) => {
        await r.iam.keys.setStatus(userName, id, status);
        return { accessKeyId: id, status };
      }),
    );
  }
  common(key.command('delete <user> <accessKeyId>')).action((userName: string, id: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      await r.iam.keys.delete(userName, id);
      return { deleted: id };
    }),
  );

  const policy = admin.command('policy').description('inline policies of a user (JSON, @file or file://file)');
  common(policy.command('put <user> <policyName> <document>')).action((userName: string, name: string, document: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      await r.iam.directory.putUserPolicy(userName, name, await policyText(document));
      return { user: userName, policy: name };
    }),
  );
  common(policy.command('get <user> <policyName>')).action((userName: string, name: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => JSON.parse(await r.iam.directory.getUserPolicy(userName, name)) as unknown),
  );
  common(policy.command('list <user>')).action((userName: string, flags: CommonFlags) => withRuntime(flags, (r) => r.iam.directory.listUserPolicies(userName)));
  common(policy.command('delete <user> <policyName>')).action((userName: string, name: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      await r.iam.directory.deleteUserPolicy(userName, name);
      return { deleted: name };
    }),
  );

  const role = admin.command('role').description('IAM roles (assumed with sts:AssumeRole)');
  common(role.command('create <name> <trustPolicy>')).action((name: string, trust: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => r.iam.directory.createRole(name, await policyText(trust))),
  );
  common(role.command('list')).action((flags: CommonFlags) => withRuntime(flags, async (r) => (await r.iam.directory.listRoles(1000, undefined)).roles));
  common(role.command('put-policy <role> <policyName> <document>')).action((name: string, policyName: string, document: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      await r.iam.directory.putRolePolicy(name, policyName, await policyText(document));
      return { role: name, policy: policyName };
    }),
  );
  common(role.command('delete <name>')).action((name: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      await r.iam.directory.deleteRole(name);
      return { deleted: name };
    }),
  );

  const encryptionKey = admin
    .command('encryption-key')
    .description('master keys that encrypt blobs at rest (a KMS key id for repositories created with encryptionType KMS)');
  // Creating and listing keys touch only the key ring, not the database.
  const withKeyRing = async (flags: CommonFlags, work: (ring: KeyRing) => Promise<unknown>) => {
    const config = loadConfig({ file: flags.config, flags: { dataDir: flags.dataDir, database: flags.database } });
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    print(await work(await KeyRing.open({ path: encryptionKeyFile(config) })));
  };
  common(encryptionKey.command('list')).action((flags: CommonFlags) =>
    withKeyRing(flags, async (ring) => ring.names().map((name) => ({ name, version: ring.newestVersion(name) }))),
  );
  common(encryptionKey.command('create <name>')).action((name: string, flags: CommonFlags) =>
    withKeyRing(flags, async (ring) => {
      await ring.create(name);
      return { name, version: ring.newestVersion(name) };
    }),
  );
  common(
    encryptionKey
      .command('rotate <name>')
      .description('add a new version of the key and re-wrap every data key under it (blobs are not rewritten)'),
  ).action((name: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      const version = await r.keyRing.rotate(name);
      return { name, version, rewrapped: await r.stores.rewrap(name) };
    }),
  );
  common(
    encryptionKey.command('rewrap <name>').description('re-wrap data keys under the newest version (after changing WHARF_ENCRYPTION_KEYS by hand)'),
  ).action((name: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => ({ name, version: r.keyRing.newestVersion(name), rewrapped: await r.stores.rewrap(name) })),
  );

  common(admin.command('usage').description('storage used per repository (unique and shared bytes) and by the registry').option('--repository <name>', 'only this repository')).action(
    (flags: CommonFlags & { repository?: string }) =>
      withRuntime(flags, async (r) => ({
        registry: await registryUsage(r.meta.db),
        repositories: (await repositoryUsage(r.meta.db, flags.repository === undefined ? undefined : [flags.repository])).map((u) => ({
          ...u,
          totalBytes: u.uniqueBytes + u.sharedBytes,
        })),
      })),
  );

  const quota = admin.command('quota').description('storage and image-count quotas per repository (repository:NAME) or namespace (prefix:NAMESPACE)');
  common(quota.command('set <scope>').option('--max-bytes <size>', 'e.g. 500MiB, 20GiB').option('--max-images <n>', 'images (manifests)')).action(
    (scope: string, flags: CommonFlags & { maxBytes?: string; maxImages?: string }) =>
      withRuntime(flags, async (r) => {
        const quotaValue = { scope, maxBytes: flags.maxBytes === undefined ? null : parseSize(flags.maxBytes), maxImages: flags.maxImages === undefined ? null : parseCount(flags.maxImages) };
        if (quotaValue.maxBytes === null && quotaValue.maxImages === null) throw new Error('give --max-bytes, --max-images or both');
        await new QuotaService(r.meta.db, Date.now).set(quotaValue);
        return quotaValue;
      }),
  );
  common(quota.command('list')).action((flags: CommonFlags) => withRuntime(flags, (r) => new QuotaService(r.meta.db, Date.now).list()));
  common(quota.command('delete <scope>')).action((scope: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      if (!(await new QuotaService(r.meta.db, Date.now).remove(scope))) throw new Error(`no quota ${scope}`);
    }),
  );

  common(
    admin
      .command('pull-block <repository> <severity>')
      .description('refuse pulls of images whose latest scan found vulnerabilities at or above SEVERITY (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED = any), or `off`'),
  ).action((repository: string, severity: string, flags: CommonFlags) =>
    withRuntime(flags, async (r) => {
      const level = severity.toUpperCase();
      if (level !== 'OFF' && !(BLOCKABLE_SEVERITIES as readonly string[]).includes(level)) throw new Error(`${severity}: give one of ${BLOCKABLE_SEVERITIES.join(', ')} or off`);
      await r.scans.setPullBlock(repository, level === 'OFF' ? null : (level as EcrSeverity));
      return { repository, pullBlock: level === 'OFF' ? null : level };
    }),
  );

  common(admin.command('audit').description('recent authorization decisions on writes').option('--limit <n>', 'entries', '50')).action(
    (flags: CommonFlags & { limit: string }) =>
      withRuntime(flags, (r) =>
        r.meta.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(Math.max(1, Math.min(10_000, Number(flags.limit) || 50))).execute(),
      ),
  );
  return admin;
}
