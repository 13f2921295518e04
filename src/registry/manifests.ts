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
import { ManifestCache, type CachedManifest } from './manifest-cache.js';
import { parseManifest, type Descriptor } from './manifest-parser.js';
import { manifestKind } from './media-types.js';
import { holdBlobs } from './links.js';
import { assertImageQuota } from './quotas.js';

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

/** Which images a listing includes: those with at least one tag, those with none, or all. */
export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY';

/** One (digest, tag) pair of a listing; an untagged image appears once with `tag` null. */
export interface ImageRef {
  digest: string;
  tag: string | null;
}

/** What the registry knows about one stored manifest, for image listings and descriptions. */
export interface ImageSummary {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  subjectDigest: string | null;
  tags: string[];
  /** Config plus layers for an image; the largest child image for an index (ECR's rule). */
  sizeInBytes: number;
  pushedAt: number;
  lastPulledAt: number | null;
}

/** Outcome of deleting an image the ECR way (see ManifestService.deleteImage). */
export type DeleteImageResult =
  | { outcome: 'deleted'; digest: string; tags: string[] }
  | { outcome: 'not-found' }
  | { outcome: 'referenced'; digest: string; by: string[] };

function unknownManifest(repository: string, reference: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { name: repository, reference });
}

export class ManifestService {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly repositories: RepositoryService,
    private readonly cache: ManifestCache,
    private readonly maxManifestBytes: number,
    /** Whether a cached tag may be trusted (see MetaDatabase.changeCounterIsSynchronous). */
    private readonly tagsMayBeCached: boolean,
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
    const settings = await this.repositories.get(repository);

    const now = this.ctx.now();
    let stored = false;
    const changed = await this.ctx.db.transaction().execute(async (trx) => {
      // The references are checked inside the transaction, with the blobs' rows held, so garbage
      // collection cannot unlink a layer between the check and the commit (src/gc/collector.ts).
      if (this.ctx.dialect === 'postgres') await holdBlobs(trx, parsed.blobs.map((b) => b.digest));
      await assertReferencesExist(trx, repository, parsed.blobs, parsed.manifests);
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
      stored = newManifest;
      if (newManifest) {
        await insertChildren(trx, repository, digest, parsed.blobs, parsed.manifests);
        await assertImageQuota(trx, repository);
      }
      let tagMoved = false;
      if (ref.kind === 'tag') {
        const tagImmutable = () =>
          new RegistryError('TAG_IMMUTABLE', `The image tag '${ref.tag}' already exists in the '${repository}' repository and cannot be overwritten because the tag is immutable.`, {
            tag: ref.tag,
          });
        if (isTagImmutable(settings.imageTagMutability, settings.mutabilityExclusions, ref.tag)) {
          // Only an insert that wins creates the tag, so two pushes of an immutable tag (on two
          // nodes at once) never both succeed; an existing tag may only be pushed again as it is.
          const created = await trx
            .insertInto('tags')
            .values({ repository, name: ref.tag, digest, updated_at: now })
            .onConflict((oc) => oc.columns(['repository', 'name']).doNothing())
            .executeTakeFirst();
          tagMoved = Number(created.numInsertedOrUpdatedRows ?? 0) > 0;
          if (!tagMoved) {
            const existing = await trx.selectFrom('tags').select('digest').where('repository', '=', repository).where('name', '=', ref.tag).executeTakeFirst();
            if (existing?.digest !== digest) throw tagImmutable();
          }
        } else {
          const current = await trx.selectFrom('tags').select('digest').where('repository', '=', repository).where('name', '=', ref.tag).executeTakeFirst();
          tagMoved = current?.digest !== digest;
          if (tagMoved) {
            await trx
              .insertInto('tags')
              .values({ repository, name: ref.tag, digest, updated_at: now })
              .onConflict((oc) => oc.columns(['repository', 'name']).doUpdateSet({ digest, updated_at: now }))
              .execute();
          }
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
    if (stored) await this.ctx.hooks.manifestStored(repository, digest, parsed.subject !== null);
    return { digest, subjectDigest: parsed.subject?.digest ?? null, mediaType: parsed.mediaType, changed };
  }

  async get(repository: string, reference: string): Promise<CachedManifest> {
    const ref = parseReference(reference);
    if (ref.kind === 'tag' && !this.tagsMayBeCached) {
      // Another node may have moved the tag a moment ago and its notification not have arrived:
      // resolve the tag in the database (one indexed lookup), then use the cache by digest, which
      // names immutable content.
      const tag = await this.ctx.db
        .selectFrom('tags')
        .select('digest')
        .where('repository', '=', repository)
        .where('name', '=', ref.tag)
        .executeTakeFirst();
      if (tag) return this.get(repository, tag.digest);
    }
    const cached = this.cache.get(repository, reference);
    if (cached) return cached;
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

  /**
   * One page of (digest, tag) pairs in (digest, tag) order after `after`: one pair per tag, and one
   * with a null tag per untagged manifest.
   */
  async listImageRefs(repository: string, status: TagStatus, limit: number, after: ImageRef | undefined): Promise<{ refs: ImageRef[]; more: boolean }> {
    await this.repositories.assertExists(repository);
    let query = this.ctx.db
      .selectFrom('manifests as m')
      .leftJoin('tags as t', (j) => j.onRef('t.repository', '=', 'm.repository').onRef('t.digest', '=', 'm.digest'))
      .select(['m.digest as digest', 't.name as tag'])
      .where('m.repository', '=', repository)
      .orderBy('m.digest')
      .orderBy('t.name')
      .limit(limit + 1);
    if (status === 'TAGGED') query = query.where('t.name', 'is not', null);
    if (status === 'UNTAGGED') query = query.where('t.name', 'is', null);
    if (after) {
      const { digest, tag } = after;
      query = query.where((eb) =>
        tag === null ? eb('m.digest', '>', digest) : eb.or([eb('m.digest', '>', digest), eb.and([eb('m.digest', '=', digest), eb('t.name', '>', tag)])]),
      );
    }
    const rows = await query.execute();
    return { refs: rows.slice(0, limit).map((r) => ({ digest: r.digest, tag: r.tag ?? null })), more: rows.length > limit };
  }

  /** One page of images (one per manifest, with all its tags) in digest order after `afterDigest`. */
  async listImages(repository: string, status: TagStatus, limit: number, afterDigest: string | undefined): Promise<{ images: ImageSummary[]; more: boolean }> {
    await this.repositories.assertExists(repository);
    let query = this.ctx.db
      .selectFrom('manifests as m')
      .select(['m.digest', 'm.media_type', 'm.artifact_type', 'm.subject_digest', 'm.content', 'm.pushed_at', 'm.last_pulled_at'])
      .where('m.repository', '=', repository)
      .orderBy('m.digest')
      .limit(limit + 1);
    if (status !== 'ANY') {
      query = query.where((eb) => {
        const tagged = eb.exists(eb.selectFrom('tags as t').select('t.name').whereRef('t.repository', '=', 'm.repository').whereRef('t.digest', '=', 'm.digest'));
        return status === 'TAGGED' ? tagged : eb.not(tagged);
      });
    }
    if (afterDigest !== undefined) query = query.where('m.digest', '>', afterDigest);
    const rows = await query.execute();
    return { images: await this.summarise(repository, rows.slice(0, limit)), more: rows.length > limit };
  }

  /** Summaries of the given manifests that exist in the repository (absent digests are left out). */
  async describe(repository: string, digests: string[]): Promise<ImageSummary[]> {
    await this.repositories.assertExists(repository);
    const wanted = [...new Set(digests)];
    const rows: SummaryRow[] = [];
    for (let i = 0; i < wanted.length; i += 500) {
      rows.push(
        ...(await this.ctx.db
          .selectFrom('manifests')
          .select(['digest', 'media_type', 'artifact_type', 'subject_digest', 'content', 'pushed_at', 'last_pulled_at'])
          .where('repository', '=', repository)
          .where('digest', 'in', wanted.slice(i, i + 500))
          .execute()),
      );
    }
    const byDigest = new Map((await this.summarise(repository, rows)).map((s) => [s.digest, s]));
    return wanted.flatMap((d) => byDigest.get(d) ?? []);
  }

  private async summarise(repository: string, rows: SummaryRow[]): Promise<ImageSummary[]> {
    if (rows.length === 0) return [];
    const digests = rows.map((r) => r.digest);
    const tags = new Map<string, string[]>();
    for (let i = 0; i < digests.length; i += 500) {
      const tagRows = await this.ctx.db
        .selectFrom('tags')
        .select(['name', 'digest'])
        .where('repository', '=', repository)
        .where('digest', 'in', digests.slice(i, i + 500))
        .orderBy('name')
        .execute();
      for (const t of tagRows) tags.set(t.digest, [...(tags.get(t.digest) ?? []), t.name]);
    }
    // An index is as large as its largest child image.
    const childDigests = [...new Set(rows.filter((r) => manifestKind(r.media_type) === 'index').flatMap((r) => indexChildren(r.content)))];
    const childSizes = new Map<string, number>();
    for (let i = 0; i < childDigests.length; i += 500) {
      const children = await this.ctx.db
        .selectFrom('manifests')
        .select(['digest', 'media_type', 'content'])
        .where('repository', '=', repository)
        .where('digest', 'in', childDigests.slice(i, i + 500))
        .execute();
      for (const c of children) childSizes.set(c.digest, manifestKind(c.media_type) === 'image' ? imageManifestSize(c.content) : 0);
    }
    return rows.map((r) => {
      const kind = manifestKind(r.media_type);
      const sizeInBytes =
        kind === 'image' ? imageManifestSize(r.content) : Math.max(0, ...indexChildren(r.content).map((d) => childSizes.get(d) ?? 0));
      return {
        digest: r.digest,
        mediaType: r.media_type,
        artifactType: r.artifact_type,
        subjectDigest: r.subject_digest,
        tags: tags.get(r.digest) ?? [],
        sizeInBytes,
        pushedAt: Number(r.pushed_at),
        lastPulledAt: r.last_pulled_at === null ? null : Number(r.last_pulled_at),
      };
    });
  }

  /**
   * Deletes an image as ECR's BatchDeleteImage does. By tag: the tag goes, and when it was the
   * image's last tag the image goes too (unless an index in the repository still references it).
   * By digest: the manifest and all its tags go, unless an index in the repository references it.
   */
  async deleteImage(repository: string, reference: string): Promise<DeleteImageResult> {
    const ref = parseReference(reference);
    const now = this.ctx.now();
    const result = await this.ctx.db.transaction().execute(async (trx): Promise<DeleteImageResult> => {
      const parentsOf = async (digest: string) =>
        (
          await trx
            .selectFrom('manifest_children')
            .select('manifest_digest')
            .where('repository', '=', repository)
            .where('child_digest', '=', digest)
            .where('kind', '=', 'manifest')
            .execute()
        ).map((r) => r.manifest_digest);
      if (ref.kind === 'tag') {
        const tag = await trx.selectFrom('tags').select('digest').where('repository', '=', repository).where('name', '=', ref.tag).executeTakeFirst();
        if (!tag) return { outcome: 'not-found' };
        await trx.deleteFrom('tags').where('repository', '=', repository).where('name', '=', ref.tag).execute();
        await recordImageAction(trx, now, { 'action-type': 'DELETE', result: 'SUCCESS', 'repository-name': repository, 'image-digest': tag.digest, 'image-tag': ref.tag });
        const remaining = await trx.selectFrom('tags').select('name').where('repository', '=', repository).where('digest', '=', tag.digest).limit(1).executeTakeFirst();
        if (!remaining && (await parentsOf(tag.digest)).length === 0) {
          await trx.deleteFrom('manifests').where('repository', '=', repository).where('digest', '=', tag.digest).execute();
          await recordImageAction(trx, now, { 'action-type': 'DELETE', result: 'SUCCESS', 'repository-name': repository, 'image-digest': tag.digest });
        }
        return { outcome: 'deleted', digest: tag.digest, tags: [ref.tag] };
      }
      const exists = await trx.selectFrom('manifests').select('digest').where('repository', '=', repository).where('digest', '=', ref.digest).executeTakeFirst();
      if (!exists) return { outcome: 'not-found' };
      const parents = await parentsOf(ref.digest);
      if (parents.length > 0) return { outcome: 'referenced', digest: ref.digest, by: parents };
      const tags = await trx.selectFrom('tags').select('name').where('repository', '=', repository).where('digest', '=', ref.digest).orderBy('name').execute();
      await trx.deleteFrom('manifests').where('repository', '=', repository).where('digest', '=', ref.digest).execute();
      await recordImageAction(trx, now, { 'action-type': 'DELETE', result: 'SUCCESS', 'repository-name': repository, 'image-digest': ref.digest });
      return { outcome: 'deleted', digest: ref.digest, tags: tags.map((t) => t.name) };
    });
    if (result.outcome === 'deleted') this.cache.invalidate();
    return result;
  }

  /**
   * The media type each blob is referenced with by some manifest of the repository (layers and
   * configs are typed only by the manifests that use them); blobs no image references are absent,
   * so this also tells which blobs are part of an image.
   */
  async blobMediaTypes(repository: string, digests: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const digest of new Set(digests)) {
      const row = await this.ctx.db
        .selectFrom('manifest_children as c')
        .innerJoin('manifests as m', (j) => j.onRef('m.repository', '=', 'c.repository').onRef('m.digest', '=', 'c.manifest_digest'))
        .select('m.content')
        .where('c.repository', '=', repository)
        .where('c.child_digest', '=', digest)
        .where('c.kind', '=', 'blob')
        .limit(1)
        .executeTakeFirst();
      const body = row ? parseJsonObject(row.content) : null;
      if (!body) continue;
      const descriptors = [body.config, ...(Array.isArray(body.layers) ? body.layers : [])];
      for (const d of descriptors) {
        if (typeof d !== 'object' || d === null) continue;
        const { digest: dd, mediaType } = d as { digest?: unknown; mediaType?: unknown };
        if (dd === digest && typeof mediaType === 'string') {
          found.set(digest, mediaType);
          break;
        }
      }
    }
    return found;
  }
}

type SummaryRow = Pick<Database['manifests'], 'digest' | 'media_type' | 'artifact_type' | 'subject_digest' | 'content' | 'pushed_at' | 'last_pulled_at'>;

function parseJsonObject(content: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(content).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function descriptorSize(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const size = (value as { size?: unknown }).size;
  return typeof size === 'number' && Number.isSafeInteger(size) && size > 0 ? size : 0;
}

/** An image manifest's size: its config and layers as referenced (stored manifests were validated). */
function imageManifestSize(content: Uint8Array): number {
  const body = parseJsonObject(content);
  if (!body) return 0;
  const layers = Array.isArray(body.layers) ? body.layers : [];
  return descriptorSize(body.config) + layers.reduce((sum: number, layer) => sum + descriptorSize(layer), 0);
}

function indexChildren(content: Uint8Array): string[] {
  const body = parseJsonObject(content);
  if (!body || !Array.isArray(body.manifests)) return [];
  return body.manifests.flatMap((m) => (typeof m === 'object' && m !== null && typeof (m as { digest?: unknown }).digest === 'string' ? [(m as { digest: string }).digest] : []));
}

/** Every blob must be linked to the repository and every child manifest stored in it. */
async function assertReferencesExist(trx: Kysely<Database>, repository: string, blobs: Descriptor[], manifests: Descriptor[]): Promise<void> {
  for (const [children, table, message] of [
    [blobs, 'repository_blobs', 'manifest references a blob unknown to the repository'],
    [manifests, 'manifests', 'index references a manifest unknown to the repository'],
  ] as const) {
    for (let i = 0; i < children.length; i += 500) {
      const batch = children.slice(i, i + 500);
      const rows = await trx
        .selectFrom(table)
        .select('digest')
        .where('repository', '=', repository)
        .where('digest', 'in', batch.map((d) => d.digest))
        .execute();
      const present = new Set(rows.map((r) => r.digest));
      const missing = batch.find((d) => !present.has(d.digest));
      if (missing) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', message, { digest: missing.digest });
    }
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
