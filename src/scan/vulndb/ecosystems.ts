// How an installed package and an OSV `affected[].package` come to share one lookup key. OSV names
// a distribution's packages per release (`Debian:12`, `Alpine:v3.18`, `Ubuntu:22.04:LTS`,
// `Red Hat:enterprise_linux:9::appstream`); an inventory knows the distribution and its
// os-release VERSION_ID. Both sides are reduced to the same key, so a record of another
// distribution or release can never be looked up for a package.
import type { InventoryPackage, OsRelease } from '../types.js';

/** The package name a distribution's advisories are keyed by. */
type AdvisoryName = 'source' | 'binary';

interface Distribution {
  /** The release part of the lookup key, from os-release VERSION_ID; undefined when it has none we know. */
  release(versionId: string): string | undefined;
  advisoryName: AdvisoryName;
}

const major = (versionId: string): string | undefined => /^(\d+)/.exec(versionId)?.[1];
const majorMinor = (versionId: string): string | undefined => /^(\d+\.\d+)/.exec(versionId)?.[1];

/**
 * Debian, Ubuntu and Alpine advisories name source packages (dpkg `Source:`, apk origin); the RPM
 * distributions' advisories name the binary RPMs. Red Hat's main stream is `enterprise_linux:N`;
 * its extended-support streams (`rhel_eus:9.2`) keep their own keys and match nothing, as the
 * packages of a plain RHEL image do not come from them.
 */
const DISTRIBUTIONS: ReadonlyMap<string, Distribution> = new Map<string, Distribution>([
  ['Debian', { release: major, advisoryName: 'source' }],
  ['Ubuntu', { release: majorMinor, advisoryName: 'source' }],
  ['Alpine', { release: (v) => withPrefix('v', majorMinor(v)), advisoryName: 'source' }],
  ['Red Hat', { release: (v) => withPrefix('enterprise_linux:', major(v)), advisoryName: 'binary' }],
  ['Rocky Linux', { release: major, advisoryName: 'binary' }],
  ['AlmaLinux', { release: major, advisoryName: 'binary' }],
]);

function withPrefix(prefix: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : prefix + value;
}

/** `Debian:12` -> `Debian`. */
export function ecosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

export function isDistribution(ecosystem: string): boolean {
  return DISTRIBUTIONS.has(ecosystemBase(ecosystem));
}

/**
 * The lookup key of an OSV ecosystem: `Ubuntu:22.04:LTS` -> `Ubuntu:22.04` (OSV marks LTS
 * releases, os-release does not), `Red Hat:enterprise_linux:9::baseos` -> `Red Hat:enterprise_linux:9`
 * (the repository a package came from is not in the rpm database). Others are kept as they are.
 */
export function ecosystemKey(ecosystem: string): string {
  const base = ecosystemBase(ecosystem);
  if (base === 'Ubuntu') return ecosystem.replace(/:LTS$/, '');
  if (base === 'Red Hat') {
    const streamEnd = ecosystem.indexOf('::');
    return streamEnd < 0 ? ecosystem : ecosystem.slice(0, streamEnd);
  }
  return ecosystem;
}

/** A package name as its ecosystem compares names: PyPI per PEP 503, Packagist case-insensitively. */
export function packageKey(ecosystem: string, name: string): string {
  switch (ecosystemBase(ecosystem)) {
    case 'PyPI':
      return name.toLowerCase().replace(/[-_.]+/g, '-');
    case 'Packagist':
      return name.toLowerCase();
    default:
      return name;
  }
}

export interface PackageLookup {
  ecosystemKey: string;
  packageKey: string;
  /** The version to evaluate: the source version where advisories name source packages. */
  version: string;
}

/**
 * Where the advisories about an installed package are filed, or undefined when they cannot be
 * (an OS package of a distribution OSV does not cover, or of an unknown release).
 */
export function lookupFor(pkg: InventoryPackage, os: OsRelease | undefined): PackageLookup | undefined {
  if (pkg.kind === 'language') {
    return { ecosystemKey: pkg.ecosystem, packageKey: packageKey(pkg.ecosystem, pkg.name), version: pkg.version };
  }
  const distribution = DISTRIBUTIONS.get(pkg.ecosystem);
  const release = distribution && os?.versionId !== undefined ? distribution.release(os.versionId) : undefined;
  if (!distribution || release === undefined) return undefined;
  // Without a recorded source the binary package is its own source (dpkg omits `Source:` then).
  const source = distribution.advisoryName === 'source' ? pkg.sourceName : undefined;
  return {
    ecosystemKey: `${pkg.ecosystem}:${release}`,
    packageKey: source ?? pkg.name,
    version: source !== undefined ? (pkg.sourceVersion ?? pkg.version) : pkg.version,
  };
}
