// Storage usage as links.ts keeps it: read, never computed by walking storage.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../meta/index.js';

export interface RepositoryUsage {
  repository: string;
  /** Bytes of blobs only this repository links. */
  uniqueBytes: number;
  /** Bytes of blobs this repository links together with others (each counted once here). */
  sharedBytes: number;
  imageCount: number;
}

export interface RegistryUsage {
  /** Bytes of every linked blob, each counted once however many repositories link it. */
  storedBytes: number;
  blobCount: number;
  repositoryCount: number;
  imageCount: number;
}

export async function repositoryUsage(db: Kysely<Database>, names?: string[]): Promise<RepositoryUsage[]> {
  if (names && names.length === 0) return [];
  let query = db
    .selectFrom('repositories as r')
    .select((eb) => [
      'r.name',
      'r.unique_bytes',
      'r.shared_bytes',
      eb.selectFrom('manifests as m').select(sql<number>`count(*)`.as('n')).whereRef('m.repository', '=', 'r.name').as('images'),
    ])
    .orderBy('r.name');
  if (names) query = query.where('r.name', 'in', names);
  const rows = await query.execute();
  return rows.map((r) => ({ repository: r.name, uniqueBytes: Number(r.unique_bytes), sharedBytes: Number(r.shared_bytes), imageCount: Number(r.images ?? 0) }));
}

export async function registryUsage(db: Kysely<Database>): Promise<RegistryUsage> {
  const blobs = await db
    .selectFrom('blobs')
    .select([sql<number>`coalesce(sum(size), 0)`.as('bytes'), sql<number>`count(*)`.as('count')])
    .where('link_count', '>', 0)
    .executeTakeFirstOrThrow();
  const repositories = await db.selectFrom('repositories').select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
  const images = await db.selectFrom('manifests').select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
  return { storedBytes: Number(blobs.bytes), blobCount: Number(blobs.count), repositoryCount: Number(repositories.count), imageCount: Number(images.count) };
}
