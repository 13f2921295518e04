// `wharf scan-db` end to end in child processes, on the metadata database of a data directory
// (SQLite; PostgreSQL in the PostgreSQL pass, WHARF_TEST_POSTGRES): import OSV records from a JSON
// array, single files, a zip archive and a directory tree; re-import without change; replace and
// withdraw records; and match inventories against what was imported.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { Inventory, InventoryPackage } from '../../src/scan/types.js';
import type { Finding, ImportReport, VulnerabilityDbStatus } from '../../src/scan/vulndb/index.js';
import { makeTempDir, runWharf } from '../helpers/server.js';

type Osv = Record<string, unknown>;

const ecosystemRange = (...events: Record<string, string>[]) => [{ type: 'ECOSYSTEM', events }];
const semverRange = (...events: Record<string, string>[]) => [{ type: 'SEMVER', events }];

const LOONEY_TUNABLES: Osv = {
  schema_version: '1.6.0',
  id: 'DEBIAN-CVE-2023-4911',
  upstream: ['CVE-2023-4911'],
  modified: '2024-09-18T04:33:46.470Z',
  published: '2023-10-03T18:15:10Z',
  details: 'A buffer overflow was discovered in the GNU C Library\'s dynamic loader ld.so while processing the GLIBC_TUNABLES environment variable.',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' }],
  affected: [
    {
      package: { name: 'glibc', ecosystem: 'Debian:11', purl: 'pkg:deb/debian/glibc?arch=source' },
      ranges: ecosystemRange({ introduced: '0' }, { fixed: '2.31-13+deb11u7' }),
      ecosystem_specific: { urgency: 'not yet assigned' },
    },
    {
      package: { name: 'glibc', ecosystem: 'Debian:12', purl: 'pkg:deb/debian/glibc?arch=source' },
      ranges: ecosystemRange({ introduced: '0' }, { fixed: '2.36-9+deb12u3' }),
      ecosystem_specific: { urgency: 'high' },
    },
  ],
  references: [{ type: 'ADVISORY', url: 'https://security-tracker.debian.org/tracker/CVE-2023-4911' }],
};

/** Unfixed and rated unimportant in bookworm. */
const GLOB_DOS: Osv = {
  id: 'DEBIAN-CVE-2010-4756',
  upstream: ['CVE-2010-4756'],
  modified: '2024-09-03T02:45:13Z',
  published: '2011-03-02T20:00:01Z',
  details: 'The glob implementation in the GNU C Library allows remote authenticated users to cause a denial of service via crafted glob expressions.',
  affected: [
    {
      package: { name: 'glibc', ecosystem: 'Debian:12' },
      ranges: ecosystemRange({ introduced: '0' }),
      ecosystem_specific: { urgency: 'unimportant' },
    },
  ],
  references: [{ type: 'ADVISORY', url: 'https://security-tracker.debian.org/tracker/CVE-2010-4756' }],
};

/** Only bullseye is affected: a bookworm image must not match it. */
const BULLSEYE_ONLY: Osv = {
  id: 'DEBIAN-CVE-2021-3999',
  upstream: ['CVE-2021-3999'],
  modified: '2024-09-03T02:51:32Z',
  details: 'A flaw was found in glibc. An off-by-one buffer overflow and underflow in getcwd() may lead to memory corruption.',
  affected: [{ package: { name: 'glibc', ecosystem: 'Debian:11' }, ranges: ecosystemRange({ introduced: '0' }), ecosystem_specific: { urgency: 'not yet assigned' } }],
};

/** zlib carries epoch 1 in Debian. */
const MINIZIP: Osv = {
  id: 'DEBIAN-CVE-2023-45853',
  upstream: ['CVE-2023-45853'],
  modified: '2024-09-18T04:40:31Z',
  published: '2023-10-14T02:15:09Z',
  details: 'MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_64.',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
  affected: [
    {
      package: { name: 'zlib', ecosystem: 'Debian:12' },
      ranges: ecosystemRange({ introduced: '0' }, { fixed: '1:1.2.13.dfsg-3' }),
      ecosystem_specific: { urgency: 'not yet assigned' },
    },
  ],
};

/** The same package name in Ubuntu: never a match for a Debian image. */
const UBUNTU_LOONEY_TUNABLES: Osv = {
  id: 'UBUNTU-CVE-2023-4911',
  upstream: ['CVE-2023-4911'],
  modified: '2024-06-12T13:31:35Z',
  published: '2023-10-03T17:00:00Z',
  details: "A buffer overflow was discovered in the GNU C Library's dynamic loader ld.so.",
  severity: [
    { type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' },
    { type: 'Ubuntu', score: 'high' },
  ],
  affected: [
    {
      package: { name: 'glibc', ecosystem: 'Ubuntu:22.04:LTS', purl: 'pkg:deb/ubuntu/glibc@2.35-0ubuntu3.4?arch=source&distro=jammy' },
      ranges: ecosystemRange({ introduced: '0' }, { fixed: '2.35-0ubuntu3.4' }),
      versions: ['2.35-0ubuntu3', '2.35-0ubuntu3.1', '2.35-0ubuntu3.3'],
    },
  ],
  references: [{ type: 'REPORT', url: 'https://ubuntu.com/security/CVE-2023-4911' }],
};

const LODASH: Osv = {
  id: 'GHSA-jf85-cpcp-j695',
  aliases: ['CVE-2019-10744'],
  modified: '2023-11-08T04:00:23.557Z',
  published: '2019-07-10T19:45:23Z',
  summary: 'Prototype Pollution in lodash',
  details: 'Versions of lodash lower than 4.17.12 are vulnerable to Prototype Pollution.',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H' }],
  affected: [{ package: { ecosystem: 'npm', name: 'lodash', purl: 'pkg:npm/lodash' }, ranges: semverRange({ introduced: '0' }, { fixed: '4.17.12' }) }],
  references: [
    { type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2019-10744' },
    { type: 'PACKAGE', url: 'https://github.com/lodash/lodash' },
  ],
  database_specific: { severity: 'CRITICAL', github_reviewed: true },
};

const REQUESTS: Osv = {
  id: 'GHSA-j8r2-6x86-q33q',
  aliases: ['CVE-2023-32681', 'PYSEC-2023-74'],
  modified: '2024-06-21T21:55:33Z',
  published: '2023-05-22T20:36:32Z',
  summary: 'Unintended leak of Proxy-Authorization header in requests',
  details: 'Requests is a HTTP library. Since Requests 2.3.0, Requests has been leaking Proxy-Authorization headers to destination servers when redirected to an HTTPS endpoint.',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N' }],
  affected: [{ package: { ecosystem: 'PyPI', name: 'requests' }, ranges: ecosystemRange({ introduced: '2.3.0' }, { fixed: '2.31.0' }) }],
  references: [{ type: 'ADVISORY', url: 'https://github.com/psf/requests/security/advisories/GHSA-j8r2-6x86-q33q' }],
  database_specific: { severity: 'MODERATE' },
};

/** Go's vulnerability database rates nothing. */
const RAPID_RESET: Osv = {
  id: 'GO-2023-2102',
  aliases: ['CVE-2023-39325', 'GHSA-4374-p667-p6c8'],
  modified: '2024-05-20T20:15:16Z',
  published: '2023-10-11T22:14:45Z',
  summary: 'HTTP/2 rapid reset can cause excessive work in net/http',
  details: 'A malicious HTTP/2 client which rapidly creates requests and immediately resets them can cause excessive server resource consumption.',
  affected: [
    { package: { name: 'golang.org/x/net', ecosystem: 'Go' }, ranges: semverRange({ introduced: '0' }, { fixed: '0.17.0' }), ecosystem_specific: { imports: [{ path: 'golang.org/x/net/http2' }] } },
    { package: { name: 'golang.org/x/net', ecosystem: 'Go' }, ranges: [{ type: 'GIT', repo: 'https://go.googlesource.com/net', events: [{ introduced: '0' }, { fixed: 'b225e7ca6dde1ef5a5ae5ce922861bda011cfabd' }] }] },
  ],
  references: [{ type: 'REPORT', url: 'https://go.dev/issue/63417' }],
};

const LOG4SHELL: Osv = {
  id: 'GHSA-jfh8-c2jp-5v3q',
  aliases: ['CVE-2021-44228'],
  modified: '2024-07-24T21:32:33Z',
  published: '2021-12-10T00:40:56Z',
  summary: 'Remote code injection in Log4j',
  details: 'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP and other JNDI related endpoints.',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }],
  affected: [
    {
      package: { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core' },
      ranges: [
        { type: 'ECOSYSTEM', events: [{ introduced: '2.13.0' }, { fixed: '2.15.0' }] },
        { type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.3.1' }] },
        { type: 'ECOSYSTEM', events: [{ introduced: '2.4' }, { fixed: '2.12.2' }] },
      ],
    },
  ],
  references: [{ type: 'ADVISORY', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44228' }],
  database_specific: { severity: 'CRITICAL' },
};

/** Withdrawn before it was ever imported. */
const WITHDRAWN_LODASH: Osv = {
  id: 'GHSA-x5rq-j2xg-h7qm',
  modified: '2023-02-01T00:00:00Z',
  withdrawn: '2023-01-31T00:00:00Z',
  summary: 'Duplicate advisory: lodash prototype pollution',
  affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: semverRange({ introduced: '0' }) }],
};

const FIRST_SET = [LOONEY_TUNABLES, GLOB_DOS, BULLSEYE_ONLY, MINIZIP, UBUNTU_LOONEY_TUNABLES, LODASH, REQUESTS, RAPID_RESET, LOG4SHELL, WITHDRAWN_LODASH];
const NEWEST_MODIFIED = Date.parse('2024-09-18T04:40:31Z');

function pkg(fields: Partial<InventoryPackage> & Pick<InventoryPackage, 'name' | 'version' | 'ecosystem' | 'kind'>): InventoryPackage {
  return { path: fields.kind === 'os' ? 'var/lib/dpkg/status' : `app/${fields.name}`, purl: `pkg:generic/${fields.name}@${fields.version}`, ...fields };
}

const LIBC6 = pkg({ name: 'libc6', version: '2.36-9+deb12u2', ecosystem: 'Debian', kind: 'os', sourceName: 'glibc', sourceVersion: '2.36-9+deb12u2', arch: 'amd64' });
const LIBC_BIN = pkg({ name: 'libc-bin', version: '2.36-9+deb12u2', ecosystem: 'Debian', kind: 'os', sourceName: 'glibc', sourceVersion: '2.36-9+deb12u2', arch: 'amd64' });
const ZLIB1G = pkg({ name: 'zlib1g', version: '1:1.2.13.dfsg-1', ecosystem: 'Debian', kind: 'os', sourceName: 'zlib' });
const BASH = pkg({ name: 'bash', version: '5.2.15-2+b2', ecosystem: 'Debian', kind: 'os' });
const LODASH_PKG = pkg({ name: 'lodash', version: '4.17.11', ecosystem: 'npm', kind: 'language' });
const REQUESTS_PKG = pkg({ name: 'Requests', version: '2.28.1', ecosystem: 'PyPI', kind: 'language' });
const X_NET = pkg({ name: 'golang.org/x/net', version: 'v0.15.0', ecosystem: 'Go', kind: 'language' });
const LOG4J = pkg({ name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1', ecosystem: 'Maven', kind: 'language' });

const BOOKWORM: Inventory = {
  os: { id: 'debian', versionId: '12', versionCodename: 'bookworm', idLike: [] },
  packages: [LIBC6, LIBC_BIN, ZLIB1G, BASH, LODASH_PKG, REQUESTS_PKG, X_NET, LOG4J],
};

const JAMMY_LIBC6 = pkg({ name: 'libc6', version: '2.35-0ubuntu3.1', ecosystem: 'Ubuntu', kind: 'os', sourceName: 'glibc' });
const JAMMY: Inventory = { os: { id: 'ubuntu', versionId: '22.04', idLike: ['debian'] }, packages: [JAMMY_LIBC6] };

/** What identifies a finding in these assertions; the complete shape is checked once on its own. */
const brief = (f: Finding) => ({ package: f.package.name, id: f.id, severity: f.severity, fixedVersion: f.fixedVersion, cvssScore: f.cvssScore });
const sortBrief = (list: ReturnType<typeof brief>[]) => list.sort((a, b) => `${a.package} ${a.id}`.localeCompare(`${b.package} ${b.id}`));

const BOOKWORM_FINDINGS = sortBrief([
  { package: 'libc6', id: 'DEBIAN-CVE-2023-4911', severity: 'HIGH', fixedVersion: '2.36-9+deb12u3', cvssScore: 7.8 },
  { package: 'libc6', id: 'DEBIAN-CVE-2010-4756', severity: 'INFORMATIONAL', fixedVersion: undefined, cvssScore: undefined },
  { package: 'libc-bin', id: 'DEBIAN-CVE-2023-4911', severity: 'HIGH', fixedVersion: '2.36-9+deb12u3', cvssScore: 7.8 },
  { package: 'libc-bin', id: 'DEBIAN-CVE-2010-4756', severity: 'INFORMATIONAL', fixedVersion: undefined, cvssScore: undefined },
  { package: 'zlib1g', id: 'DEBIAN-CVE-2023-45853', severity: 'CRITICAL', fixedVersion: '1:1.2.13.dfsg-3', cvssScore: 9.8 },
  { package: 'lodash', id: 'GHSA-jf85-cpcp-j695', severity: 'CRITICAL', fixedVersion: '4.17.12', cvssScore: 9.1 },
  { package: 'Requests', id: 'GHSA-j8r2-6x86-q33q', severity: 'MEDIUM', fixedVersion: '2.31.0', cvssScore: 6.1 },
  { package: 'golang.org/x/net', id: 'GO-2023-2102', severity: 'UNDEFINED', fixedVersion: '0.17.0', cvssScore: undefined },
  { package: 'org.apache.logging.log4j:log4j-core', id: 'GHSA-jfh8-c2jp-5v3q', severity: 'CRITICAL', fixedVersion: '2.15.0', cvssScore: 10 },
]);

describe('wharf scan-db', { timeout: 120_000 }, () => {
  let dataDir: string;
  let work: string;

  before(() => {
    dataDir = makeTempDir('wharf-scan-db-');
    work = makeTempDir('wharf-osv-');
  });

  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const writeJson = (name: string, value: unknown): string => {
    const path = join(work, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, JSON.stringify(value, null, 2));
    return path;
  };

  async function scanDb<T>(args: string[], expectedCode = 0): Promise<{ output: T; stderr: string }> {
    const result = await runWharf(dataDir, ['scan-db', ...args]);
    assert.equal(result.code, expectedCode, result.stderr);
    return { output: JSON.parse(result.stdout) as T, stderr: result.stderr };
  }
  const importPaths = (...paths: string[]) => scanDb<ImportReport & { sourceUpdatedAt: string | null }>(['import', ...paths]);
  let inventories = 0;
  const match = async (inventory: Inventory) => (await scanDb<Finding[]>(['match', writeJson(`inventory-${++inventories}.json`, inventory)])).output;
  const status = async () => (await scanDb<VulnerabilityDbStatus & { sourceUpdatedAt: string | null }>(['status'])).output;

  it('imports an array of records, with progress, and records the source time and a generation', async () => {
    const { output, stderr } = await importPaths(writeJson('first.json', FIRST_SET));
    assert.equal(output.documents, 1);
    assert.equal(output.records, FIRST_SET.length);
    assert.equal(output.imported, FIRST_SET.length);
    assert.equal(output.withdrawn, 1);
    assert.equal(output.rejected, 0);
    assert.equal(output.changed, true);
    assert.equal(output.generation, 1);
    assert.equal(output.sourceUpdatedAt, new Date(NEWEST_MODIFIED).toISOString());
    assert.match(stderr, /scan-db import \[#+\] 100% 1\/1 records 10: imported 10, unchanged 0, outdated 0, rejected 0/);
    assert.deepEqual(await status(), {
      vulnerabilities: FIRST_SET.length - 1,
      withdrawn: 1,
      // Every affected entry but Go's GIT range.
      packageEntries: 10,
      sourceUpdatedAt: new Date(NEWEST_MODIFIED).toISOString(),
      generation: 1,
    });
  });

  it('matches a Debian 12 inventory: source packages, this release only, every ecosystem', async () => {
    const findings = await match(BOOKWORM);
    assert.deepEqual(sortBrief(findings.map(brief)), BOOKWORM_FINDINGS);
  });

  it('gives a finding its whole record', async () => {
    const findings = await match({ packages: [LODASH_PKG] });
    assert.deepEqual(findings, [
      {
        id: 'GHSA-jf85-cpcp-j695',
        aliases: ['CVE-2019-10744'],
        summary: 'Prototype Pollution in lodash',
        details: 'Versions of lodash lower than 4.17.12 are vulnerable to Prototype Pollution.',
        severity: 'CRITICAL',
        cvssScore: 9.1,
        cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H',
        cvssVersion: '3.1',
        package: LODASH_PKG,
        fixedVersion: '4.17.12',
        references: ['https://nvd.nist.gov/vuln/detail/CVE-2019-10744', 'https://github.com/lodash/lodash'],
        published: Date.parse('2019-07-10T19:45:23Z'),
        modified: Date.parse('2023-11-08T04:00:23.557Z'),
        sourceUrl: 'https://nvd.nist.gov/vuln/detail/CVE-2019-10744',
      },
    ]);
    const [debian] = await match({ os: BOOKWORM.os, packages: [ZLIB1G] });
    assert.deepEqual(debian?.aliases, ['CVE-2023-45853']);
    assert.equal(debian?.summary, '');
  });

  it('matches an Ubuntu 22.04 inventory against Ubuntu records only', async () => {
    const findings = await match(JAMMY);
    assert.deepEqual(findings.map(brief), [{ package: 'libc6', id: 'UBUNTU-CVE-2023-4911', severity: 'HIGH', fixedVersion: '2.35-0ubuntu3.4', cvssScore: 7.8 }]);
    // Another release of the same distribution, and an image whose release is unknown, match nothing.
    assert.deepEqual(await match({ ...JAMMY, os: { id: 'ubuntu', versionId: '20.04', idLike: ['debian'] } }), []);
    assert.deepEqual(await match({ ...BOOKWORM, os: { id: 'debian', idLike: [] }, packages: [LIBC6] }), []);
  });

  it('re-imports the same records as unchanged, without moving the generation', async () => {
    const { output } = await importPaths(join(work, 'first.json'));
    assert.equal(output.unchanged, FIRST_SET.length);
    assert.equal(output.imported, 0);
    assert.equal(output.changed, false);
    assert.equal(output.generation, 1);
  });

  it('replaces a modified record, withdraws another, and skips an older copy', async () => {
    const newer = { ...LODASH, modified: '2024-10-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'lodash' }, ranges: semverRange({ introduced: '4.17.0' }, { fixed: '4.17.13' }) }] };
    const withdrawn = { ...REQUESTS, modified: '2024-10-02T00:00:00Z', withdrawn: '2024-10-02T00:00:00Z' };
    const { output } = await importPaths(writeJson('updates/lodash.json', newer), writeJson('updates/requests.json', withdrawn));
    assert.equal(output.documents, 2);
    assert.equal(output.imported, 2);
    assert.equal(output.withdrawn, 1);
    assert.equal(output.changed, true);
    assert.equal(output.generation, 2);
    assert.equal(output.sourceUpdatedAt, '2024-10-02T00:00:00.000Z');

    const findings = await match(BOOKWORM);
    const expected = BOOKWORM_FINDINGS.filter((f) => f.package !== 'Requests').map((f) => (f.package === 'lodash' ? { ...f, fixedVersion: '4.17.13' } : f));
    assert.deepEqual(sortBrief(findings.map(brief)), expected);

    const again = await importPaths(join(work, 'first.json'));
    assert.equal(again.output.outdated, 2);
    assert.equal(again.output.unchanged, FIRST_SET.length - 2);
    assert.equal(again.output.changed, false);
    assert.equal(again.output.generation, 2);
    assert.equal(again.output.sourceUpdatedAt, '2024-10-02T00:00:00.000Z');
  });

  it('imports an OSV zip archive entry by entry, rejecting what is not a record', async () => {
    const iconv = {
      id: 'DEBIAN-CVE-2024-2961',
      upstream: ['CVE-2024-2961'],
      modified: '2024-09-18T04:42:11Z',
      details: 'The iconv() function in the GNU C Library may overflow the output buffer passed to it by up to 4 bytes when converting strings to ISO-2022-CN-EXT.',
      affected: [{ package: { name: 'glibc', ecosystem: 'Debian:12' }, ranges: ecosystemRange({ introduced: '0' }, { fixed: '2.36-9+deb12u6' }), ecosystem_specific: { urgency: 'medium' } }],
    };
    const zip = zipSync({
      'DEBIAN-CVE-2024-2961.json': strToU8(JSON.stringify(iconv)),
      'DEBIAN-CVE-2023-4911.json': strToU8(JSON.stringify(LOONEY_TUNABLES)),
      'broken.json': strToU8('{"id": "DEBIAN-CVE-2024-0001", '),
      'no-modified.json': strToU8(JSON.stringify({ id: 'DEBIAN-CVE-2024-0002', affected: [] })),
      'bad-event.json': strToU8(JSON.stringify({ ...iconv, id: 'DEBIAN-CVE-2024-0003', affected: [{ package: { name: 'x', ecosystem: 'Debian:12' }, ranges: ecosystemRange({ introduced: '0', fixed: '1' }) }] })),
      'README.txt': strToU8('not a record'),
    });
    const path = join(work, 'Debian', 'all.zip');
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, zip);

    const { output, stderr } = await scanDb<ImportReport>(['import', path]);
    assert.equal(output.documents, 5);
    assert.equal(output.imported, 1);
    assert.equal(output.unchanged, 1);
    assert.equal(output.rejected, 3);
    assert.deepEqual(output.rejections, {
      'not valid JSON': 1,
      'modified: Invalid input: expected string, received undefined': 1,
      'affected[].ranges[].events[]: an event has exactly one of introduced, fixed, last_affected, limit': 1,
    });
    assert.ok(output.rejectionExamples.some((r) => r.origin === `${path}:broken.json`));
    assert.match(stderr, /rejected .*all\.zip:broken\.json: not valid JSON/);
    assert.equal(output.generation, 3);

    const findings = await match({ os: BOOKWORM.os, packages: [LIBC6] });
    assert.deepEqual(findings.map((f) => [f.id, f.severity, f.fixedVersion]), [
      ['DEBIAN-CVE-2010-4756', 'INFORMATIONAL', undefined],
      ['DEBIAN-CVE-2023-4911', 'HIGH', '2.36-9+deb12u3'],
      ['DEBIAN-CVE-2024-2961', 'MEDIUM', '2.36-9+deb12u6'],
    ]);
  });

  it('imports a directory tree of .json files and zips; nothing when all is known', async () => {
    const alpine = {
      id: 'ALPINE-CVE-2023-5678',
      upstream: ['CVE-2023-5678'],
      modified: '2024-10-03T00:00:00Z',
      details: 'Generating excessively long X9.42 DH keys may be very slow.',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' }],
      affected: ['v3.17', 'v3.18'].map((release) => ({
        package: { name: 'openssl', ecosystem: `Alpine:${release}` },
        ranges: ecosystemRange({ introduced: '0' }, { fixed: release === 'v3.18' ? '3.1.4-r1' : '3.0.12-r1' }),
      })),
    };
    writeJson('tree/alpine/ALPINE-CVE-2023-5678.json', alpine);
    writeJson('tree/alpine/notes.md.txt', 'ignored');
    writeFileSync(join(work, 'tree', 'debian.zip'), zipSync({ 'DEBIAN-CVE-2023-45853.json': strToU8(JSON.stringify(MINIZIP)) }));

    const { output } = await importPaths(join(work, 'tree'));
    assert.equal(output.documents, 2);
    assert.equal(output.imported, 1);
    assert.equal(output.unchanged, 1);
    assert.equal(output.generation, 4);
    assert.equal(output.sourceUpdatedAt, '2024-10-03T00:00:00.000Z');

    const libcrypto = pkg({ name: 'libcrypto3', version: '3.1.3-r0', ecosystem: 'Alpine', kind: 'os', sourceName: 'openssl', path: 'lib/apk/db/installed' });
    const findings = await match({ os: { id: 'alpine', versionId: '3.18.4', idLike: [] }, packages: [libcrypto] });
    assert.deepEqual(findings.map(brief), [{ package: 'libcrypto3', id: 'ALPINE-CVE-2023-5678', severity: 'MEDIUM', fixedVersion: '3.1.4-r1', cvssScore: 5.3 }]);

    const again = await importPaths(join(work, 'tree'));
    assert.equal(again.output.unchanged, 2);
    assert.equal(again.output.changed, false);
    assert.equal(again.output.generation, 4);
  });

  it('exits non-zero when nothing in the input is a record', async () => {
    const result = await runWharf(dataDir, ['scan-db', 'import', writeJson('garbage.json', { hello: 'world' })]);
    assert.equal(result.code, 1);
    assert.equal((JSON.parse(result.stdout) as ImportReport).rejections['id: missing'], 1);
  });
});
