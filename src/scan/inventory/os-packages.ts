// What the three OS package managers share. A package database does not say which distribution
// it belongs to (dpkg is Debian's and Ubuntu's, rpm is every RHEL rebuild's), so detectors emit a
// provisional ecosystem and purl namespace, and buildInventory re-targets them from os-release.
import type { InventoryPackage, OsRelease } from '../types.js';
import { formatPurl, parsePurl } from './purl.js';

export type OsPurlType = 'deb' | 'apk' | 'rpm';

/** Until os-release says otherwise, each package manager is taken to be its reference distribution. */
const PROVISIONAL: Record<OsPurlType, { ecosystem: string; namespace: string }> = {
  deb: { ecosystem: 'Debian', namespace: 'debian' },
  apk: { ecosystem: 'Alpine', namespace: 'alpine' },
  rpm: { ecosystem: 'Red Hat', namespace: 'redhat' },
};

/** os-release ID -> OSV ecosystem. */
const OS_ECOSYSTEMS: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  alpine: 'Alpine',
  rhel: 'Red Hat',
  rocky: 'Rocky Linux',
  almalinux: 'AlmaLinux',
};

/** purl namespaces that differ from the os-release ID. */
const PURL_NAMESPACES: Record<string, string> = { rhel: 'redhat' };

export interface OsPackageFields {
  type: OsPurlType;
  name: string;
  /** The version as the package manager prints it; for rpm `[epoch:]version-release`. */
  version: string;
  arch?: string;
  sourceName?: string;
  sourceVersion?: string;
  licenses?: string[];
  path: string;
}

export function osPackage(fields: OsPackageFields): InventoryPackage {
  const { type, name, version, arch, path } = fields;
  const provisional = PROVISIONAL[type];
  // rpm purls carry the epoch as a qualifier, not inside the version.
  const epochMatch = type === 'rpm' ? /^(\d+):(.*)$/.exec(version) : null;
  const purl = formatPurl({
    type,
    namespace: provisional.namespace,
    name,
    version: epochMatch ? epochMatch[2]! : version,
    qualifiers: { arch, epoch: epochMatch?.[1] },
  });
  const pkg: InventoryPackage = { name, version, ecosystem: provisional.ecosystem, kind: 'os', path, purl };
  if (arch) pkg.arch = arch;
  if (fields.sourceName) pkg.sourceName = fields.sourceName;
  if (fields.sourceVersion) pkg.sourceVersion = fields.sourceVersion;
  if (fields.licenses && fields.licenses.length > 0) pkg.licenses = fields.licenses;
  return pkg;
}

/**
 * The OSV ecosystem for a distribution: its own ID, else the first ID_LIKE that is known (a
 * derivative such as CentOS is matched against its parent), else undefined.
 */
export function osEcosystem(os: OsRelease): string | undefined {
  for (const id of [os.id, ...os.idLike]) {
    const ecosystem = OS_ECOSYSTEMS[id];
    if (ecosystem) return ecosystem;
  }
  return undefined;
}

/**
 * Re-targets an OS package at the image's distribution. An os-release that maps to no known
 * ecosystem (Fedora, openSUSE) keeps its own ID as the ecosystem, so no advisory of another
 * distribution can match it; without any os-release the provisional guess stands.
 */
export function retargetOsPackage(pkg: InventoryPackage, os: OsRelease | undefined): InventoryPackage {
  if (!os) return pkg;
  const purl = parsePurl(pkg.purl);
  const release = os.versionId ?? os.versionCodename;
  const retargeted: InventoryPackage = { ...pkg, ecosystem: osEcosystem(os) ?? os.id };
  if (purl) {
    retargeted.purl = formatPurl({
      ...purl,
      namespace: PURL_NAMESPACES[os.id] ?? os.id,
      qualifiers: { ...purl.qualifiers, distro: release ? `${os.id}-${release}` : os.id },
    });
  }
  return retargeted;
}
