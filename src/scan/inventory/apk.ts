// Alpine packages from apk's database `lib/apk/db/installed`: blank-line separated records of
// one-letter fields (P name, V version, A arch, o origin = the source package, L license).
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import type { PackageDetector } from './detector.js';
import { osPackage } from './os-packages.js';
import { paragraphs } from './text.js';

const INSTALLED_DB = 'lib/apk/db/installed';

function parseApkInstalled(text: string, path: string): InventoryPackage[] {
  const packages: InventoryPackage[] = [];
  for (const record of paragraphs(text)) {
    const fields = new Map<string, string>();
    for (const line of record) {
      // The letters are case-sensitive (`C` checksum vs `c` commit), so no lower-casing here.
      if (line.length >= 2 && line[1] === ':' && !fields.has(line[0]!)) fields.set(line[0]!, line.slice(2).trim());
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) continue;
    const license = fields.get('L');
    packages.push(
      osPackage({
        type: 'apk',
        name,
        version,
        arch: fields.get('A'),
        sourceName: fields.get('o') ?? name,
        sourceVersion: version,
        licenses: license ? [license] : undefined,
        path,
      }),
    );
  }
  return packages;
}

export const apkDetector: PackageDetector = {
  wants: (file: LayerFile) => file.path === INSTALLED_DB,
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({
    packages: parseApkInstalled(content.toString('utf8'), file.path),
  }),
};
