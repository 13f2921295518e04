// Tables for OSV affected-range evaluation: which installed versions an affected[] entry contains,
// and the fix it names, across the version orders distributions and language ecosystems use.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAffected, matchAffected, type AffectedVersions, type RangeEvent, type RangeEventKind, type VersionRange } from '../../src/scan/vulndb/affected.js';
import type { VersionScheme } from '../../src/scan/types.js';

type Event = [RangeEventKind, string];

const events = (list: Event[]): RangeEvent[] => list.map(([kind, version]) => ({ kind, version }));
const ecosystem = (...list: Event[]): VersionRange => ({ type: 'ECOSYSTEM', events: events(list) });
const semver = (...list: Event[]): VersionRange => ({ type: 'SEMVER', events: events(list) });
const git = (...list: Event[]): VersionRange => ({ type: 'GIT', events: events(list) });
const entry = (ranges: VersionRange[], versions: string[] = []): AffectedVersions => ({ ranges, versions });

interface Case {
  name: string;
  affected: AffectedVersions;
  scheme: VersionScheme;
  version: string;
  /** undefined: not affected; otherwise the fix the match names ('' for none). */
  fixed: string | undefined;
}

const GLIBC = entry([ecosystem(['introduced', '0'], ['fixed', '2.36-9+deb12u4'])]);
const ZLIB = entry([ecosystem(['introduced', '0'], ['fixed', '1:1.2.13.dfsg-1'])]);
const OPENSSL_BACKPORT = entry([ecosystem(['introduced', '0'], ['fixed', '3.0.13-1~deb12u1'])]);
const LAST_AFFECTED = entry([ecosystem(['introduced', '0'], ['last_affected', '2.4-3'])]);
const TWO_RANGES = entry([ecosystem(['introduced', '0'], ['fixed', '1.0-1']), ecosystem(['introduced', '2.0-1'], ['fixed', '2.3-1'])]);
// One range with two affected spans, listed out of order as some databases do.
const TWO_SPANS = entry([ecosystem(['introduced', '2.0-1'], ['fixed', '2.3-1'], ['introduced', '0'], ['fixed', '1.0-1'])]);
const LIMITED = entry([ecosystem(['introduced', '0'], ['limit', '3.0'])]);
const UBUNTU_LISTED = entry([], ['1.1.1f-1ubuntu2.23', '1.1.1f-1ubuntu2.24']);
const LODASH = entry([semver(['introduced', '0'], ['fixed', '4.17.21'])]);
const LOG4J = entry([
  ecosystem(['introduced', '2.13.0'], ['fixed', '2.15.0']),
  ecosystem(['introduced', '2.0-beta9'], ['fixed', '2.3.1']),
  ecosystem(['introduced', '2.4'], ['fixed', '2.12.2']),
]);

const CASES: Case[] = [
  // dpkg
  { name: 'dpkg: below the fix', affected: GLIBC, scheme: 'dpkg', version: '2.36-9+deb12u3', fixed: '2.36-9+deb12u4' },
  { name: 'dpkg: at the fix', affected: GLIBC, scheme: 'dpkg', version: '2.36-9+deb12u4', fixed: undefined },
  { name: 'dpkg: revision compared numerically (u10 > u4)', affected: GLIBC, scheme: 'dpkg', version: '2.36-9+deb12u10', fixed: undefined },
  { name: 'dpkg: fixed in an earlier upstream version', affected: GLIBC, scheme: 'dpkg', version: '2.37-1', fixed: undefined },
  { name: 'dpkg epoch: no epoch is epoch 0, below the fix', affected: ZLIB, scheme: 'dpkg', version: '1.2.13.dfsg-9', fixed: '1:1.2.13.dfsg-1' },
  { name: 'dpkg epoch: at the fix', affected: ZLIB, scheme: 'dpkg', version: '1:1.2.13.dfsg-1', fixed: undefined },
  { name: 'dpkg epoch: higher epoch wins over a lower upstream', affected: ZLIB, scheme: 'dpkg', version: '2:0.1-1', fixed: undefined },
  { name: 'dpkg ~: older backport is affected', affected: OPENSSL_BACKPORT, scheme: 'dpkg', version: '3.0.11-1~deb12u2', fixed: '3.0.13-1~deb12u1' },
  { name: 'dpkg ~: the release after the backport is fixed', affected: OPENSSL_BACKPORT, scheme: 'dpkg', version: '3.0.13-1', fixed: undefined },
  { name: 'dpkg ~: a ~rc sorts before its release', affected: entry([ecosystem(['introduced', '0'], ['fixed', '1.0-1'])]), scheme: 'dpkg', version: '1.0~rc1-1', fixed: '1.0-1' },
  { name: 'unfixed: introduced 0 only', affected: entry([ecosystem(['introduced', '0'])]), scheme: 'dpkg', version: '2.36-9+deb12u9', fixed: '' },
  { name: 'below introduced', affected: entry([ecosystem(['introduced', '2.0-1'], ['fixed', '2.5-1'])]), scheme: 'dpkg', version: '1.9-1', fixed: undefined },
  { name: 'at introduced', affected: entry([ecosystem(['introduced', '2.0-1'], ['fixed', '2.5-1'])]), scheme: 'dpkg', version: '2.0-1', fixed: '2.5-1' },
  { name: 'last_affected is inclusive', affected: LAST_AFFECTED, scheme: 'dpkg', version: '2.4-3', fixed: '' },
  { name: 'after last_affected', affected: LAST_AFFECTED, scheme: 'dpkg', version: '2.4-4', fixed: undefined },
  { name: 'two ranges: inside the second', affected: TWO_RANGES, scheme: 'dpkg', version: '2.1-1', fixed: '2.3-1' },
  { name: 'two ranges: between them', affected: TWO_RANGES, scheme: 'dpkg', version: '1.5-1', fixed: undefined },
  { name: 'unsorted events: first span', affected: TWO_SPANS, scheme: 'dpkg', version: '0.5-1', fixed: '1.0-1' },
  { name: 'unsorted events: between spans', affected: TWO_SPANS, scheme: 'dpkg', version: '1.5-1', fixed: undefined },
  { name: 'unsorted events: second span', affected: TWO_SPANS, scheme: 'dpkg', version: '2.2-1', fixed: '2.3-1' },
  { name: 'limit: below it', affected: LIMITED, scheme: 'dpkg', version: '2.9', fixed: '' },
  { name: 'limit: at or above it', affected: LIMITED, scheme: 'dpkg', version: '3.0', fixed: undefined },
  { name: 'limit *: unbounded', affected: entry([ecosystem(['introduced', '0'], ['limit', '*'])]), scheme: 'dpkg', version: '99.0', fixed: '' },
  { name: 'a range with no introduced event affects nothing', affected: entry([ecosystem(['fixed', '1.0'])]), scheme: 'dpkg', version: '0.5', fixed: undefined },
  { name: 'no ranges and no versions affects nothing', affected: entry([]), scheme: 'dpkg', version: '1.0', fixed: undefined },
  // versions lists
  { name: 'versions list: listed', affected: UBUNTU_LISTED, scheme: 'dpkg', version: '1.1.1f-1ubuntu2.23', fixed: '' },
  { name: 'versions list: not listed', affected: UBUNTU_LISTED, scheme: 'dpkg', version: '1.1.1f-1ubuntu2.25', fixed: undefined },
  { name: 'versions list: exact strings only', affected: entry([], ['1.0']), scheme: 'semver', version: '1.0.0', fixed: undefined },
  {
    name: 'versions list and a range: the range names the fix',
    affected: entry([ecosystem(['introduced', '0'], ['fixed', '1.1.1f-1ubuntu2.24+esm2'])], ['1.1.1f-1ubuntu2.23']),
    scheme: 'dpkg',
    version: '1.1.1f-1ubuntu2.23',
    fixed: '1.1.1f-1ubuntu2.24+esm2',
  },
  // GIT ranges
  { name: 'GIT ranges are ignored', affected: entry([git(['introduced', '0'], ['fixed', 'a1b2c3d'])]), scheme: 'semver', version: '1.0.0', fixed: undefined },
  {
    name: 'GIT beside ECOSYSTEM: the ECOSYSTEM range decides',
    affected: entry([git(['introduced', '0']), ecosystem(['introduced', '0'], ['fixed', '1.2.0'])]),
    scheme: 'semver',
    version: '1.3.0',
    fixed: undefined,
  },
  // SEMVER ranges and language ecosystems
  { name: 'SEMVER: below the fix', affected: LODASH, scheme: 'semver', version: '4.17.20', fixed: '4.17.21' },
  { name: 'SEMVER: at the fix', affected: LODASH, scheme: 'semver', version: '4.17.21', fixed: undefined },
  { name: 'SEMVER: a pre-release of the fix is affected', affected: entry([semver(['introduced', '0'], ['fixed', '2.0.0'])]), scheme: 'semver', version: '2.0.0-beta.1', fixed: '2.0.0' },
  { name: 'SEMVER in Go: the installed v prefix is ignored', affected: entry([semver(['introduced', '0'], ['fixed', '0.17.0'])]), scheme: 'go', version: 'v0.15.0', fixed: '0.17.0' },
  { name: 'SEMVER in Go: at the fix', affected: entry([semver(['introduced', '0'], ['fixed', '0.17.0'])]), scheme: 'go', version: 'v0.17.0', fixed: undefined },
  { name: 'PEP 440: a release candidate of the fix is affected', affected: entry([ecosystem(['introduced', '2.3.0'], ['fixed', '2.31.0'])]), scheme: 'pep440', version: '2.31.0rc1', fixed: '2.31.0' },
  { name: 'PEP 440: a post release of the fix is not', affected: entry([ecosystem(['introduced', '0'], ['fixed', '1.0'])]), scheme: 'pep440', version: '1.0.post1', fixed: undefined },
  { name: 'apk: an older package release', affected: entry([ecosystem(['introduced', '0'], ['fixed', '3.1.4-r1'])]), scheme: 'apk', version: '3.1.4-r0', fixed: '3.1.4-r1' },
  { name: 'apk: a newer package release', affected: entry([ecosystem(['introduced', '0'], ['fixed', '3.1.4-r1'])]), scheme: 'apk', version: '3.1.4-r5', fixed: undefined },
  { name: 'rpm: epoch and release', affected: entry([ecosystem(['introduced', '0'], ['fixed', '1:3.0.7-27.el9'])]), scheme: 'rpm', version: '1:3.0.7-25.el9', fixed: '1:3.0.7-27.el9' },
  { name: 'maven: several spans, inside the newest', affected: LOG4J, scheme: 'maven', version: '2.14.1', fixed: '2.15.0' },
  { name: 'maven: several spans, inside a beta span', affected: LOG4J, scheme: 'maven', version: '2.1', fixed: '2.3.1' },
  { name: 'maven: between spans (2.12.2 backport)', affected: LOG4J, scheme: 'maven', version: '2.12.2', fixed: undefined },
  { name: 'maven: after every span', affected: LOG4J, scheme: 'maven', version: '2.17.1', fixed: undefined },
  {
    name: 'of two containing ranges the one naming a fix is preferred',
    affected: entry([ecosystem(['introduced', '0']), ecosystem(['introduced', '0'], ['fixed', '1.5'])]),
    scheme: 'semver',
    version: '1.0.0',
    fixed: '1.5',
  },
];

describe('OSV affected ranges', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const match = matchAffected(c.affected, c.version, c.scheme);
      assert.equal(isAffected(c.affected, c.version, c.scheme), c.fixed !== undefined);
      if (c.fixed === undefined) assert.equal(match, undefined);
      else assert.equal(match?.fixedVersion ?? '', c.fixed);
    });
  }
});
