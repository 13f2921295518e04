// Re-checks an installation against its own metadata: every manifest's bytes hash to its digest,
// and every linked blob reads back (decrypted, for encrypted scopes) to its digest and size.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';
import type { BlobStores } from '../registry/index.js';
import { newHasher, parseDigest } from '../storage/index.js';
import { linkedBlobs } from './blobs.js';

export interface VerifyProgress {
  stage: 'manifests' | 'blobs';
  done: number;
  total: number;
}

export interface VerifyReport {
  manifests: number;
  blobs: number;
  bytes: number;
  problems: string[];
}

const PAGE = 500;

function hashOf(digest: string, bytes: Uint8Array): string | null {
  const parsed = parseDigest(digest);
  if (!parsed) return null;
  return `${parsed.algorithm}:${newHasher(parsed.algorithm).update(bytes).digest('hex')}`;
}

export async function verifyInstallation(db: Kysely<Database>, stores: BlobStores, onProgress: (progress: VerifyProgress) => void): Promise<VerifyReport> {
  const report: VerifyReport = { manifests: 0, blobs: 0, bytes: 0, problems: [] };
  const { count } = await db.selectFrom('manifests').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const manifestTotal = Number(count);
  for (let offset = 0; ; offset += PAGE) {
    const rows = await db.selectFrom('manifests').select(['repository', 'digest', 'content']).orderBy('repository').orderBy('digest').limit(PAGE).offset(offset).execute();
    for (const row of rows) {
      if (hashOf(row.digest, row.content) !== row.digest) report.problems.push(`manifest ${row.repository}@${row.digest}: content does not hash to its digest`);
      report.manifests++;
    }
    onProgress({ stage: 'manifests', done: report.manifests, total: manifestTotal });
    if (rows.length < PAGE) break;
  }

  const blobs = await linkedBlobs(db);
  const sizes = new Map<string, number>();
  for (const row of await db.selectFrom('blobs').select(['digest', 'size']).execute()) sizes.set(row.digest, Number(row.size));
  for (const blob of blobs) {
    const parsed = parseDigest(blob.digest);
    try {
      if (!parsed) throw new Error('not a digest');
      const hash = newHasher(parsed.algorithm);
      let size = 0;
      for await (const chunk of (await (await stores.forScope(blob.scope)).read(blob.digest)) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      const actual = `${parsed.algorithm}:${hash.digest('hex')}`;
      if (actual !== blob.digest) report.problems.push(`blob ${blob.digest}${blob.scope ? ` (key ${blob.scope})` : ''}: reads back as ${actual}`);
      else if (size !== sizes.get(blob.digest)) report.problems.push(`blob ${blob.digest}: ${size} bytes, metadata says ${sizes.get(blob.digest)}`);
      report.bytes += size;
    } catch (error) {
      report.problems.push(`blob ${blob.digest}${blob.scope ? ` (key ${blob.scope})` : ''}: ${error instanceof Error ? error.message : String(error)}`);
    }
    report.blobs++;
    onProgress({ stage: 'blobs', done: report.blobs, total: blobs.length });
  }
  return report;
}
