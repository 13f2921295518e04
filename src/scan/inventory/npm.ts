// npm packages, from two sources:
//  - `package-lock.json` outside node_modules: lockfileVersion 2/3 list every installed package in
//    `packages` (keyed by install path, `""` being the project itself); version 1 nests them in
//    `dependencies`. The hidden `node_modules/.package-lock.json` is skipped: the installed
//    `package.json` files below say the same.
//  - `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json` at any
//    nesting depth: what is actually installed, lockfile or not.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import { baseName, type PackageDetector } from './detector.js';
import { isRecord, licenseList, parseJsonRecord, stringField, type JsonRecord } from './json.js';
import { languagePackage } from './language-package.js';

const INSTALLED_MANIFEST = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/.@][^/]*\/package\.json$/;
const NODE_MODULES_SEGMENT = 'node_modules/';

function isLockfile(path: string): boolean {
  return baseName(path) === 'package-lock.json' && !`/${path}`.includes(`/${NODE_MODULES_SEGMENT}`);
}

function npmPackage(name: string, version: string, path: string, license?: unknown): InventoryPackage {
  return languagePackage({ ecosystem: 'npm', name, version, path, licenses: licenseList(license) });
}

/**
 * The registry version a lock entry pins, or undefined for entries that did not come from the
 * registry (`file:`, git and tarball URLs). `npm:real@1.2.3` aliases name the real package.
 */
function registryVersion(name: string, version: string | undefined): { name: string; version: string } | undefined {
  if (!version) return undefined;
  const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(version);
  if (alias) return { name: alias[1]!, version: alias[2]! };
  return version.includes(':') || version.includes('/') ? undefined : { name, version };
}

/** v2/v3: `packages` keyed by install path; the key's last `node_modules/` segment is the name. */
function fromPackagesMap(packagesMap: JsonRecord, path: string): InventoryPackage[] {
  const packages: InventoryPackage[] = [];
  for (const [key, entry] of Object.entries(packagesMap)) {
    const at = key.lastIndexOf(NODE_MODULES_SEGMENT);
    // "" is the project; keys without node_modules/ are workspace sources; links point at those.
    if (at < 0 || !isRecord(entry) || entry['link'] === true) continue;
    const found = registryVersion(stringField(entry, 'name') ?? key.slice(at + NODE_MODULES_SEGMENT.length), stringField(entry, 'version'));
    if (found) packages.push(npmPackage(found.name, found.version, path, entry['license']));
  }
  return packages;
}

/** v1: `dependencies` nested to any depth; walked with a stack so deep nesting cannot overflow. */
function fromDependencyTree(dependencies: JsonRecord, path: string): InventoryPackage[] {
  const packages: InventoryPackage[] = [];
  const pending: JsonRecord[] = [dependencies];
  for (let tree = pending.pop(); tree; tree = pending.pop()) {
    for (const [name, entry] of Object.entries(tree)) {
      if (!isRecord(entry)) continue;
      const found = registryVersion(name, stringField(entry, 'version'));
      if (found) packages.push(npmPackage(found.name, found.version, path));
      if (isRecord(entry['dependencies'])) pending.push(entry['dependencies']);
    }
  }
  return packages;
}

function parsePackageLock(content: Buffer, path: string): InventoryPackage[] {
  const lock = parseJsonRecord(content);
  if (!lock) return [];
  if (isRecord(lock['packages'])) return fromPackagesMap(lock['packages'], path);
  if (isRecord(lock['dependencies'])) return fromDependencyTree(lock['dependencies'], path);
  return [];
}

function parseInstalledManifest(content: Buffer, path: string): InventoryPackage[] {
  const manifest = parseJsonRecord(content);
  const name = manifest && stringField(manifest, 'name');
  const version = manifest && stringField(manifest, 'version');
  return manifest && name && version ? [npmPackage(name, version, path, manifest['license'] ?? manifest['licenses'])] : [];
}

export const npmDetector: PackageDetector = {
  wants: (file: LayerFile) => isLockfile(file.path) || INSTALLED_MANIFEST.test(file.path),
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({
    packages: isLockfile(file.path) ? parsePackageLock(content, file.path) : parseInstalledManifest(content, file.path),
  }),
};
