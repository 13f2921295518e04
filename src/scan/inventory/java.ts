// Java archives (`.jar`, `.war`, `.ear`): every `META-INF/maven/<group>/<artifact>/pom.properties`
// names one Maven artifact (a shaded jar holds several). An archive without any falls back to its
// `META-INF/MANIFEST.MF`. Archives inside archives (WEB-INF/lib, BOOT-INF/lib, an EAR's modules)
// are opened recursively, down to a fixed depth and within one inflated-bytes budget per outer
// file, so a zip bomb or a deep matryoshka costs bounded memory and time. Packages found before a
// limit is hit are kept; packages from nested archives carry the path `outer.war!/WEB-INF/lib/x.jar`.
import type { FileFindings, InventoryPackage, LayerFile } from '../types.js';
import type { PackageDetector } from './detector.js';
import { languagePackage } from './language-package.js';
import { headerFields, paragraphs } from './text.js';
import { listZipEntries, readZipEntry, ZIP_METHOD, type ZipEntry } from './zip.js';

const ARCHIVE = /\.(?:jar|war|ear)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const MANIFEST = 'META-INF/MANIFEST.MF';
/** Outer archive = depth 0; a jar in a jar in a war is depth 2. */
const MAX_NESTING_DEPTH = 3;
const MAX_INFLATED_BYTES = 128 * 1024 * 1024;
const MAX_NESTED_ARCHIVES = 2000;
const MAX_METADATA_BYTES = 1024 * 1024;

interface Budget {
  inflatedBytes: number;
  archives: number;
}

/** Java .properties, as far as Maven writes them: `key=value` / `key: value`, `#` and `!` comments. */
function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match) properties.set(match[1]!, match[2]!);
  }
  return properties;
}

function mavenPackage(group: string | undefined, artifact: string, version: string, path: string): InventoryPackage {
  return languagePackage({
    ecosystem: 'Maven',
    name: group ? `${group}:${artifact}` : artifact,
    version,
    path,
    purlNamespace: group,
    purlName: artifact,
  });
}

function fromPomProperties(text: string, path: string): InventoryPackage | undefined {
  const properties = parseProperties(text);
  const group = properties.get('groupId');
  const artifact = properties.get('artifactId');
  const version = properties.get('version');
  return group && artifact && version ? mavenPackage(group, artifact, version, path) : undefined;
}

/**
 * A best effort for jars built without Maven metadata: the title (or OSGi symbolic name, without
 * its `;directives`) as artifact, the vendor id as group when there is one.
 */
function fromManifest(text: string, path: string): InventoryPackage | undefined {
  const main = paragraphs(text)[0];
  if (!main) return undefined;
  const fields = headerFields(main, 'jar-manifest');
  const artifact = fields.get('implementation-title') ?? fields.get('bundle-symbolicname')?.split(';')[0]?.trim();
  const version = fields.get('implementation-version') ?? fields.get('bundle-version');
  if (!artifact || !version) return undefined;
  return mavenPackage(fields.get('implementation-vendor-id'), artifact, version, path);
}

/**
 * Inflating costs the budget what it produced, and a failed inflate costs its whole limit: that is
 * the work a bomb made us do, and charging it stops the next bomb entry from starting afresh.
 */
function readCharged(zip: Buffer, entry: ZipEntry, limit: number, budget: Budget): Buffer | undefined {
  const allowed = Math.min(limit, budget.inflatedBytes);
  const content = readZipEntry(zip, entry, allowed);
  if (entry.method !== ZIP_METHOD.STORED) budget.inflatedBytes -= content ? content.length : allowed;
  return content;
}

function scanArchive(zip: Buffer, path: string, depth: number, budget: Budget): InventoryPackage[] {
  const entries = listZipEntries(zip);
  if (!entries) return [];
  const packages: InventoryPackage[] = [];
  for (const entry of entries.filter((candidate) => POM_PROPERTIES.test(candidate.name))) {
    const text = readCharged(zip, entry, MAX_METADATA_BYTES, budget)?.toString('utf8');
    const pkg = text === undefined ? undefined : fromPomProperties(text, path);
    if (pkg) packages.push(pkg);
  }
  if (packages.length === 0) {
    const manifest = entries.find((candidate) => candidate.name === MANIFEST);
    const text = manifest && readCharged(zip, manifest, MAX_METADATA_BYTES, budget)?.toString('utf8');
    const pkg = text ? fromManifest(text, path) : undefined;
    if (pkg) packages.push(pkg);
  }
  if (depth >= MAX_NESTING_DEPTH) return packages;
  for (const entry of entries.filter((candidate) => ARCHIVE.test(candidate.name))) {
    if (budget.archives <= 0 || budget.inflatedBytes <= 0) break;
    budget.archives--;
    const nested = readCharged(zip, entry, budget.inflatedBytes, budget);
    if (nested) packages.push(...scanArchive(nested, `${path}!/${entry.name}`, depth + 1, budget));
  }
  return packages;
}

function parseJavaArchive(content: Buffer, path: string): InventoryPackage[] {
  return scanArchive(content, path, 0, { inflatedBytes: MAX_INFLATED_BYTES, archives: MAX_NESTED_ARCHIVES });
}

export const javaDetector: PackageDetector = {
  wants: (file: LayerFile) => ARCHIVE.test(file.path),
  analyze: (file: LayerFile, content: Buffer): FileFindings => ({ packages: parseJavaArchive(content, file.path) }),
};
