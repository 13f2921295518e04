// The BlobStore conformance suite against FilesystemBlobStore, with and without fsync, plus the few
// things only the filesystem driver can show: its on-disk layout and that nothing lands outside it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { FilesystemBlobStore } from '../../src/storage/index.js';
import { describeBlobStoreConformance } from './blob-store-suite.js';

async function tempStore(fsync: boolean, parent?: string): Promise<{ store: FilesystemBlobStore; root: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(parent ?? tmpdir(), 'wharf-blobs-'));
  const store = new FilesystemBlobStore({ root, fsync });
  await store.init();
  return { store, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

for (const fsync of [true, false]) {
  describeBlobStoreConformance(`FilesystemBlobStore (fsync ${fsync})`, () => tempStore(fsync));
}

/** Every file under `dir`, relative to it, sorted. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('FilesystemBlobStore on disk', () => {
  it('keeps blobs at blobs/<algorithm>/<first 2 hex>/<hex> and uploads at uploads/<id>', async () => {
    const { store, root, cleanup } = await tempStore(false);
    try {
      const bytes = Buffer.from('layout');
      const hex = createHash('sha256').update(bytes).digest('hex');
      await store.createUpload('committed-one');
      await store.appendUpload('committed-one', 0, Readable.from([bytes]));
      await store.commitUpload('committed-one', `sha256:${hex}`);
      await store.createUpload('still-open');
      assert.deepEqual(await walk(root), [join('blobs', 'sha256', hex.slice(0, 2), hex), join('uploads', 'still-open')].sort());
    } finally {
      await cleanup();
    }
  });

  it('list() and listUploads() skip stray entries that are not digests or upload ids', async () => {
    const { store, root, cleanup } = await tempStore(false);
    try {
      await mkdir(join(root, 'blobs', 'sha256', 'ab'), { recursive: true });
      await writeFile(join(root, 'blobs', 'sha256', 'ab', 'not-a-digest'), 'x');
      await mkdir(join(root, 'blobs', 'md5', '00'), { recursive: true });
      await writeFile(join(root, 'blobs', 'md5', '00', '0'.repeat(32)), 'x');
      await writeFile(join(root, 'uploads', '.tmp~'), 'x');
      const digests: string[] = [];
      for await (const d of store.list()) digests.push(d);
      const uploads: string[] = [];
      for await (const u of store.listUploads()) uploads.push(u.id);
      assert.deepEqual(digests, []);
      assert.deepEqual(uploads, []);
    } finally {
      await cleanup();
    }
  });

  it('refused keys leave no trace next to or inside the root', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'wharf-parent-'));
    try {
      const { store, root } = await tempStore(true, parent);
      const digest = `sha256:${'b'.repeat(64)}`;
      for (const id of ['../escaped', 'a/b', '../../escaped', '..', 'uploads/../../escaped']) {
        await assert.rejects(async () => store.createUpload(id));
        await assert.rejects(async () => store.appendUpload(id, 0, Readable.from([Buffer.from('x')])));
        await assert.rejects(async () => store.commitUpload(id, digest));
      }
      await store.createUpload('fine');
      for (const bad of ['sha256:../../escaped', `sha256:${'b'.repeat(64)}/../../../escaped`, '../escaped']) {
        await assert.rejects(async () => store.commitUpload('fine', bad));
        await assert.rejects(async () => store.delete(bad));
      }
      assert.deepEqual(await readdir(parent), [relative(parent, root)]);
      assert.deepEqual(await walk(root), [join('uploads', 'fine')]);
      assert.deepEqual((await readdir(root)).sort(), ['blobs', 'uploads']);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  // /dev/full fails every write with ENOSPC: an upload file that is a link to it is a full disk.
  async function fullDiskUpload(): Promise<{ store: FilesystemBlobStore; cleanup(): Promise<void> }> {
    const { store, root, cleanup } = await tempStore(false);
    await store.createUpload('full');
    await rm(join(root, 'uploads', 'full'));
    await symlink('/dev/full', join(root, 'uploads', 'full'));
    return { store, cleanup };
  }
  const haveDevFull = existsSync('/dev/full');

  it('a full disk makes a short append reject with ENOSPC', { skip: !haveDevFull && 'no /dev/full' }, async () => {
    const { store, cleanup } = await fullDiskUpload();
    try {
      await assert.rejects(() => store.appendUpload('full', 0, Readable.from([Buffer.alloc(100)])), { code: 'ENOSPC' });
    } finally {
      await cleanup();
    }
  });

  it(
    'a full disk while the body is still arriving rejects the append instead of escaping as an unhandled rejection',
    { skip: !haveDevFull && 'no /dev/full'},
    async () => {
      const { store, cleanup } = await fullDiskUpload();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        async function* slowBody(): AsyncGenerator<Buffer> {
          yield Buffer.alloc(2 * 1024 * 1024); // past one write batch, so a write starts
          await delay(100); // the client is slow: the write fails while we wait
          yield Buffer.alloc(10);
        }
        await assert.rejects(() => store.appendUpload('full', 0, Readable.from(slowBody(), { objectMode: false })), { code: 'ENOSPC' });
        assert.deepEqual(unhandled, [], 'no unhandled rejection');
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await cleanup();
      }
    },
  );
});
