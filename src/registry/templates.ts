// Repository creation templates: the settings a repository gets when it is created for it (on push,
// by a pull-through cache, by replication). A prefix `prod` applies to `prod/...`; `ROOT` to all.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { RegistryError } from './errors.js';
import type { MutabilityExclusion, TagMutability } from './mutability.js';
import { DEFAULT_SETTINGS, type RepositorySettings } from './repositories.js';

export type AppliedFor = 'CREATE_ON_PUSH' | 'PULL_THROUGH_CACHE' | 'REPLICATION';
export const ROOT_PREFIX = 'ROOT';

export interface CreationTemplate {
  prefix: string;
  description: string | null;
  appliedFor: AppliedFor[];
  settings: RepositorySettings;
  customRoleArn: string | null;
  createdAt: Date;
  updatedAt: Date;
}

type TemplateRow = Database['creation_templates'];

function toTemplate(row: TemplateRow): CreationTemplate {
  return {
    prefix: row.prefix,
    description: row.description,
    appliedFor: JSON.parse(row.applied_for) as AppliedFor[],
    settings: {
      ...DEFAULT_SETTINGS,
      imageTagMutability: row.image_tag_mutability as TagMutability,
      mutabilityExclusions: row.mutability_exclusions ? (JSON.parse(row.mutability_exclusions) as MutabilityExclusion[]) : [],
      encryptionType: row.encryption_type as RepositorySettings['encryptionType'],
      kmsKey: row.kms_key,
      tags: row.resource_tags ? (JSON.parse(row.resource_tags) as Record<string, string>) : {},
      policy: row.repository_policy,
      lifecyclePolicy: row.lifecycle_policy,
    },
    customRoleArn: row.custom_role_arn,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

export interface TemplateInput {
  description: string | null;
  appliedFor: AppliedFor[];
  settings: RepositorySettings;
  customRoleArn: string | null;
}

function toColumns(input: TemplateInput) {
  const s = input.settings;
  return {
    description: input.description,
    applied_for: JSON.stringify(input.appliedFor),
    image_tag_mutability: s.imageTagMutability,
    mutability_exclusions: s.mutabilityExclusions.length ? JSON.stringify(s.mutabilityExclusions) : null,
    encryption_type: s.encryptionType,
    kms_key: s.kmsKey,
    resource_tags: Object.keys(s.tags).length ? JSON.stringify(s.tags) : null,
    repository_policy: s.policy,
    lifecycle_policy: s.lifecyclePolicy,
    custom_role_arn: input.customRoleArn,
  };
}

export function templateApplies(prefix: string, repository: string): boolean {
  return prefix === ROOT_PREFIX || repository.startsWith(prefix + '/');
}

export class TemplateService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(prefix: string, input: TemplateInput): Promise<CreationTemplate> {
    const now = this.now();
    const row: TemplateRow = { prefix, ...toColumns(input), created_at: now, updated_at: now };
    const result = await this.db.insertInto('creation_templates').values(row).onConflict((oc) => oc.column('prefix').doNothing()).executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) throw new RegistryError('TEMPLATE_EXISTS', `A repository creation template for prefix '${prefix}' already exists`);
    return toTemplate(row);
  }

  async get(prefix: string): Promise<CreationTemplate> {
    const row = await this.db.selectFrom('creation_templates').selectAll().where('prefix', '=', prefix).executeTakeFirst();
    if (!row) throw new RegistryError('TEMPLATE_UNKNOWN', `The repository creation template for prefix '${prefix}' does not exist`);
    return toTemplate(row);
  }

  async update(prefix: string, input: TemplateInput): Promise<CreationTemplate> {
    const current = await this.get(prefix);
    const now = this.now();
    await this.db.updateTable('creation_templates').set({ ...toColumns(input), updated_at: now }).where('prefix', '=', prefix).execute();
    return { ...current, ...input, updatedAt: new Date(now) };
  }

  async delete(prefix: string): Promise<CreationTemplate> {
    const current = await this.get(prefix);
    await this.db.deleteFrom('creation_templates').where('prefix', '=', prefix).execute();
    return current;
  }

  async page(limit: number, after: string | undefined, prefixes?: string[]): Promise<{ templates: CreationTemplate[]; more: boolean }> {
    let query = this.db.selectFrom('creation_templates').selectAll().orderBy('prefix').limit(limit + 1);
    if (after !== undefined) query = query.where('prefix', '>', after);
    if (prefixes && prefixes.length > 0) query = query.where('prefix', 'in', prefixes);
    const rows = await query.execute();
    return { templates: rows.slice(0, limit).map(toTemplate), more: rows.length > limit };
  }

  /** The longest-prefix template that applies to creating `repository` on push, if any. */
  async forPush(repository: string): Promise<CreationTemplate | null> {
    const rows = await this.db.selectFrom('creation_templates').selectAll().execute();
    let best: CreationTemplate | null = null;
    for (const template of rows.map(toTemplate)) {
      if (!template.appliedFor.includes('CREATE_ON_PUSH') || !templateApplies(template.prefix, repository)) continue;
      const length = template.prefix === ROOT_PREFIX ? 0 : template.prefix.length;
      const bestLength = best === null ? -1 : best.prefix === ROOT_PREFIX ? 0 : best.prefix.length;
      if (length > bestLength) best = template;
    }
    return best;
  }
}
