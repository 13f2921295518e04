import type { RegistryContext } from './context.js';
import type { RepositoryService } from './repositories.js';

export class TagService {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly repositories: RepositoryService,
  ) {}

  /** One page of tags in byte order after `last`; served straight from the (repository, name) key. */
  async list(repository: string, limit: number, last: string | undefined): Promise<{ tags: string[]; more: boolean }> {
    await this.repositories.assertExists(repository);
    let query = this.ctx.db.selectFrom('tags').select('name').where('repository', '=', repository).orderBy('name').limit(limit + 1);
    if (last !== undefined) query = query.where('name', '>', last);
    const rows = await query.execute();
    return { tags: rows.slice(0, limit).map((r) => r.name), more: rows.length > limit };
  }
}
