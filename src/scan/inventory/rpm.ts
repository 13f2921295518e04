// RPM packages (RHEL, Rocky, AlmaLinux, ...) from whichever database format the image's rpm uses:
// SQLite (`rpmdb.sqlite`), ndb (`Packages.db`) or Berkeley DB (`Packages`), under the classic
// `var/lib/rpm/` or the newer `usr/lib/sysimage/rpm/`. Each yields RPM header blobs.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import { baseName, type PackageDetector } from './detector.js';
import { osPackage } from './os-packages.js';
import { readBdbHashValues } from './rpm-bdb.js';
import { parseRpmHeader, parseSourceRpm, rpmEvr, type RpmHeader } from './rpm-header.js';
import { readNdbBlobs } from './rpm-ndb.js';
import { readSqliteBlobs } from './rpm-sqlite.js';

const DATABASE_DIRS = ['var/lib/rpm/', 'usr/lib/sysimage/rpm/'];
const READERS = new Map<string, (content: Buffer) => Buffer[]>([
  ['rpmdb.sqlite', readSqliteBlobs],
  ['Packages.db', readNdbBlobs],
  ['Packages', readBdbHashValues],
]);
/** Public keys imported into rpmdb show up as pseudo-packages; they are not software. */
const GPG_PUBKEY = 'gpg-pubkey';

function rpmPackage(header: RpmHeader, path: string): InventoryPackage {
  const source = header.sourceRpm ? parseSourceRpm(header.sourceRpm) : undefined;
  return osPackage({
    type: 'rpm',
    name: header.name,
    version: rpmEvr(header.epoch, `${header.version}-${header.release}`),
    arch: header.arch,
    sourceName: source?.name ?? header.name,
    sourceVersion: rpmEvr(header.epoch, source?.versionRelease ?? `${header.version}-${header.release}`),
    licenses: header.license ? [header.license] : undefined,
    path,
  });
}

function readerFor(path: string): ((content: Buffer) => Buffer[]) | undefined {
  const dir = path.slice(0, path.length - baseName(path).length);
  return DATABASE_DIRS.includes(dir) ? READERS.get(baseName(path)) : undefined;
}

export const rpmDetector: PackageDetector = {
  wants: (file: LayerFile) => readerFor(file.path) !== undefined,
  analyze(file: LayerFile, content: Buffer): FileFindings {
    const blobs = readerFor(file.path)?.(content) ?? [];
    const packages = blobs
      .map(parseRpmHeader)
      .filter((header): header is RpmHeader => header !== undefined && header.name !== GPG_PUBKEY)
      .map((header) => rpmPackage(header, file.path));
    return { packages };
  },
};
