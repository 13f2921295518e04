import { RegistryError } from './errors.js';
import type { RegistryContext } from './context.js';

export class RepositoryService {
  constructor(private readonly ctx: RegistryContext) {}

  async exists(name: string): Promise<boolean> {
    const row = await this.ctx.db.selectFrom('repositories').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async assertExists(name: string): Promise<void> {
    if (!(await this.exists(name))) throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
  }

  /** Pushes may create the repository (OCI clients expect it); ECR-style registries can turn that off. */
  async ensureForPush(name: string): Promise<void> {
    if (await this.exists(name)) return;
    if (!this.ctx.createOnPush) throw new RegistryError('NAME_UNKNOWN', 'repository does not exist; create it first', { name });
    await this.ctx.db
      .insertInto('repositories')
      .values({ name, created_at: this.ctx.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  /** The repository policy text, null when none is set; NAME_UNKNOWN when the repository is absent. */
  async policy(name: string): Promise<string | null> {
    const row = await this.ctx.db.selectFrom('repositories').select('policy').where('name', '=', name).executeTakeFirst();
    if (!row) throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
    return row.policy;
  }

  async setPolicy(name: string, policy: string | null): Promise<void> {
    const result = await this.ctx.db.updateTable('repositories').set({ policy }).where('name', '=', name).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name });
  }

  /** A registry-wide setting (registry policy, ...), null when unset. */
  async setting(key: string): Promise<string | null> {
    const row = await this.ctx.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  async setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) {
      await this.ctx.db.deleteFrom('settings').where('key', '=', key).execute();
      return;
    }
    await this.ctx.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** One page of repository names in byte order, after `last`. */
  async list(limit: number, last: string | undefined): Promise<{ names: string[]; more: boolean }> {
    let query = this.ctx.db.selectFrom('repositories').select('name').orderBy('name').limit(limit + 1);
    if (last !== undefined) query = query.where('name', '>', last);
    const rows = await query.execute();
    return { names: rows.slice(0, limit).map((r) => r.name), more: rows.length > limit };
  }
}
