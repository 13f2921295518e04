// Upload sessions: bytes stream into the store while being hashed, the acknowledged size is kept in
// the database, and only a verified upload is committed (atomically) as a blob. A session survives
// a restart: bytes past the acknowledged size are cut off and the hash is rebuilt from the store.
import { randomUUID, type Hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newHasher, parseDigest, UploadNotFound, type BlobStore } from '../storage/index.js';
import { RegistryError } from './errors.js';
import type { RegistryContext } from './context.js';
import type { MayCreate, RepositoryService } from './repositories.js';
import { inLinkTransaction, linkBlob } from './links.js';

export interface UploadState {
  id: string;
  repository: string;
  /** Bytes received and acknowledged so far. */
  size: number;
  /** Set once the upload was verified as this digest and its bytes are moving into the store. */
  verifiedDigest: string | null;
  /** The storage scope (blob store) the upload's bytes go to: its repository's. */
  scope: string;
}

export interface ChunkOptions {
  /** Start offset the client claims (Content-Range); must equal the current size. */
  start?: number;
  /** Exact number of bytes the client announced (Content-Length or the Content-Range span). */
  length?: number;
}

/** Running sha256 of an upload, valid while `offset` equals the acknowledged size. */
interface RunningHash {
  hash: Hash;
  offset: number;
}

class CountingHasher extends Transform {
  bytes = 0;
  constructor(private readonly hash: Hash | null) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    done(null, chunk);
  }
}

const EXPIRY_PARALLELISM = 8;
/** How long a push waits for a collector to finish deleting the blob it is pushing. */
const GC_WAIT_MS = 60_000;
const GC_POLL_MS = 100;

function unknownUpload(id: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { uuid: id });
}

export class UploadService {
  private readonly hashes = new Map<string, RunningHash>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: RegistryContext,
    private readonly repositories: RepositoryService,
  ) {}

  get minChunkLength(): number {
    return this.ctx.stores.minChunkLength;
  }

  private store(state: { scope: string }): Promise<BlobStore> {
    return this.ctx.stores.forScope(state.scope);
  }

  /** Serialises work on one session inside this process; the DB guards across processes. */
  private async withLock<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.locks.set(id, current);
    try {
      return await current;
    } finally {
      if (this.locks.get(id) === current) this.locks.delete(id);
    }
  }

  async start(repository: string, mayCreate: MayCreate): Promise<UploadState> {
    const scope = await this.repositories.ensureForPush(repository, mayCreate);
    const id = randomUUID();
    await (await this.store({ scope })).createUpload(id);
    const now = this.ctx.now();
    await this.ctx.db.insertInto('uploads').values({ id, repository, storage_scope: scope, size: 0, created_at: now, updated_at: now }).execute();
    this.hashes.set(id, { hash: newHasher('sha256'), offset: 0 });
    return { id, repository, size: 0, verifiedDigest: null, scope };
  }

  async status(repository: string, id: string): Promise<UploadState> {
    const row = await this.ctx.db
      .selectFrom('uploads')
      .select(['id', 'repository', 'size', 'digest', 'storage_scope'])
      .where('id', '=', id)
      .where('repository', '=', repository)
      .executeTakeFirst();
    if (!row) throw unknownUpload(id);
    return { id: row.id, repository: row.repository, size: Number(row.size), verifiedDigest: row.digest, scope: row.storage_scope };
  }

  async append(repository: string, id: string, body: Readable, chunk: ChunkOptions): Promise<UploadState> {
    return this.withLock(id, () => this.appendLocked(repository, id, body, chunk));
  }

  private async appendLocked(repository: string, id: string, body: Readable, chunk: ChunkOptions): Promise<UploadState> {
    const state = await this.status(repository, id);
    if (chunk.start !== undefined && chunk.start !== state.size) {
      // Drain nothing: the request is refused before a byte is read.
      throw new RegistryError('RANGE_INVALID', `chunk starts at ${chunk.start} but the upload has ${state.size} bytes`, {
        uploadedBytes: state.size,
      });
    }
    const store = await this.store(state);
    const stored = await store.uploadSize(id);
    if (stored === null) throw unknownUpload(id);
    if (stored !== state.size) await store.truncateUpload(id, state.size);

    const running = this.hashes.get(id);
    const hash = running && running.offset === state.size ? running.hash : null;
    this.hashes.delete(id);
    const counter = new CountingHasher(hash);
    let newSize: number;
    try {
      const written = store.appendUpload(id, state.size, counter);
      await Promise.all([pipeline(body, counter), written]);
      newSize = await written;
    } catch (error) {
      await store.truncateUpload(id, state.size).catch(() => undefined);
      if (error instanceof UploadNotFound) throw unknownUpload(id);
      throw new RegistryError('BLOB_UPLOAD_INVALID', 'upload body was interrupted', { uuid: id, cause: String(error) });
    }
    if (chunk.length !== undefined && counter.bytes !== chunk.length) {
      await store.truncateUpload(id, state.size);
      throw new RegistryError('BLOB_UPLOAD_INVALID', `expected ${chunk.length} bytes, received ${counter.bytes}`, { uuid: id });
    }
    if (newSize !== state.size + counter.bytes) {
      await store.truncateUpload(id, state.size);
      throw new RegistryError('BLOB_UPLOAD_INVALID', 'upload size changed concurrently', { uuid: id });
    }
    const updated = await this.ctx.db
      .updateTable('uploads')
      .set({ size: newSize, updated_at: this.ctx.now() })
      .where('id', '=', id)
      .where('size', '=', state.size)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw unknownUpload(id);
    if (hash) this.hashes.set(id, { hash, offset: newSize });
    return { ...state, size: newSize };
  }

  /** Appends an optional last chunk, verifies the digest and commits the blob. */
  async complete(repository: string, id: string, digest: string, body: Readable | null, chunk: ChunkOptions): Promise<{ digest: string; size: number }> {
    return this.withLock(id, async () => {
      const parsed = parseDigest(digest);
      if (!parsed) throw new RegistryError('DIGEST_INVALID', 'invalid digest', { digest });
      const current = await this.status(repository, id);
      const store = await this.store(current);
      if (current.verifiedDigest !== null && (await store.uploadSize(id)) === null) {
        body?.resume(); // a retry may resend the last chunk, which was already counted
        return this.finishInterruptedCommit(current, digest);
      }
      const state = body ? await this.appendLocked(repository, id, body, chunk) : current;
      const actual = await this.digestOf(state, parsed.algorithm);
      if (actual !== digest) {
        await this.discard(state);
        throw new RegistryError('DIGEST_INVALID', 'provided digest did not match uploaded content', { expected: digest, actual });
      }
      try {
        await this.link(state, digest);
      } catch (error) {
        if (error instanceof RegistryError && error.code === 'QUOTA_EXCEEDED') await this.discard(state);
        throw error;
      }
      // Linked first, bytes second: from here on garbage collection leaves this digest alone, so
      // bytes that are already stored can be trusted to stay and the upload's copy dropped.
      if ((await store.uploadSize(id)) !== null) {
        if (await store.stat(digest)) await store.deleteUpload(id);
        else await store.commitUpload(id, digest);
      }
      return this.finish(state, digest);
    });
  }

  /**
   * Links the verified blob into the upload's repository. A collector deleting the same digest
   * right now (it marked the blob before this push linked it) is waited out: once its row is gone
   * this push stores its own bytes under a new row.
   */
  private async link(state: UploadState, digest: string): Promise<void> {
    const deadline = Date.now() + GC_WAIT_MS;
    for (;;) {
      // The verified digest is recorded with the link (one commit): a session that has it is one
      // whose bytes must follow into place (see storeLinkedBytes).
      const outcome = await inLinkTransaction(this.ctx.db, async (trx) => {
        await trx.updateTable('uploads').set({ digest }).where('id', '=', state.id).execute();
        return linkBlob(trx, state.repository, digest, state.size, this.ctx.now());
      });
      if (outcome !== 'blob-being-deleted') return;
      if (Date.now() > deadline) throw new RegistryError('TOO_MANY_REQUESTS', 'the blob is being garbage-collected; retry the upload', { digest });
      await sleep(GC_POLL_MS);
    }
  }

  /**
   * A previous attempt verified the upload and moved its bytes into the store, then the process
   * died before the database commit. Only the digest verified then may be claimed now, so a retry
   * can never link a different (someone else's) blob of the same size.
   */
  private async finishInterruptedCommit(state: UploadState, digest: string): Promise<{ digest: string; size: number }> {
    const stored = await (await this.store(state)).stat(digest);
    if (state.verifiedDigest !== digest || !stored || stored.size !== state.size) {
      await this.discard(state);
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload was lost; start a new upload', { uuid: state.id });
    }
    await this.link(state, digest);
    return this.finish(state, digest);
  }

  private async finish(state: UploadState, digest: string): Promise<{ digest: string; size: number }> {
    await this.ctx.db.deleteFrom('uploads').where('id', '=', state.id).execute();
    this.hashes.delete(state.id);
    return { digest, size: state.size };
  }

  /**
   * A session that was verified and linked but whose process died before moving the bytes into
   * place: the link is already visible, so the bytes must follow rather than be thrown away.
   */
  private async storeLinkedBytes(id: string, scope: string, digest: string): Promise<void> {
    const store = await this.store({ scope });
    const linked = await this.ctx.db.selectFrom('blobs').select('digest').where('digest', '=', digest).where('link_count', '>', 0).executeTakeFirst();
    if (linked && (await store.uploadSize(id)) !== null && !(await store.stat(digest))) await store.commitUpload(id, digest);
  }

  async cancel(repository: string, id: string): Promise<void> {
    await this.withLock(id, async () => {
      await this.discard(await this.status(repository, id));
    });
  }

  private async discard(state: { id: string; scope: string }): Promise<void> {
    this.hashes.delete(state.id);
    await this.ctx.db.deleteFrom('uploads').where('id', '=', state.id).execute();
    await (await this.store(state)).deleteUpload(state.id);
  }

  private async digestOf(state: UploadState, algorithm: 'sha256' | 'sha512'): Promise<string> {
    const { id, size } = state;
    const running = this.hashes.get(id);
    if (algorithm === 'sha256' && running && running.offset === size) {
      this.hashes.delete(id);
      return `sha256:${running.hash.digest('hex')}`;
    }
    // After a restart, on another node, or for sha512: hash what the store holds.
    const hash = newHasher(algorithm);
    const counter = new CountingHasher(hash);
    const stored = await (await this.store(state)).readUpload(id).catch((error: unknown) => {
      throw error instanceof UploadNotFound ? unknownUpload(id) : error;
    });
    await pipeline(stored, counter, async function* (source) {
      for await (const _ of source) void _;
    });
    if (counter.bytes !== size) throw new RegistryError('BLOB_UPLOAD_INVALID', 'stored upload is shorter than acknowledged', { uuid: id });
    return `${algorithm}:${hash.digest('hex')}`;
  }

  /**
   * Removes sessions idle for longer than `ttlMs`, and upload files with no session (left by a
   * crash between creating the file and recording it) once they are as old.
   */
  async expire(ttlMs: number): Promise<number> {
    const cutoff = this.ctx.now() - ttlMs;
    const stale = await this.ctx.db.selectFrom('uploads').select(['id', 'storage_scope', 'digest']).where('updated_at', '<', cutoff).execute();
    // A few at a time: on an object store each removal is several round trips.
    for (let i = 0; i < stale.length; i += EXPIRY_PARALLELISM) {
      await Promise.all(
        stale.slice(i, i + EXPIRY_PARALLELISM).map((row) =>
          this.withLock(row.id, async () => {
            if (row.digest !== null) await this.storeLinkedBytes(row.id, row.storage_scope, row.digest);
            await this.discard({ id: row.id, scope: row.storage_scope });
          }),
        ),
      );
    }
    let orphans = 0;
    for (const scope of await this.ctx.stores.scopesInUse()) {
      const store = await this.ctx.stores.forScope(scope);
      for await (const upload of store.listUploads()) {
        if (upload.modifiedAt.getTime() >= cutoff) continue;
        const row = await this.ctx.db.selectFrom('uploads').select('id').where('id', '=', upload.id).executeTakeFirst();
        if (!row) {
          await store.deleteUpload(upload.id);
          orphans++;
        }
      }
    }
    return stale.length + orphans;
  }
}
