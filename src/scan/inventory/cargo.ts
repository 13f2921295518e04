// Rust crates from `Cargo.lock`: a TOML file of `[[package]]` tables with `name`, `version` and
// `source`. Read line by line rather than with a TOML parser: the lockfile is machine-written and
// only flat `key = "string"` pairs matter. Crates without a `source` are the workspace's own
// members, not published crates, so they are left out.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import { baseName, type PackageDetector } from './detector.js';
import { languagePackage } from './language-package.js';

function parseCargoLock(text: string, path: string): InventoryPackage[] {
  const packages: InventoryPackage[] = [];
  let table: Map<string, string> | undefined;
  const flush = (): void => {
    const name = table?.get('name');
    const version = table?.get('version');
    if (name && version && table?.has('source')) packages.push(languagePackage({ ecosystem: 'crates.io', name, version, path }));
  };
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) {
      flush();
      table = trimmed === '[[package]]' ? new Map() : undefined;
      continue;
    }
    const pair = /^([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(trimmed);
    if (table && pair && !table.has(pair[1]!)) table.set(pair[1]!, pair[2]!);
  }
  flush();
  return packages;
}

export const cargoDetector: PackageDetector = {
  wants: (file: LayerFile) => baseName(file.path) === 'Cargo.lock',
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({
    packages: parseCargoLock(content.toString('utf8'), file.path),
  }),
};
