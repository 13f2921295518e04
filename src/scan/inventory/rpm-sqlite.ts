// rpm's SQLite database (`rpmdb.sqlite`, RHEL 9 and Fedora 33+): table Packages(hnum, blob) with
// one RPM header blob per package. Opened in memory from the bytes, never from disk.
import Database from 'better-sqlite3';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Header bytes 18/19 are the read/write format versions: 2 means WAL, 1 the rollback journal. */
const FORMAT_VERSION_OFFSETS = [18, 19] as const;
const WAL_FORMAT = 2;
/** An installed system has a few thousand packages; a table far larger than that is not an rpmdb. */
const MAX_ROWS = 100_000;

/**
 * An in-memory database cannot use a write-ahead log, and rpm leaves its database in WAL mode, so
 * a copy is relabelled as a rollback-journal database. Pages still in an uncheckpointed `-wal`
 * file are not seen; rpm checkpoints when it closes, so an image's rpmdb has none.
 */
function withoutWalMode(content: Buffer): Buffer {
  if (!FORMAT_VERSION_OFFSETS.some((offset) => content[offset] === WAL_FORMAT)) return content;
  const copy = Buffer.from(content);
  for (const offset of FORMAT_VERSION_OFFSETS) copy[offset] = 1;
  return copy;
}

export function readSqliteBlobs(content: Buffer): Buffer[] {
  if (!content.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return [];
  let db: Database.Database | undefined;
  try {
    db = new Database(withoutWalMode(content), { readonly: true });
    // A hostile file could make `Packages` a view over an endless recursive query.
    const kind = db.prepare("SELECT type FROM sqlite_master WHERE name = 'Packages'").get() as { type?: unknown } | undefined;
    if (kind?.type !== 'table') return [];
    const blobs: Buffer[] = [];
    for (const row of db.prepare('SELECT blob FROM Packages').iterate() as Iterable<{ blob?: unknown }>) {
      if (Buffer.isBuffer(row.blob)) blobs.push(row.blob);
      if (blobs.length >= MAX_ROWS) break;
    }
    return blobs;
  } catch {
    return []; // not a database, or a corrupt one
  } finally {
    db?.close();
  }
}
