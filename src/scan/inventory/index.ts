// The scanner's package inventory: which layer files are worth reading, what each one says, and
// how the per-file findings of a whole image merge into one inventory.
//
//   wantsFile(file)            path/size/mode only -> does any detector want the bytes?
//   analyzeFile(file, bytes)   every wanting detector's findings for that one file
//   buildInventory(findings)   per path (last layer's copy) -> OS + de-duplicated packages
import type { FileFindings, Inventory, InventoryPackage, LayerFile, OsRelease } from '../types.js';
import { apkDetector } from './apk.js';
import { cargoDetector } from './cargo.js';
import { composerDetector } from './composer.js';
import { noFindings, type PackageDetector } from './detector.js';
import { dpkgDetector } from './dpkg.js';
import { goBinaryDetector } from './go-binary.js';
import { javaDetector } from './java.js';
import { npmDetector } from './npm.js';
import { OS_RELEASE_PATHS, osReleaseDetector } from './os-release.js';
import { retargetOsPackage } from './os-packages.js';
import { pythonDetector } from './python.js';
import { rpmDetector } from './rpm.js';
import { rubyDetector } from './ruby.js';

const DETECTORS: readonly PackageDetector[] = [
  osReleaseDetector,
  dpkgDetector,
  apkDetector,
  rpmDetector,
  npmDetector,
  pythonDetector,
  goBinaryDetector,
  javaDetector,
  cargoDetector,
  rubyDetector,
  composerDetector,
];

export function wantsFile(file: LayerFile): boolean {
  return DETECTORS.some((detector) => detector.wants(file));
}

export function analyzeFile(file: LayerFile, content: Buffer): FileFindings {
  const findings = noFindings();
  for (const detector of DETECTORS) {
    if (!detector.wants(file)) continue;
    try {
      const found = detector.analyze(file, content);
      findings.packages.push(...found.packages);
      if (found.osRelease) findings.osRelease = found.osRelease;
    } catch {
      // Detectors reject malformed input themselves; this only keeps a parser bug on hostile
      // bytes from failing the whole scan: the file then simply contributes nothing.
    }
  }
  return findings;
}

/** `etc/os-release` wins over `usr/lib/os-release` (os-release(5) lookup order). */
function chooseOsRelease(files: Map<string, FileFindings>): OsRelease | undefined {
  for (const path of OS_RELEASE_PATHS) {
    const osRelease = files.get(path)?.osRelease;
    if (osRelease) return osRelease;
  }
  return undefined;
}

export function buildInventory(files: Map<string, FileFindings>): Inventory {
  const os = chooseOsRelease(files);
  const seen = new Set<string>();
  const packages: InventoryPackage[] = [];
  for (const findings of files.values()) {
    for (const found of findings.packages) {
      const pkg = found.kind === 'os' ? retargetOsPackage(found, os) : found;
      const key = [pkg.ecosystem, pkg.name, pkg.version, pkg.path].join('\0');
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push(pkg);
    }
  }
  return os ? { os, packages } : { packages };
}
