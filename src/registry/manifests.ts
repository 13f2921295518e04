// Manifests are stored byte-for-byte as pushed, in the metadata database, so a read is one indexed
// lookup (or a cache hit) and a push is one transaction: a manifest and its tag appear together.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import { digestOf } from '../storage/index.js';
import { parseReference } from './grammar.js';
import { RegistryError } from './errors.js';
import type { RegistryContext } from './context.js';
import type { MayCreate, RepositoryService } from './repositories.js';
import { isTagImmutable } from './mutability.js';
import { recordImageAction } from './events.js';
import type { BlobService } from './blobs.js';
import { ManifestCache, type CachedManifest } from './manifest-cache.js';
import { parseManifest, type Descriptor } from './manifest-parser.js';

export interface PutManifestResult {
  digest: string;
  subjectDigest: string | null;
  mediaType: string;
  /** False when these exact bytes were already stored and the tag (if any) already pointed at them. */
  changed: boolean;
}

export interface ReferrersResult {
  manifests: Descriptor[];
  filtered: boolean;
}

function unknownManifest(repository: string, reference: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { name: repository, reference });
}

export class ManifestService {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly repositories: RepositoryService,
    private readonly blobs: BlobService,
    private readonly cache: ManifestCache,
    private readonly maxManifestBytes: number,
  ) {}

  get maxBytes(): number {
    return this.maxManifestBytes;
  }

  async put(repository: string, reference: string, bytes: Buffer, contentType: string | undefined, mayCreate: MayCreate): Promise<PutManifestResult> {
    if (bytes.length > this.maxManifestBytes) {
      throw new RegistryError('SIZE_INVALID', `manifest exceeds the ${this.maxManifestBytes} byte limit`, { size: bytes.length });
    }
    const ref = parseReference(reference);
    const parsed = parseManifest(bytes, contentType);
    const digest = digestOf(bytes, ref.kind === 'digest' ? ref.parsed.algorithm : 'sha256');
    if (ref.kind === 'digest' && ref.digest !== digest) {
      throw new RegistryError('DIGEST_INVALID', 'manifest digest does not match its content', { expected: ref.digest, actual: digest });
    }
    await this.repositories.ensureForPush(repository, mayCreate);
    await this.assertReferencesExist(repository, parsed.blobs, parsed.manifests);
    const settings = await this.repositories.get(repository);

    const now = this.ctx.now();
    const changed = await this.ctx.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('manifests')
        .values({
          repository,
          digest,
          media_type: parsed.mediaType,
          artifact_type: parsed.artifactType,
          subject_digest: parsed.subject?.digest ?? null,
          config_digest: parsed.configDigest,
          annotations: parsed.annotations ? JSON.stringify(parsed.annotations) : null,
          size: bytes.length,
          content: bytes,
          pushed_at: now,
          last_pulled_at: null,
        })
        .onConflict((oc) => oc.columns(['repository', 'digest']).doNothing())
        .executeTakeFirst();
      const newManifest = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
      if (newManifest) await insertChildren(trx, repository, digest, parsed.blobs, parsed.manifests);
      let tagMoved = false;
      if (ref.kind === 'tag') {
        const current = await trx.selectFrom('tags').select('digest').where('repository', '=', repository).where('name', '=', ref.tag).executeTakeFirst();
        if (current && current.digest !== digest && isTagImmutable(settings.imageTagMutability, settings.mutabilityExclusions, ref.tag)) {
          throw new RegistryError('TAG_IMMUTABLE', `The image tag '${ref.tag}' already exists in the '${repository}' repository and cannot be overwritten because the tag is immutable.`, {
            tag: ref.tag,
          });
        }
        tagMoved = current?.digest !== digest;
        if (tagMoved) {
          await trx
            .insertInto('tags')
            .values({ repository, name: ref.tag, digest, updated_at: now })
            .onConflict((oc) => oc.columns(['repository', 'name']).doUpdateSet({ digest, updated_at: now }))
            .execute();
        }
      }
      if (newManifest || tagMoved) {
        await recordImageAction(trx, now, {
          'action-type': 'PUSH',
          result: 'SUCCESS',
          'repository-name': repository,
          'image-digest': digest,
          ...(ref.kind === 'tag' ? { 'image-tag': ref.tag } : {}),
          'manifest-media-type': parsed.mediaType,
          ...(parsed.artifactType ? { 'artifact-media-type': parsed.artifactType } : {}),
        });
      }
      return newManifest || tagMoved;
    });
    this.cache.invalidate();
    return { digest, subjectDigest: parsed.subject?.digest ?? null, mediaType: parsed.mediaType, changed };
  }

  private async assertReferencesExist(repository: string, blobs: Descriptor[], manifests: Descriptor[]): Promise<void> {
    if (blobs.length > 0) {
      const linked = await this.blobs.linkedDigests(repository, blobs.map((b) => b.digest));
      const missing = blobs.find((b) => !linked.has(b.digest));
      if (missing) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'manifest references a blob unknown to the repository', { digest: missing.digest });
    }
    for (let i = 0; i < manifests.length; i += 500) {
      const batch = manifests.slice(i, i + 500);
      const rows = await this.ctx.db
        .selectFrom('manifests')
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', 'in', batch.map((m) => m.digest))
        .execute();
      const present = new Set(rows.map((r) => r.digest));
      const missing = batch.find((m) => !present.has(m.digest));
      if (missing) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'index references a manifest unknown to the repository', { digest: missing.digest });
    }
  }

  async get(repository: string, reference: string): Promise<CachedManifest> {
    const cached = this.cache.get(repository, reference);
    if (cached) return cached;
    const ref = parseReference(reference);
    let query = this.ctx.db
      .selectFrom('manifests as m')
      .select(['m.digest', 'm.media_type', 'm.content', 'm.subject_digest'])
      .where('m.repository', '=', repository);
    query =
      ref.kind === 'tag'
        ? query.innerJoin('tags as t', (j) => j.onRef('t.repository', '=', 'm.repository').onRef('t.digest', '=', 'm.digest')).where('t.name', '=', ref.tag)
        : query.where('m.digest', '=', ref.digest);
    const row = await query.executeTakeFirst();
    if (!row) {
      if (!(await this.repositories.exists(repository))) {
        throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { name: repository });
      }
      throw unknownManifest(repository, reference);
    }
    const manifest: CachedManifest = {
      digest: row.digest,
      mediaType: row.media_type,
      content: Buffer.from(row.content),
      subjectDigest: row.subject_digest,
    };
    this.cache.set(repository, reference, manifest);
    return manifest;
  }

  /**
   * By digest: the manifest and every tag pointing at it. By tag: only the tag. Returns the digest
   * and the tags that went, for callers that report them (BatchDeleteImage).
   */
  async delete(repository: string, reference: string): Promise<{ digest: string; tags: string[] }> {
    const ref = parseReference(reference);
    const now = this.ctx.now();
    const removed = await this.ctx.db.transaction().execute(async (trx) => {
      if (ref.kind === 'tag') {
        const tag = await trx.selectFrom('tags').select('digest').where('repository', '=', repository).where('name', '=', ref.tag).executeTakeFirst();
        if (!tag) return null;
        await trx.deleteFrom('tags').where('repository', '=', repository).where('name', '=', ref.tag).execute();
        await recordImageAction(trx, now, { 'action-type': 'DELETE', result: 'SUCCESS', 'repository-name': repository, 'image-digest': tag.digest, 'image-tag': ref.tag });
        return { digest: tag.digest, tags: [ref.tag] };
      }
      const tags = await trx.selectFrom('tags').select('name').where('repository', '=', repository).where('digest', '=', ref.digest).execute();
      const result = await trx.deleteFrom('manifests').where('repository', '=', repository).where('digest', '=', ref.digest).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return null;
      await recordImageAction(trx, now, { 'action-type': 'DELETE', result: 'SUCCESS', 'repository-name': repository, 'image-digest': ref.digest });
      return { digest: ref.digest, tags: tags.map((t) => t.name) };
    });
    this.cache.invalidate();
    if (!removed) throw unknownManifest(repository, reference);
    return removed;
  }

  async referrers(repository: string, subjectDigest: string, artifactType: string | undefined): Promise<ReferrersResult> {
    let query = this.ctx.db
      .selectFrom('manifests')
      .select(['digest', 'media_type', 'size', 'artifact_type', 'annotations'])
      .where('repository', '=', repository)
      .where('subject_digest', '=', subjectDigest)
      .orderBy('pushed_at')
      .orderBy('digest');
    if (artifactType !== undefined) query = query.where('artifact_type', '=', artifactType);
    const rows = await query.execute();
    return {
      filtered: artifactType !== undefined,
      manifests: rows.map((r) => {
        const descriptor: Descriptor = { mediaType: r.media_type, digest: r.digest, size: Number(r.size) };
        if (r.artifact_type !== null) descriptor.artifactType = r.artifact_type;
        if (r.annotations !== null) descriptor.annotations = JSON.parse(r.annotations) as Record<string, string>;
        return descriptor;
      }),
    };
  }
}

async function insertChildren(trx: Kysely<Database>, repository: string, digest: string, blobs: Descriptor[], manifests: Descriptor[]): Promise<void> {
  const rows = [
    ...blobs.map((b) => ({ repository, manifest_digest: digest, child_digest: b.digest, kind: 'blob' as const })),
    ...manifests.map((m) => ({ repository, manifest_digest: digest, child_digest: m.digest, kind: 'manifest' as const })),
  ];
  for (let i = 0; i < rows.length; i += 200) {
    await trx.insertInto('manifest_children').values(rows.slice(i, i + 200)).onConflict((oc) => oc.doNothing()).execute();
  }
}
