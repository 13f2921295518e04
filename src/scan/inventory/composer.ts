// PHP packages from `composer.lock`: the `packages` and `packages-dev` arrays, each entry with
// `name` (vendor/package), `version` and `license`.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import { baseName, type PackageDetector } from './detector.js';
import { isRecord, licenseList, parseJsonRecord, stringField } from './json.js';
import { languagePackage } from './language-package.js';

function parseComposerLock(content: Buffer, path: string): InventoryPackage[] {
  const lock = parseJsonRecord(content);
  if (!lock) return [];
  const packages: InventoryPackage[] = [];
  for (const section of ['packages', 'packages-dev']) {
    const entries = lock[section];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (!isRecord(entry)) continue;
      const name = stringField(entry, 'name');
      const version = stringField(entry, 'version');
      if (name && version) {
        packages.push(languagePackage({ ecosystem: 'Packagist', name, version, path, licenses: licenseList(entry['license']) }));
      }
    }
  }
  return packages;
}

export const composerDetector: PackageDetector = {
  wants: (file: LayerFile) => baseName(file.path) === 'composer.lock',
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({ packages: parseComposerLock(content, file.path) }),
};
