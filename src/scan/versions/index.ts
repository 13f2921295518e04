// One entry point for version order: which scheme an OSV ecosystem uses, and a comparator per
// scheme. Each scheme lives in its own module as a pair of pure functions.
import type { VersionScheme } from '../types.js';
import * as apk from './apk.js';
import * as composer from './composer.js';
import * as dpkg from './dpkg.js';
import * as go from './go.js';
import * as maven from './maven.js';
import * as pep440 from './pep440.js';
import * as rpm from './rpm.js';
import * as rubygems from './rubygems.js';
import * as semver from './semver.js';

export interface VersionOrder {
  /** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. */
  compare(a: string, b: string): number;
  /** Whether the ecosystem's own tools accept the string as a version. */
  isValid(version: string): boolean;
}

const ORDERS: Readonly<Record<VersionScheme, VersionOrder>> = {
  dpkg,
  apk,
  rpm,
  semver,
  go,
  pep440,
  maven,
  rubygems,
  composer,
};

/** OSV ecosystem names (lower-cased) and the order their versions follow. */
const ECOSYSTEM_SCHEMES: ReadonlyMap<string, VersionScheme> = new Map([
  ['debian', 'dpkg'],
  ['ubuntu', 'dpkg'],
  ['alpine', 'apk'],
  ['wolfi', 'apk'],
  ['chainguard', 'apk'],
  ['red hat', 'rpm'],
  ['rocky linux', 'rpm'],
  ['almalinux', 'rpm'],
  ['opensuse', 'rpm'],
  ['suse', 'rpm'],
  ['mageia', 'rpm'],
  ['openeuler', 'rpm'],
  ['npm', 'semver'],
  ['crates.io', 'semver'],
  ['go', 'go'],
  ['pypi', 'pep440'],
  ['maven', 'maven'],
  ['rubygems', 'rubygems'],
  ['packagist', 'composer'],
]);

export function compareVersions(scheme: VersionScheme, a: string, b: string): number {
  return ORDERS[scheme].compare(a, b);
}

export function isValidVersion(scheme: VersionScheme, version: string): boolean {
  return ORDERS[scheme].isValid(version);
}

/**
 * The scheme for an OSV ecosystem, with or without its release suffix
 * (`Debian:12`, `Alpine:v3.18`, `Red Hat:enterprise_linux:9::appstream`).
 */
export function schemeForEcosystem(ecosystem: string): VersionScheme | undefined {
  const name = ecosystem.split(':', 1)[0]!.trim().toLowerCase();
  return ECOSYSTEM_SCHEMES.get(name);
}
