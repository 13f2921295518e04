// /etc/os-release and /usr/lib/os-release (os-release(5)): shell-style KEY=value lines naming the
// distribution. Which one wins when both exist is decided in buildInventory, not here.
import type { FileFindings, LayerFile, OsRelease } from '../types.js';
import { noFindings, type PackageDetector } from './detector.js';

export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'] as const;

/** One value with the quoting os-release allows: "double" (with \ escapes), 'single' or bare. */
function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}

export function parseOsRelease(text: string): OsRelease | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) fields.set(match[1]!, unquote(match[2]!));
  }
  const id = fields.get('ID')?.toLowerCase();
  if (!id) return undefined;
  const release: OsRelease = {
    id,
    idLike: (fields.get('ID_LIKE') ?? '').toLowerCase().split(/\s+/).filter(Boolean),
  };
  const versionId = fields.get('VERSION_ID');
  const versionCodename = fields.get('VERSION_CODENAME');
  const prettyName = fields.get('PRETTY_NAME');
  if (versionId) release.versionId = versionId;
  if (versionCodename) release.versionCodename = versionCodename;
  if (prettyName) release.prettyName = prettyName;
  return release;
}

export const osReleaseDetector: PackageDetector = {
  wants: (file: LayerFile) => (OS_RELEASE_PATHS as readonly string[]).includes(file.path),
  analyze(_file: LayerFile, content: Buffer): FileFindings {
    const osRelease = parseOsRelease(content.toString('utf8'));
    return osRelease ? { packages: [], osRelease } : noFindings();
  },
};
