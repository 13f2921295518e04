// Debian/Ubuntu packages from dpkg's database: `var/lib/dpkg/status` (one stanza per package,
// only `install ok installed` ones count) and distroless images' `var/lib/dpkg/status.d/<pkg>`
// files, which hold the stanza of one package each and may omit the Status field.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import type { PackageDetector } from './detector.js';
import { osPackage } from './os-packages.js';
import { headerFields, paragraphs } from './text.js';

const STATUS_FILE = 'var/lib/dpkg/status';
const STATUS_DIR_FILE = /^var\/lib\/dpkg\/status\.d\/[^/]+$/;

function isStatusDirEntry(path: string): boolean {
  // distroless keeps `<pkg>.md5sums` next to each stanza file.
  return STATUS_DIR_FILE.test(path) && !path.endsWith('.md5sums');
}

/** `Source: glibc (2.36-9+deb12u3)` names the source package and, when it differs, its version. */
function parseSource(field: string | undefined): { name?: string; version?: string } {
  const match = field ? /^(\S+)(?:\s+\(([^)]+)\))?/.exec(field) : null;
  return match ? { name: match[1], version: match[2] } : {};
}

function parseDpkgStatus(text: string, path: string, requireStatus: boolean): InventoryPackage[] {
  const packages: InventoryPackage[] = [];
  for (const stanza of paragraphs(text)) {
    const fields = headerFields(stanza, 'rfc822');
    const name = fields.get('package');
    const version = fields.get('version');
    const status = fields.get('status');
    if (!name || !version) continue;
    const installed = status === undefined ? !requireStatus : status.replace(/\s+/g, ' ') === 'install ok installed';
    if (!installed) continue;
    const source = parseSource(fields.get('source'));
    packages.push(
      osPackage({
        type: 'deb',
        name,
        version,
        arch: fields.get('architecture'),
        sourceName: source.name ?? name,
        sourceVersion: source.version ?? version,
        path,
      }),
    );
  }
  return packages;
}

export const dpkgDetector: PackageDetector = {
  wants: (file: LayerFile) => file.path === STATUS_FILE || isStatusDirEntry(file.path),
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({
    packages: parseDpkgStatus(content.toString('utf8'), file.path, file.path === STATUS_FILE),
  }),
};
