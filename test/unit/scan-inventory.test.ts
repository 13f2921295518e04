// Tables for the package detectors (one section per inventory source), the byte-level readers
// under them (RPM headers and databases, ELF/Go build info, ZIP), and how buildInventory merges
// per-file findings. Hostile inputs must come back empty, quickly, without an exception.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import SqliteDatabase from 'better-sqlite3';
import { zipSync, strToU8, type Zippable } from 'fflate';
import type { FileFindings, InventoryPackage, LayerFile } from '../../src/scan/types.js';
import { analyzeFile, buildInventory, wantsFile } from '../../src/scan/inventory/index.js';
import { formatPurl, parsePurl } from '../../src/scan/inventory/purl.js';
import { parseOsRelease } from '../../src/scan/inventory/os-release.js';
import { osEcosystem } from '../../src/scan/inventory/os-packages.js';
import { parseRpmHeader, parseSourceRpm, RPM_TAG, RPM_TYPE } from '../../src/scan/inventory/rpm-header.js';
import { readNdbBlobs } from '../../src/scan/inventory/rpm-ndb.js';
import { readSqliteBlobs } from '../../src/scan/inventory/rpm-sqlite.js';
import { goStdlibVersion, MIN_BINARY_BYTES, parseModInfo, readGoBuildInfo } from '../../src/scan/inventory/go-binary.js';
import { normalizePythonName } from '../../src/scan/inventory/python.js';
import { listZipEntries } from '../../src/scan/inventory/zip.js';

const FIXTURES = new URL('../../../test/fixtures/scan/', import.meta.url);

function layerFile(path: string, size = 4096, mode = 0o644): LayerFile {
  return { path, size, mode };
}

function analyze(path: string, content: string | Buffer, mode = 0o644): FileFindings {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return analyzeFile(layerFile(path, bytes.length, mode), bytes);
}

/**
 * Synthetic executables are tiny, but the walker only asks for executables of a Go binary's
 * size, so the file is described as that big.
 */
function analyzeExecutable(path: string, content: Buffer): FileFindings {
  return analyzeFile(layerFile(path, Math.max(content.length, MIN_BINARY_BYTES), 0o755), content);
}

/** The packages a file yields, reduced to the fields a table compares. */
function summary(findings: FileFindings): string[] {
  return findings.packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}

function only(findings: FileFindings, name: string): InventoryPackage {
  const matches = findings.packages.filter((pkg) => pkg.name === name);
  assert.equal(matches.length, 1, `expected one ${name}, got ${summary(findings).join(', ')}`);
  return matches[0]!;
}

/** Runs `fn` and fails when it takes longer than `ms`: hostile inputs must be cheap to reject. */
function quickly<T>(ms: number, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  const elapsed = performance.now() - started;
  assert.ok(elapsed < ms, `took ${elapsed.toFixed(0)} ms, limit ${ms} ms`);
  return result;
}

describe('wantsFile', () => {
  const EXECUTABLE = 0o755;
  const BIG = MIN_BINARY_BYTES * 8;
  const CASES: [path: string, size: number, mode: number, wanted: boolean][] = [
    ['etc/os-release', 300, 0o644, true],
    ['usr/lib/os-release', 300, 0o644, true],
    ['etc/lsb-release', 300, 0o644, false],
    ['var/lib/dpkg/status', 90_000, 0o644, true],
    ['var/lib/dpkg/status-old', 90_000, 0o644, false],
    ['var/lib/dpkg/status.d/libc6', 900, 0o644, true],
    ['var/lib/dpkg/status.d/libc6.md5sums', 900, 0o644, false],
    ['lib/apk/db/installed', 20_000, 0o644, true],
    ['var/lib/rpm/rpmdb.sqlite', 9_000_000, 0o644, true],
    ['usr/lib/sysimage/rpm/rpmdb.sqlite', 9_000_000, 0o644, true],
    ['var/lib/rpm/Packages.db', 9_000_000, 0o644, true],
    ['var/lib/rpm/Packages', 9_000_000, 0o644, true],
    ['var/lib/rpm/Name', 90_000, 0o644, false],
    ['home/u/var/lib/rpm/Packages', 9_000, 0o644, false],
    ['var/lib/rpm/constructor', 9_000, 0o644, false],
    ['app/package-lock.json', 9_000, 0o644, true],
    ['package-lock.json', 9_000, 0o644, true],
    ['app/node_modules/.package-lock.json', 9_000, 0o644, false],
    ['app/node_modules/x/package-lock.json', 9_000, 0o644, false],
    ['app/node_modules/express/package.json', 900, 0o644, true],
    ['app/node_modules/@babel/core/package.json', 900, 0o644, true],
    ['app/node_modules/a/node_modules/b/package.json', 900, 0o644, true],
    ['app/node_modules/express/lib/package.json', 900, 0o644, false],
    ['app/node_modules/.bin/package.json', 900, 0o644, false],
    ['app/package.json', 900, 0o644, false],
    ['usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA', 9_000, 0o644, true],
    ['usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', 9_000, 0o644, true],
    ['usr/lib/python3/dist-packages/chardet-5.1.0.egg-info', 9_000, 0o644, true],
    ['usr/lib/python3/dist-packages/requests-2.28.1.dist-info/RECORD', 9_000, 0o644, false],
    ['app/target/app.jar', 9_000, 0o644, true],
    ['opt/tomcat/webapps/ROOT.war', 9_000, 0o644, true],
    ['srv/app.EAR', 9_000, 0o644, true],
    ['src/Cargo.lock', 9_000, 0o644, true],
    ['src/Cargo.toml', 9_000, 0o644, false],
    ['app/Gemfile.lock', 9_000, 0o644, true],
    ['usr/local/bundle/specifications/rack-3.0.8.gemspec', 9_000, 0o644, true],
    ['usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec', 9_000, 0o644, true],
    ['app/rack.gemspec', 9_000, 0o644, false],
    ['var/www/composer.lock', 9_000, 0o644, true],
    ['usr/local/bin/app', BIG, EXECUTABLE, true],
    ['ko-app/server', BIG, 0o500, true],
    ['usr/local/bin/app', BIG, 0o644, false],
    ['usr/bin/true', MIN_BINARY_BYTES - 1, EXECUTABLE, false],
    ['usr/lib/x86_64-linux-gnu/libssl.so.3', BIG, EXECUTABLE, false],
    ['usr/lib/x86_64-linux-gnu/libz.so', BIG, EXECUTABLE, false],
    ['usr/local/bin/setup.sh', BIG, EXECUTABLE, false],
    ['etc/passwd', 900, 0o644, false],
  ];
  for (const [path, size, mode, wanted] of CASES) {
    it(`${wanted ? 'wants' : 'skips'} ${path} (${size} bytes, mode ${mode.toString(8)})`, () => {
      assert.equal(wantsFile({ path, size, mode }), wanted);
    });
  }
});

describe('purl', () => {
  const CASES: [Parameters<typeof formatPurl>[0], string][] = [
    [{ type: 'npm', namespace: '@angular', name: 'core', version: '16.2.0' }, 'pkg:npm/%40angular/core@16.2.0'],
    [{ type: 'deb', namespace: 'debian', name: 'libc6', version: '2.36-9+deb12u3', qualifiers: { distro: 'debian-12', arch: 'amd64' } },
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=debian-12'],
    [{ type: 'deb', namespace: 'debian', name: 'bsdutils', version: '1:2.38.1-5' }, 'pkg:deb/debian/bsdutils@1:2.38.1-5'],
    [{ type: 'golang', namespace: 'github.com/docker', name: 'docker', version: 'v24.0.7+incompatible' },
      'pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible'],
    [{ type: 'maven', namespace: 'org.apache.logging.log4j', name: 'log4j-core', version: '2.14.1' },
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'],
    [{ type: 'rpm', namespace: 'redhat', name: 'bash', version: '5.1.8-6.el9', qualifiers: { epoch: undefined, arch: 'x86_64' } },
      'pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64'],
    [{ type: 'gem', name: 'rack' }, 'pkg:gem/rack'],
  ];
  for (const [parts, text] of CASES) {
    it(`formats ${text} and parses it back`, () => {
      assert.equal(formatPurl(parts), text);
      const parsed = parsePurl(text);
      assert.ok(parsed);
      assert.equal(formatPurl(parsed), text);
      assert.equal(parsed.name, parts.name);
      assert.equal(parsed.version, parts.version);
    });
  }
  it('rejects what it did not format', () => {
    for (const text of ['', 'npm/x@1', 'pkg:npm/%E0%A4%A@1', 'pkg:/x']) assert.equal(parsePurl(text), undefined, text);
  });
});

describe('os-release', () => {
  it('reads quoted, single-quoted and bare values', () => {
    const release = parseOsRelease(
      [
        'PRETTY_NAME="Ubuntu 22.04.3 LTS"',
        'NAME="Ubuntu"',
        'VERSION_ID="22.04"',
        "VERSION='22.04.3 LTS (Jammy Jellyfish)'",
        'VERSION_CODENAME=jammy',
        'ID=ubuntu',
        'ID_LIKE=debian',
        '# a comment',
        'HOME_URL="https://www.ubuntu.com/"',
      ].join('\n'),
    );
    assert.deepEqual(release, {
      id: 'ubuntu',
      idLike: ['debian'],
      versionId: '22.04',
      versionCodename: 'jammy',
      prettyName: 'Ubuntu 22.04.3 LTS',
    });
  });
  it('unescapes double-quoted values and splits ID_LIKE', () => {
    const release = parseOsRelease('ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky \\"Blue Onyx\\""\n');
    assert.equal(release?.id, 'rocky');
    assert.deepEqual(release?.idLike, ['rhel', 'centos', 'fedora']);
    assert.equal(release?.prettyName, 'Rocky "Blue Onyx"');
  });
  it('is nothing without an ID', () => {
    assert.equal(parseOsRelease('NAME="Mystery"\n'), undefined);
    assert.equal(analyze('etc/os-release', Buffer.from([0xff, 0xfe, 0x00, 0x01])).osRelease, undefined);
  });
  const ECOSYSTEMS: [id: string, idLike: string[], ecosystem: string | undefined][] = [
    ['debian', [], 'Debian'],
    ['ubuntu', ['debian'], 'Ubuntu'],
    ['alpine', [], 'Alpine'],
    ['rhel', ['fedora'], 'Red Hat'],
    ['rocky', ['rhel', 'centos', 'fedora'], 'Rocky Linux'],
    ['almalinux', ['rhel', 'centos', 'fedora'], 'AlmaLinux'],
    ['centos', ['rhel', 'fedora'], 'Red Hat'],
    ['raspbian', ['debian'], 'Debian'],
    ['fedora', [], undefined],
    ['opensuse-leap', ['suse', 'opensuse'], undefined],
  ];
  for (const [id, idLike, ecosystem] of ECOSYSTEMS) {
    it(`maps ID=${id} ID_LIKE=${idLike.join(' ') || '-'} to ${ecosystem ?? 'no known ecosystem'}`, () => {
      assert.equal(osEcosystem({ id, idLike }), ecosystem);
    });
  }
});

const DPKG_STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12985
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u3
Replaces: libc6-amd64
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
 .
 This package includes shared versions of the standard C library.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: bsdutils
Essential: yes
Status: install ok installed
Priority: required
Section: utils
Installed-Size: 335
Maintainer: util-linux packagers <util-linux@packages.debian.org>
Architecture: amd64
Multi-Arch: foreign
Source: util-linux (2.38.1-5)
Version: 1:2.38.1-5+b1
Description: basic utilities from 4.4BSD-Lite

Package: nano
Status: deinstall ok config-files
Priority: important
Architecture: amd64
Version: 7.2-1
Conffiles:
 /etc/nanorc 2f4d2b8bfb5b3fc1eb1d9bb4e2b6f28a
Description: small, friendly text editor inspired by Pico

Package: tzdata
Status: install ok installed
Priority: required
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data

Package: half-installed-thing
Status: install reinstreq half-installed
Architecture: amd64
Version: 1.0-1
`;

describe('dpkg', () => {
  it('keeps only installed stanzas, with source name and version', () => {
    const findings = analyze('var/lib/dpkg/status', DPKG_STATUS);
    assert.deepEqual(summary(findings), ['libc6@2.36-9+deb12u3', 'bsdutils@1:2.38.1-5+b1', 'tzdata@2024a-0+deb12u1']);
    const libc = only(findings, 'libc6');
    assert.equal(libc.sourceName, 'glibc');
    assert.equal(libc.sourceVersion, '2.36-9+deb12u3');
    assert.equal(libc.arch, 'amd64');
    assert.equal(libc.kind, 'os');
    assert.equal(libc.path, 'var/lib/dpkg/status');
    const bsdutils = only(findings, 'bsdutils');
    assert.equal(bsdutils.sourceName, 'util-linux');
    assert.equal(bsdutils.sourceVersion, '2.38.1-5', 'a binNMU keeps its source version');
    const tzdata = only(findings, 'tzdata');
    assert.equal(tzdata.sourceName, 'tzdata', 'the source defaults to the package');
    assert.equal(tzdata.sourceVersion, '2024a-0+deb12u1');
  });
  it('reads distroless status.d files, which may have no Status field', () => {
    const findings = analyze('var/lib/dpkg/status.d/base-files', 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\n');
    assert.deepEqual(summary(findings), ['base-files@12.4+deb12u5']);
  });
  it('still honours a Status field in status.d', () => {
    assert.deepEqual(summary(analyze('var/lib/dpkg/status.d/nano', 'Package: nano\nStatus: deinstall ok config-files\nVersion: 7.2-1\n')), []);
  });
  it('requires Status in the main status file', () => {
    assert.deepEqual(summary(analyze('var/lib/dpkg/status', 'Package: a\nVersion: 1\n')), []);
  });
  it('accepts CRLF line endings', () => {
    const findings = analyze('var/lib/dpkg/status', DPKG_STATUS.replace(/\n/g, '\r\n'));
    assert.equal(findings.packages.length, 3);
  });
});

const APK_INSTALLED = `C:Q1ZR/T4hhvU1Zpwi2adNaUMB5ZqNw=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1695127402
c:0bb2ad2e4aae1a8e2d4a3a4ed76bd4d4d44a6e1f
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1tV8XmC/ChjlHPZtWpnA4bo+yFC4=

C:Q1pMc2L5Tj1sn6+q5eQqcgh6GAXtY=
P:libcrypto3
V:3.1.4-r1
A:x86_64
L:Apache-2.0
o:openssl
D:so:libc.musl-x86_64.so.1

C:Q1h4i8FTcjB3w8V5t2xwDPgmE8Kgs=
P:ssl_client
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
o:busybox
`;

describe('apk', () => {
  it('reads name, version, arch, origin and license', () => {
    const findings = analyze('lib/apk/db/installed', APK_INSTALLED);
    assert.deepEqual(summary(findings), ['musl@1.2.4-r2', 'libcrypto3@3.1.4-r1', 'ssl_client@1.36.1-r15']);
    const crypto = only(findings, 'libcrypto3');
    assert.equal(crypto.sourceName, 'openssl');
    assert.equal(crypto.sourceVersion, '3.1.4-r1');
    assert.equal(crypto.arch, 'x86_64');
    assert.deepEqual(crypto.licenses, ['Apache-2.0']);
    assert.equal(crypto.purl, 'pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64');
  });
});

/** An RPM header blob (as rpmdb stores it) from [tag, type, value] triples, built byte by byte. */
function rpmHeader(entries: [tag: number, type: number, value: string | number][]): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let dataLength = 0;
  for (const [tag, type, value] of entries) {
    let bytes: Buffer;
    if (typeof value === 'number') {
      const padding = (4 - (dataLength % 4)) % 4; // INT32 values are 4-aligned in the store
      data.push(Buffer.alloc(padding));
      dataLength += padding;
      bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(value);
    } else {
      bytes = Buffer.from(`${value}\0`);
    }
    const entry = Buffer.alloc(16);
    entry.writeUInt32BE(tag, 0);
    entry.writeUInt32BE(type, 4);
    entry.writeUInt32BE(dataLength, 8);
    entry.writeUInt32BE(1, 12);
    index.push(entry);
    data.push(bytes);
    dataLength += bytes.length;
  }
  const counts = Buffer.alloc(8);
  counts.writeUInt32BE(entries.length, 0);
  counts.writeUInt32BE(dataLength, 4);
  return Buffer.concat([counts, ...index, ...data]);
}

const BASH_HEADER = rpmHeader([
  [RPM_TAG.NAME, RPM_TYPE.STRING, 'bash'],
  [RPM_TAG.VERSION, RPM_TYPE.STRING, '5.1.8'],
  [RPM_TAG.RELEASE, RPM_TYPE.STRING, '6.el9_1'],
  [RPM_TAG.EPOCH, RPM_TYPE.INT32, 1],
  [RPM_TAG.LICENSE, RPM_TYPE.STRING, 'GPLv3+'],
  [RPM_TAG.ARCH, RPM_TYPE.STRING, 'x86_64'],
  [RPM_TAG.SOURCERPM, RPM_TYPE.STRING, 'bash-5.1.8-6.el9_1.src.rpm'],
]);

/** An ndb `Packages.db` holding the given header blobs, laid out as rpm's ndb backend writes it. */
function ndbDatabase(blobs: Buffer[]): Buffer {
  const slotPage = Buffer.alloc(4096);
  slotPage.write('RpmP', 0, 'latin1');
  slotPage.writeUInt32LE(0, 4); // version
  slotPage.writeUInt32LE(blobs.length, 8); // generation
  slotPage.writeUInt32LE(1, 12); // slot pages
  slotPage.writeUInt32LE(blobs.length + 1, 16); // next package index
  for (let slot = 32; slot < 4096; slot += 16) slotPage.write('Slot', slot, 'latin1');
  const areas: Buffer[] = [];
  let block = 4096 / 16;
  blobs.forEach((blob, i) => {
    const pkgIdx = i + 1;
    const blocks = Math.ceil((16 + blob.length + 12) / 16);
    const area = Buffer.alloc(blocks * 16);
    area.write('BlbS', 0, 'latin1');
    area.writeUInt32LE(pkgIdx, 4);
    area.writeUInt32LE(1_700_000_000, 8);
    area.writeUInt32LE(blob.length, 12);
    blob.copy(area, 16);
    area.write('BlbE', area.length - 4, 'latin1');
    area.writeUInt32LE(blob.length, area.length - 8);
    const slot = 32 + 16 * (i + 3); // not the first slots: free slots may come first
    slotPage.writeUInt32LE(pkgIdx, slot + 4);
    slotPage.writeUInt32LE(block, slot + 8);
    slotPage.writeUInt32LE(blocks, slot + 12);
    areas.push(area);
    block += blocks;
  });
  return Buffer.concat([slotPage, ...areas]);
}

describe('rpm', () => {
  it('parses a header blob built byte by byte', () => {
    assert.deepEqual(parseRpmHeader(BASH_HEADER), {
      name: 'bash',
      version: '5.1.8',
      release: '6.el9_1',
      epoch: 1,
      arch: 'x86_64',
      sourceRpm: 'bash-5.1.8-6.el9_1.src.rpm',
      license: 'GPLv3+',
    });
  });
  it('skips the 8-byte magic of a package file header', () => {
    const withMagic = Buffer.concat([Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]), BASH_HEADER]);
    assert.equal(parseRpmHeader(withMagic)?.name, 'bash');
  });
  it('takes the first translation of an I18N string and tolerates unknown tags', () => {
    const header = rpmHeader([
      [63, 7, 'region-trailer-ish'],
      [RPM_TAG.NAME, RPM_TYPE.STRING, 'zlib'],
      [RPM_TAG.VERSION, RPM_TYPE.STRING, '1.2.11'],
      [RPM_TAG.RELEASE, RPM_TYPE.STRING, '40.el9'],
      [RPM_TAG.LICENSE, RPM_TYPE.I18NSTRING, 'zlib and Boost'],
    ]);
    assert.deepEqual(parseRpmHeader(header), { name: 'zlib', version: '1.2.11', release: '40.el9', license: 'zlib and Boost' });
  });
  const HOSTILE: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['truncated counts', BASH_HEADER.subarray(0, 6)],
    ['truncated data store', BASH_HEADER.subarray(0, BASH_HEADER.length - 10)],
    ['huge index count', Buffer.concat([Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 16]), Buffer.alloc(64)])],
    ['huge data length', Buffer.concat([Buffer.from([0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf0]), Buffer.alloc(64)])],
    ['string offsets past the store', (() => {
      const copy = Buffer.from(BASH_HEADER);
      for (let i = 0; i < 7; i++) copy.writeUInt32BE(0x7fffffff, 8 + i * 16 + 8);
      return copy;
    })()],
    ['no NUL terminator', rpmHeader([[RPM_TAG.NAME, RPM_TYPE.STRING, 'x']]).subarray(0, -1)],
    ['garbage', Buffer.from('this is not an rpm header at all, just text')],
  ];
  for (const [label, blob] of HOSTILE) {
    it(`rejects a header with ${label}`, () => {
      assert.equal(quickly(100, () => parseRpmHeader(blob)), undefined);
    });
  }
  const SOURCES: [string, ReturnType<typeof parseSourceRpm>][] = [
    ['bash-5.1.8-6.el9_1.src.rpm', { name: 'bash', versionRelease: '5.1.8-6.el9_1' }],
    ['python3.11-3.11.5-1.el9.src.rpm', { name: 'python3.11', versionRelease: '3.11.5-1.el9' }],
    ['cyrus-sasl-2.1.27-21.el9.nosrc.rpm', { name: 'cyrus-sasl', versionRelease: '2.1.27-21.el9' }],
    ['not-a-source.rpm', undefined],
  ];
  for (const [fileName, expected] of SOURCES) {
    it(`splits source rpm ${fileName}`, () => assert.deepEqual(parseSourceRpm(fileName), expected));
  }

  const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
  const EXPECTED_FIXTURE_PACKAGES = [
    {
      name: 'libother',
      version: '0.9-1',
      arch: 'x86_64',
      sourceName: 'libother',
      sourceVersion: '0.9-1',
      licenses: ['GPL-2.0-or-later'],
      purl: 'pkg:rpm/redhat/libother@0.9-1?arch=x86_64',
    },
    {
      name: 'tiny-tool',
      version: '2:1.2.3-4.el9',
      arch: 'noarch',
      sourceName: 'tiny-tool',
      sourceVersion: '2:1.2.3-4.el9',
      licenses: ['MIT and BSD'],
      purl: 'pkg:rpm/redhat/tiny-tool@1.2.3-4.el9?arch=noarch&epoch=2',
    },
  ];
  function byName(packages: InventoryPackage[]): Partial<InventoryPackage>[] {
    return packages
      .map(({ name, version, arch, sourceName, sourceVersion, licenses, purl }) => ({ name, version, arch, sourceName, sourceVersion, licenses, purl }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  it('reads rpm 4.18 rpmdb.sqlite (WAL mode) from memory without changing the bytes', () => {
    const db = fixture('rpmdb.sqlite');
    const before = Buffer.from(db);
    const findings = analyze('var/lib/rpm/rpmdb.sqlite', db);
    assert.deepEqual(byName(findings.packages), EXPECTED_FIXTURE_PACKAGES);
    assert.ok(findings.packages.every((pkg) => pkg.ecosystem === 'Red Hat' && pkg.kind === 'os'));
    assert.ok(db.equals(before), 'the caller’s buffer is untouched');
  });
  it('reads the same packages from usr/lib/sysimage/rpm', () => {
    assert.equal(analyze('usr/lib/sysimage/rpm/rpmdb.sqlite', fixture('rpmdb.sqlite')).packages.length, 2);
  });
  it('reads a Berkeley DB Packages file with overflow chains', () => {
    assert.deepEqual(byName(analyze('var/lib/rpm/Packages', fixture('rpm-bdb-Packages')).packages), EXPECTED_FIXTURE_PACKAGES);
  });
  it('reads an ndb Packages.db built from the fixture’s header blobs', () => {
    const blobs = readSqliteBlobs(fixture('rpmdb.sqlite'));
    assert.equal(blobs.length, 2);
    const db = ndbDatabase(blobs);
    assert.deepEqual(readNdbBlobs(db).map((blob) => blob.length), blobs.map((blob) => blob.length));
    assert.deepEqual(byName(analyze('var/lib/rpm/Packages.db', db).packages), EXPECTED_FIXTURE_PACKAGES);
  });
  it('leaves out gpg-pubkey pseudo packages', () => {
    const key = rpmHeader([
      [RPM_TAG.NAME, RPM_TYPE.STRING, 'gpg-pubkey'],
      [RPM_TAG.VERSION, RPM_TYPE.STRING, 'fd431d51'],
      [RPM_TAG.RELEASE, RPM_TYPE.STRING, '4ae0493b'],
    ]);
    assert.deepEqual(summary(analyze('var/lib/rpm/Packages.db', ndbDatabase([key, BASH_HEADER]))), ['bash@1:5.1.8-6.el9_1']);
  });
  it('refuses a SQLite file whose Packages is a view (it could run forever)', () => {
    const hostile = recursiveViewDatabase();
    assert.deepEqual(quickly(2000, () => readSqliteBlobs(hostile)), []);
  });
  const HOSTILE_DATABASES: [string, string, () => Buffer][] = [
    ['sqlite: garbage', 'var/lib/rpm/rpmdb.sqlite', () => Buffer.from('SQLite format 3\0' + 'x'.repeat(5000))],
    ['sqlite: truncated', 'var/lib/rpm/rpmdb.sqlite', () => fixture('rpmdb.sqlite').subarray(0, 5000)],
    ['ndb: garbage', 'var/lib/rpm/Packages.db', () => Buffer.alloc(10_000, 0x41)],
    ['ndb: slot pages beyond the file', 'var/lib/rpm/Packages.db', () => {
      const db = ndbDatabase([BASH_HEADER]);
      db.writeUInt32LE(0xffffffff, 12);
      return db;
    }],
    ['ndb: blob length beyond its blocks', 'var/lib/rpm/Packages.db', () => {
      const db = ndbDatabase([BASH_HEADER]);
      db.writeUInt32LE(0x7fffffff, 4096 + 12);
      return db;
    }],
    ['bdb: garbage', 'var/lib/rpm/Packages', () => Buffer.alloc(10_000, 0x41)],
    ['bdb: overflow chain looping on itself', 'var/lib/rpm/Packages', () => loopOverflowChain(fixture('rpm-bdb-Packages'))],
    ['bdb: page count past the file', 'var/lib/rpm/Packages', () => {
      const db = Buffer.from(fixture('rpm-bdb-Packages'));
      db.writeUInt32LE(0xfffffff0, 32);
      return db;
    }],
  ];
  for (const [label, path, make] of HOSTILE_DATABASES) {
    it(`yields nothing sensible from ${label}`, () => {
      const findings = quickly(2000, () => analyze(path, make()));
      assert.ok(findings.packages.every((pkg) => ['tiny-tool', 'libother', 'bash'].includes(pkg.name)));
      if (label.includes('garbage')) assert.deepEqual(findings.packages, []);
    });
  }
});

/** A database whose `Packages` is an endless recursive view instead of a table. */
function recursiveViewDatabase(): Buffer {
  const sqlite = new SqliteDatabase(':memory:');
  try {
    sqlite.exec('CREATE VIEW Packages AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i AS hnum, zeroblob(8) AS blob FROM n');
    return sqlite.serialize();
  } finally {
    sqlite.close();
  }
}

/** Points the first overflow page of the fixture back at itself. */
function loopOverflowChain(original: Buffer): Buffer {
  const db = Buffer.from(original);
  const pageSize = db.readUInt32LE(20);
  for (let page = 1; page * pageSize < db.length; page++) {
    if (db[page * pageSize + 25] === 7) {
      db.writeUInt32LE(page, page * pageSize + 16);
      break;
    }
  }
  return db;
}

describe('npm', () => {
  const LOCK_V3 = JSON.stringify({
    name: 'shop',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'shop', version: '1.0.0', workspaces: ['packages/*'], dependencies: { express: '^4.18.2' } },
      'node_modules/express': { version: '4.18.2', resolved: 'https://registry.npmjs.org/express/-/express-4.18.2.tgz', license: 'MIT' },
      'node_modules/@babel/core': { version: '7.23.2', dev: true, license: 'MIT' },
      'node_modules/send/node_modules/ms': { version: '2.1.3' },
      'node_modules/string-width-cjs': { name: 'string-width', version: '4.2.3' },
      'node_modules/ui': { resolved: 'packages/ui', link: true },
      'packages/ui': { name: '@shop/ui', version: '0.0.1' },
      'node_modules/local-thing': { version: 'file:../local-thing' },
      'node_modules/broken': 'not an object',
    },
  });
  it('reads lockfile v3 packages, skipping the root, links, workspace sources and non-registry entries', () => {
    const findings = analyze('srv/shop/package-lock.json', LOCK_V3);
    assert.deepEqual(summary(findings), ['express@4.18.2', '@babel/core@7.23.2', 'ms@2.1.3', 'string-width@4.2.3']);
    assert.equal(only(findings, '@babel/core').purl, 'pkg:npm/%40babel/core@7.23.2');
    assert.deepEqual(only(findings, 'express').licenses, ['MIT']);
    assert.ok(findings.packages.every((pkg) => pkg.ecosystem === 'npm' && pkg.kind === 'language' && pkg.path === 'srv/shop/package-lock.json'));
  });
  it('reads lockfile v2 from `packages` only, not again from `dependencies`', () => {
    const lock = JSON.stringify({
      lockfileVersion: 2,
      packages: { '': { name: 'x' }, 'node_modules/lodash': { version: '4.17.21' } },
      dependencies: { lodash: { version: '4.17.21' } },
    });
    assert.deepEqual(summary(analyze('app/package-lock.json', lock)), ['lodash@4.17.21']);
  });
  it('reads lockfile v1 nested dependencies, aliases, and skips file and git entries', () => {
    const lock = JSON.stringify({
      name: 'legacy',
      lockfileVersion: 1,
      dependencies: {
        'body-parser': {
          version: '1.19.0',
          dependencies: { debug: { version: '2.6.9', dependencies: { ms: { version: '2.0.0' } } } },
        },
        'old-lodash': { version: 'npm:lodash@4.17.15' },
        'scoped-alias': { version: 'npm:@types/node@20.8.0' },
        mine: { version: 'file:../mine' },
        forked: { version: 'github:someone/forked#abc123' },
        tarball: { version: 'https://example.com/x.tgz' },
      },
    });
    assert.deepEqual(summary(analyze('app/package-lock.json', lock)).sort(), [
      '@types/node@20.8.0',
      'body-parser@1.19.0',
      'debug@2.6.9',
      'lodash@4.17.15',
      'ms@2.0.0',
    ]);
  });
  it('walks deeply nested v1 trees without recursion', () => {
    const depth = 5000; // written by hand: JSON.stringify itself recurses
    const text = `{"lockfileVersion":1,"dependencies":${'{"p":{"version":"1.0.0","dependencies":'.repeat(depth)}{}${'}}'.repeat(depth)}}`;
    assert.equal(analyze('package-lock.json', text).packages.length, depth);
  });
  it('reads installed package.json files, scoped or not', () => {
    const scoped = analyze('app/node_modules/@nestjs/core/package.json', JSON.stringify({ name: '@nestjs/core', version: '10.2.7', license: 'MIT' }));
    assert.deepEqual(summary(scoped), ['@nestjs/core@10.2.7']);
    assert.equal(scoped.packages[0]!.purl, 'pkg:npm/%40nestjs/core@10.2.7');
    const legacyLicense = analyze('node_modules/a/node_modules/b/package.json', JSON.stringify({ name: 'b', version: '0.1.0', licenses: [{ type: 'BSD' }] }));
    assert.deepEqual(legacyLicense.packages[0]!.licenses, ['BSD']);
  });
  const HOSTILE: [string, string][] = [
    ['not JSON', '{"lockfileVersion": 3, "packages": {'],
    ['a JSON array', '[1, 2, 3]'],
    ['packages of the wrong type', '{"packages": [1, 2], "dependencies": "x"}'],
    ['versions of the wrong type', '{"packages": {"node_modules/a": {"version": 4}}}'],
  ];
  for (const [label, text] of HOSTILE) {
    it(`finds nothing in ${label}`, () => {
      assert.deepEqual(analyze('package-lock.json', text).packages, []);
      assert.deepEqual(analyze('node_modules/a/package.json', text).packages, []);
    });
  }
});

const REQUESTS_METADATA = `Metadata-Version: 2.1
Name: Flask_SQLAlchemy
Version: 3.1.1
Summary: Add SQLAlchemy support to your Flask application.
Author-email: Armin Ronacher <armin.ronacher@active-4.com>
Requires-Python: >=3.8
License-Expression: BSD-3-Clause
Classifier: License :: OSI Approved :: BSD License
Requires-Dist: flask>=2.2.5
Description-Content-Type: text/markdown

Name: not-a-header
Version: 0.0.0
Flask-SQLAlchemy is an extension for Flask that adds support for SQLAlchemy.
`;

describe('python', () => {
  it('reads Name and Version from the header block of a dist-info METADATA only', () => {
    const findings = analyze('usr/local/lib/python3.11/site-packages/flask_sqlalchemy-3.1.1.dist-info/METADATA', REQUESTS_METADATA);
    assert.deepEqual(summary(findings), ['Flask_SQLAlchemy@3.1.1']);
    const pkg = findings.packages[0]!;
    assert.equal(pkg.purl, 'pkg:pypi/flask-sqlalchemy@3.1.1');
    assert.equal(pkg.ecosystem, 'PyPI');
    assert.deepEqual(pkg.licenses, ['BSD-3-Clause']);
  });
  it('reads egg-info PKG-INFO and bare egg-info files, ignoring multi-line licenses', () => {
    const pkgInfo = 'Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\nLicense: MIT\n';
    assert.deepEqual(analyze('usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', pkgInfo).packages[0]?.licenses, ['MIT']);
    const eggInfo = 'Metadata-Version: 2.1\nName: chardet\nVersion: 5.1.0\nLicense: GNU LGPL\n        version 2.1 or later\n';
    const chardet = analyze('usr/lib/python3/dist-packages/chardet-5.1.0.egg-info', eggInfo).packages[0];
    assert.equal(chardet?.version, '5.1.0');
    assert.equal(chardet?.licenses, undefined);
  });
  it('needs both Name and Version', () => {
    assert.deepEqual(analyze('x-1.dist-info/METADATA', 'Metadata-Version: 2.1\nName: x\n').packages, []);
  });
  const NAMES: [string, string][] = [
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['typing_extensions', 'typing-extensions'],
    ['Foo__Bar-.baz', 'foo-bar-baz'],
  ];
  for (const [name, normalized] of NAMES) {
    it(`normalises ${name} to ${normalized}`, () => assert.equal(normalizePythonName(name), normalized));
  }
});

const SENTINEL_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const SENTINEL_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const MOD_INFO = [
  'path\texample.com/shop/cmd/server',
  'mod\texample.com/shop\tv1.4.0\th1:abc=',
  'dep\tgithub.com/gorilla/mux\tv1.8.0\th1:i40aqfkR1h2SlN9hojwV5ZA91wcXFOvkdNIeFDP5koI=',
  'dep\tgolang.org/x/net\tv0.7.0',
  '=>\tgolang.org/x/net\tv0.17.0\th1:pVaXccu2ozPjCXewfr1S2xoo=',
  'dep\tgithub.com/acme/internal\tv0.0.0-00010101000000-000000000000',
  '=>\t../internal\t',
  'build\t-compiler=gc',
  'build\tGOOS=linux',
  '',
].join('\n');
const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const ELF_BASE_ADDRESS = 0x400000;
const PAYLOAD_OFFSET = 128;

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/** The `.go.buildinfo` content of Go 1.18+: header, then both strings inline. */
function inlineBuildInfo(goVersion: string, modInfo: Buffer): Buffer {
  const header = Buffer.alloc(32);
  GO_BUILDINFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = 0x2;
  const version = Buffer.from(goVersion);
  return Buffer.concat([header, uvarint(version.length), version, uvarint(modInfo.length), modInfo]);
}

/** The older layout: pointers to Go string headers, which point at the string bytes. */
function pointerBuildInfo(goVersion: string, modInfo: Buffer): Buffer {
  const address = (offset: number): bigint => BigInt(ELF_BASE_ADDRESS + PAYLOAD_OFFSET + offset);
  const version = Buffer.from(goVersion);
  const payload = Buffer.alloc(64 + version.length + modInfo.length);
  GO_BUILDINFO_MAGIC.copy(payload);
  payload[14] = 8;
  payload[15] = 0;
  payload.writeBigUInt64LE(address(32), 16);
  payload.writeBigUInt64LE(address(48), 24);
  payload.writeBigUInt64LE(address(64), 32);
  payload.writeBigUInt64LE(BigInt(version.length), 40);
  payload.writeBigUInt64LE(address(64 + version.length), 48);
  payload.writeBigUInt64LE(BigInt(modInfo.length), 56);
  version.copy(payload, 64);
  modInfo.copy(payload, 64 + version.length);
  return payload;
}

/**
 * A minimal little-endian ELF64 executable: one writable PT_LOAD segment mapping the whole file
 * at ELF_BASE_ADDRESS, the payload at PAYLOAD_OFFSET, and (unless stripped) a `.go.buildinfo`
 * section over it plus the section-name table.
 */
function syntheticElf(payload: Buffer, withSections = true): Buffer {
  const names = Buffer.from('\0.go.buildinfo\0.shstrtab\0', 'latin1');
  const namesOffset = PAYLOAD_OFFSET + payload.length;
  const sectionTable = Math.ceil((namesOffset + names.length) / 8) * 8;
  const sections = withSections ? 3 : 0;
  const file = Buffer.alloc(sectionTable + sections * 64);
  file.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // magic, 64-bit, little-endian, version 1
  file.writeUInt16LE(2, 0x10); // ET_EXEC
  file.writeUInt16LE(62, 0x12); // x86-64
  file.writeUInt32LE(1, 0x14);
  file.writeBigUInt64LE(64n, 0x20); // program headers right after the ELF header
  file.writeBigUInt64LE(BigInt(withSections ? sectionTable : 0), 0x28);
  file.writeUInt16LE(64, 0x34);
  file.writeUInt16LE(56, 0x36);
  file.writeUInt16LE(1, 0x38);
  file.writeUInt16LE(64, 0x3a);
  file.writeUInt16LE(sections, 0x3c);
  file.writeUInt16LE(withSections ? 2 : 0, 0x3e);
  file.writeUInt32LE(1, 64); // PT_LOAD
  file.writeUInt32LE(0x6, 68); // read + write
  file.writeBigUInt64LE(0n, 72);
  file.writeBigUInt64LE(BigInt(ELF_BASE_ADDRESS), 80);
  file.writeBigUInt64LE(BigInt(ELF_BASE_ADDRESS), 88);
  file.writeBigUInt64LE(BigInt(file.length), 96);
  file.writeBigUInt64LE(BigInt(file.length), 104);
  payload.copy(file, PAYLOAD_OFFSET);
  names.copy(file, namesOffset);
  if (withSections) {
    const section = (index: number, name: number, type: number, offset: number, size: number): void => {
      const at = sectionTable + index * 64;
      file.writeUInt32LE(name, at);
      file.writeUInt32LE(type, at + 4);
      file.writeBigUInt64LE(BigInt(offset), at + 24);
      file.writeBigUInt64LE(BigInt(size), at + 32);
    };
    section(1, 1, 1, PAYLOAD_OFFSET, payload.length); // .go.buildinfo, PROGBITS
    section(2, 15, 3, namesOffset, names.length); // .shstrtab, STRTAB
  }
  return file;
}

const WRAPPED_MOD_INFO = Buffer.concat([SENTINEL_START, Buffer.from(MOD_INFO), SENTINEL_END]);
const EXPECTED_GO_PACKAGES = [
  'stdlib@1.21.4',
  'example.com/shop@v1.4.0',
  'github.com/gorilla/mux@v1.8.0',
  'golang.org/x/net@v0.17.0',
];

describe('go binaries', () => {
  it('reads Go 1.18+ inline build info from .go.buildinfo', () => {
    const findings = analyzeExecutable('usr/local/bin/server', syntheticElf(inlineBuildInfo('go1.21.4', WRAPPED_MOD_INFO)));
    assert.deepEqual(summary(findings), EXPECTED_GO_PACKAGES);
    assert.equal(only(findings, 'stdlib').purl, 'pkg:golang/stdlib@1.21.4');
    assert.equal(only(findings, 'github.com/gorilla/mux').purl, 'pkg:golang/github.com/gorilla/mux@v1.8.0');
    assert.ok(findings.packages.every((pkg) => pkg.ecosystem === 'Go' && pkg.kind === 'language' && pkg.path === 'usr/local/bin/server'));
  });
  it('finds the build info in the writable segment when section headers are stripped', () => {
    const findings = analyzeExecutable('app', syntheticElf(inlineBuildInfo('go1.21.4', WRAPPED_MOD_INFO), false));
    assert.deepEqual(summary(findings), EXPECTED_GO_PACKAGES);
  });
  it('reads the pre-1.18 pointer format through the program headers', () => {
    const info = readGoBuildInfo(syntheticElf(pointerBuildInfo('go1.16.15', WRAPPED_MOD_INFO)));
    assert.equal(info?.goVersion, 'go1.16.15');
    assert.equal(info?.modInfo, MOD_INFO);
    assert.deepEqual(summary(analyzeExecutable('bin/old', syntheticElf(pointerBuildInfo('go1.16.15', WRAPPED_MOD_INFO))))[0], 'stdlib@1.16.15');
  });
  it('reports only the toolchain when the module info has no sentinels (GOPATH builds)', () => {
    const findings = analyzeExecutable('bin/tool', syntheticElf(inlineBuildInfo('go1.19.8', Buffer.from(MOD_INFO))));
    assert.deepEqual(summary(findings), ['stdlib@1.19.8']);
  });
  const skopeo = '/usr/bin/skopeo';
  it('reads the build info of a real Go binary (Debian skopeo)', { skip: existsSync(skopeo) ? false : `${skopeo} is not installed` }, () => {
    const binary = readFileSync(skopeo);
    const findings = quickly(2000, () => analyzeFile(layerFile('usr/bin/skopeo', statSync(skopeo).size, 0o755), binary));
    const stdlib = only(findings, 'stdlib');
    assert.match(stdlib.version, /^\d+\.\d+\.\d+/);
    assert.match(readGoBuildInfo(binary)?.modInfo ?? '', /^path\tgithub\.com\/containers\/skopeo/m);
  });
  const MODULES: [string, string[]][] = [
    ['mod\tex.com/app\t(devel)\t\ndep\ta.com/x\tv1.0.0\th1:x', ['a.com/x@v1.0.0']],
    ['dep\ta.com/x\tv1.0.0\n=>\tb.com/x\tv1.1.0\th1:y', ['b.com/x@v1.1.0']],
    ['dep\ta.com/x\tv1.0.0\n=>\t./vendor/x\t', []],
    ['=>\tb.com/x\tv1.1.0', []],
    ['dep\ta.com/x', []],
    ['garbage\nmore garbage\t\t\t', []],
  ];
  for (const [modInfo, expected] of MODULES) {
    it(`parses module info ${JSON.stringify(modInfo)}`, () => {
      assert.deepEqual(parseModInfo(modInfo).map((module) => `${module.path}@${module.version}`), expected);
    });
  }
  const VERSIONS: [string, string | undefined][] = [
    ['go1.19.8', '1.19.8'],
    ['go1.20', '1.20.0'],
    ['go1.21rc2', '1.21.0-rc.2'],
    ['go1.9beta1', '1.9.0-beta.1'],
    ['go1.21.0 X:boringcrypto', '1.21.0'],
    ['devel go1.22-6d8e3f2 Mon Aug 1 2023', undefined],
    ['go', undefined],
  ];
  for (const [goVersion, expected] of VERSIONS) {
    it(`takes ${goVersion} as stdlib ${expected ?? '(none)'}`, () => assert.equal(goStdlibVersion(goVersion), expected));
  }
  const HOSTILE: [string, () => Buffer][] = [
    ['not ELF', () => Buffer.alloc(MIN_BINARY_BYTES, 0x90)],
    ['ELF magic then garbage', () => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), Buffer.alloc(5000, 0xff)])],
    ['a truncated ELF', () => syntheticElf(inlineBuildInfo('go1.21.4', WRAPPED_MOD_INFO)).subarray(0, 200)],
    ['a string length past the file', () => {
      const elf = syntheticElf(inlineBuildInfo('go1.21.4', WRAPPED_MOD_INFO));
      elf.set([0xff, 0xff, 0xff, 0xff, 0x0f], PAYLOAD_OFFSET + 32);
      return elf;
    }],
    ['pointers into nowhere', () => {
      const elf = syntheticElf(pointerBuildInfo('go1.16.15', WRAPPED_MOD_INFO));
      elf.writeBigUInt64LE(0xffffffffffn, PAYLOAD_OFFSET + 16);
      return elf;
    }],
    ['magic everywhere, misaligned', () => {
      const noise = Buffer.alloc(200_000);
      for (let at = 1; at + 14 < noise.length; at += 17) GO_BUILDINFO_MAGIC.copy(noise, at);
      return syntheticElf(noise, false);
    }],
  ];
  for (const [label, make] of HOSTILE) {
    it(`finds nothing in ${label}`, () => {
      assert.deepEqual(quickly(1000, () => analyzeExecutable('usr/bin/x', make())).packages, []);
    });
  }
});

function jar(files: Record<string, string | Buffer>, storeNested = true): Buffer {
  const zippable: Zippable = {};
  for (const [name, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? strToU8(content) : new Uint8Array(content);
    // Spring Boot stores nested jars uncompressed; WARs usually deflate them.
    zippable[name] = /\.jar$/.test(name) && storeNested ? [bytes, { level: 0 }] : bytes;
  }
  return Buffer.from(zipSync(zippable));
}

function pomProperties(group: string, artifact: string, version: string): Record<string, string> {
  return {
    [`META-INF/maven/${group}/${artifact}/pom.properties`]: `#Created by Apache Maven 3.8.6\nversion=${version}\ngroupId=${group}\nartifactId=${artifact}\n`,
    [`META-INF/maven/${group}/${artifact}/pom.xml`]: '<project/>',
  };
}

interface RawEntry {
  name: string;
  data: Buffer;
  method: 0 | 8;
  /** What the archive claims the inflated size is. */
  declaredSize: number;
}

/** A ZIP written field by field, so tests can make it lie. */
function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A raw deflate stream of `mebibytes` MiB of zeros, ~1 KiB per MiB, built without inflating it. */
function zerosBomb(mebibytes: number): Buffer {
  const chunk = deflateRawSync(Buffer.alloc(1024 * 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return Buffer.concat([...Array<Buffer>(mebibytes).fill(chunk), Buffer.from([0x03, 0x00])]);
}

describe('java archives', () => {
  const LOG4J = pomProperties('org.apache.logging.log4j', 'log4j-core', '2.14.1');
  it('reads pom.properties as a Maven package', () => {
    const findings = analyze('app/lib/log4j-core-2.14.1.jar', jar({ 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n', ...LOG4J, 'org/apache/A.class': Buffer.alloc(100) }));
    assert.deepEqual(summary(findings), ['org.apache.logging.log4j:log4j-core@2.14.1']);
    const pkg = findings.packages[0]!;
    assert.equal(pkg.purl, 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1');
    assert.equal(pkg.ecosystem, 'Maven');
    assert.equal(pkg.path, 'app/lib/log4j-core-2.14.1.jar');
  });
  it('reads every pom.properties of a shaded jar', () => {
    const shaded = jar({ ...pomProperties('com.acme', 'tool', '1.0.0'), ...pomProperties('com.google.guava', 'guava', '31.1-jre') });
    assert.deepEqual(summary(analyze('tool.jar', shaded)).sort(), ['com.acme:tool@1.0.0', 'com.google.guava:guava@31.1-jre']);
  });
  it('opens nested jars in a WAR (deflated) and a Spring Boot jar (stored), naming the inner path', () => {
    const inner = jar({ ...LOG4J });
    const war = jar({ 'WEB-INF/web.xml': '<web-app/>', 'WEB-INF/lib/log4j-core-2.14.1.jar': inner, ...pomProperties('com.acme', 'shop', '3.2.0') }, false);
    const warFindings = analyze('usr/local/tomcat/webapps/shop.war', war);
    assert.deepEqual(summary(warFindings), ['com.acme:shop@3.2.0', 'org.apache.logging.log4j:log4j-core@2.14.1']);
    assert.equal(only(warFindings, 'org.apache.logging.log4j:log4j-core').path, 'usr/local/tomcat/webapps/shop.war!/WEB-INF/lib/log4j-core-2.14.1.jar');
    const boot = jar({ 'BOOT-INF/lib/log4j-core-2.14.1.jar': inner, 'BOOT-INF/classes/App.class': Buffer.alloc(10) });
    assert.deepEqual(summary(analyze('app.jar', boot)), ['org.apache.logging.log4j:log4j-core@2.14.1']);
  });
  it('reads a jar with a launch script prepended', () => {
    const script = Buffer.from('#!/bin/bash\nexec java -jar "$0" "$@"\n'.repeat(20));
    assert.deepEqual(summary(analyze('app.jar', Buffer.concat([script, jar({ ...LOG4J })]))), ['org.apache.logging.log4j:log4j-core@2.14.1']);
  });
  it('stops nesting at depth three', () => {
    let archive = jar({ ...pomProperties('g', 'a5', '5') });
    for (let level = 4; level >= 0; level--) archive = jar({ ...pomProperties('g', `a${level}`, `${level}`), [`lib/level${level + 1}.jar`]: archive });
    assert.deepEqual(summary(analyze('deep.jar', archive)), ['g:a0@0', 'g:a1@1', 'g:a2@2', 'g:a3@3']);
  });
  const MANIFESTS: [string, string, string[]][] = [
    [
      'Implementation-Title/Version with a vendor id, wrapped at 72 bytes',
      'Manifest-Version: 1.0\r\nImplementation-Title: commons-very-long-artifact-name-that-goes-past-the-seven\r\n ty-two-byte-limit\r\nImplementation-Version: 1.2\r\nImplementation-Vendor-Id: org.apache.commons\r\n\r\nName: org/apache/\r\nImplementation-Version: 9.9\r\n',
      ['org.apache.commons:commons-very-long-artifact-name-that-goes-past-the-seventy-two-byte-limit@1.2'],
    ],
    ['an OSGi bundle', 'Manifest-Version: 1.0\nBundle-SymbolicName: org.eclipse.jetty.util;singleton:=true\nBundle-Version: 9.4.51.v20230217\n', ['org.eclipse.jetty.util@9.4.51.v20230217']],
    ['no version in the main section', 'Manifest-Version: 1.0\nImplementation-Title: x\n\nName: a/\nImplementation-Version: 1\n', []],
  ];
  for (const [label, manifest, expected] of MANIFESTS) {
    it(`falls back to MANIFEST.MF: ${label}`, () => {
      assert.deepEqual(summary(analyze('lib/x.jar', jar({ 'META-INF/MANIFEST.MF': manifest }))), expected);
    });
  }
  it('prefers pom.properties over the manifest', () => {
    const both = jar({ 'META-INF/MANIFEST.MF': 'Implementation-Title: log4j\nImplementation-Version: 2\n', ...LOG4J });
    assert.deepEqual(summary(analyze('x.jar', both)), ['org.apache.logging.log4j:log4j-core@2.14.1']);
  });
  it('lists entries of a jar written by another implementation', () => {
    const entries = listZipEntries(jar({ 'a.txt': 'x', 'dir/b.jar': jar({ 'c.txt': 'y' }) }));
    assert.deepEqual(entries?.map((entry) => [entry.name, entry.method]), [['a.txt', 8], ['dir/b.jar', 0]]);
  });
  it('survives zip bombs quickly, keeping what it found before them', () => {
    const bomb = zerosBomb(150);
    const legit = Buffer.from('groupId=org.legit\nartifactId=real\nversion=1.0\n');
    const archive = rawZip([
      { name: 'META-INF/maven/org.legit/real/pom.properties', data: legit, method: 0, declaredSize: legit.length },
      { name: 'META-INF/maven/evil/bomb/pom.properties', data: bomb, method: 8, declaredSize: 100 },
      ...Array.from({ length: 20 }, (_, i): RawEntry => ({ name: `lib/bomb${i}.jar`, data: bomb, method: 8, declaredSize: 1000 })),
    ]);
    assert.deepEqual(summary(quickly(6000, () => analyze('bomb.jar', archive))), ['org.legit:real@1.0']);
    const onlyBombs = rawZip([{ name: 'WEB-INF/lib/x.jar', data: bomb, method: 8, declaredSize: 10 }]);
    assert.deepEqual(quickly(6000, () => analyze('bomb.war', onlyBombs)).packages, []);
  });
  const HOSTILE: [string, () => Buffer][] = [
    ['garbage', () => Buffer.from('PK\x03\x04 this is not really a zip'.repeat(100))],
    ['a truncated jar', () => jar({ ...LOG4J, 'big.bin': Buffer.alloc(4000, 7) }).subarray(0, 600)],
    ['an end record claiming 65535 entries', () => {
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(0xffff, 8);
      end.writeUInt16LE(0xffff, 10);
      end.writeUInt32LE(0x7fffffff, 12);
      end.writeUInt32LE(0, 16);
      return end;
    }],
    ['a zip64 locator pointing nowhere', () => {
      const tail = Buffer.alloc(42);
      tail.writeUInt32LE(0x07064b50, 0);
      tail.writeBigUInt64LE(0xffffffffffn, 8);
      tail.writeUInt32LE(0x06054b50, 20);
      tail.writeUInt32LE(0xffffffff, 32);
      tail.writeUInt32LE(0xffffffff, 36);
      return tail;
    }],
    ['local headers past the end', () => {
      const archive = rawZip([{ name: 'META-INF/maven/g/a/pom.properties', data: Buffer.from('x'), method: 0, declaredSize: 1 }]);
      archive.writeUInt32LE(0x7ffffff0, archive.length - 22 - 46 - 34 + 42); // central entry's local offset
      return archive;
    }],
    ['an unknown compression method', () => rawZip([{ name: 'META-INF/maven/g/a/pom.properties', data: Buffer.from('x'), method: 12 as 8, declaredSize: 1 }])],
  ];
  for (const [label, make] of HOSTILE) {
    it(`finds nothing in ${label}`, () => {
      assert.deepEqual(quickly(1000, () => analyze('x.jar', make())).packages, []);
    });
  }
});

describe('Cargo.lock', () => {
  const LOCK = `# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 3

[[package]]
name = "aho-corasick"
version = "1.1.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "b2969dcb958b36655471fc61f7e416fa76033bdd4bfed0678d8fee1e2d07a1f0"
dependencies = [
 "memchr",
]

[[package]]
name = "myapp"
version = "0.1.0"
dependencies = [
 "aho-corasick",
 "tokio",
]

[[package]]
name = "tokio"
version = "1.35.1"
source = "git+https://github.com/tokio-rs/tokio?branch=master#0123abc"

[metadata]
"checksum memchr 2.7.1 (registry+https://github.com/rust-lang/crates.io-index)" = "523dc4f511e55ab87b694dc30d0f820d60906ef06413f93d4d7a1385599cc149"
`;
  it('reads published crates and skips workspace members', () => {
    const findings = analyze('src/app/Cargo.lock', LOCK);
    assert.deepEqual(summary(findings), ['aho-corasick@1.1.2', 'tokio@1.35.1']);
    assert.equal(findings.packages[0]!.purl, 'pkg:cargo/aho-corasick@1.1.2');
    assert.equal(findings.packages[0]!.ecosystem, 'crates.io');
  });
  it('finds nothing in garbage', () => {
    assert.deepEqual(analyze('Cargo.lock', '[[package]\nname = "x\nversion = 1\n').packages, []);
  });
});

describe('Ruby', () => {
  const GEMFILE_LOCK = `GIT
  remote: https://github.com/rails/rails.git
  revision: 0123456789abcdef
  branch: main
  specs:
    actionpack (7.1.0.alpha)
      rack (>= 2.2.4)

PATH
  remote: .
  specs:
    myapp (0.1.0)
      rack

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    racc (1.7.1)
    rack (3.0.8)
    rails-html-sanitizer (1.6.0)
      loofah (~> 2.21)
      nokogiri (~> 1.14)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  myapp!
  rack (~> 3.0)

BUNDLED WITH
   2.4.19
`;
  it('reads the specs of GEM and GIT sections, without platforms, dependencies or PATH gems', () => {
    const findings = analyze('app/Gemfile.lock', GEMFILE_LOCK);
    assert.deepEqual(summary(findings), ['actionpack@7.1.0.alpha', 'nokogiri@1.15.4', 'racc@1.7.1', 'rack@3.0.8', 'rails-html-sanitizer@1.6.0']);
    assert.equal(only(findings, 'nokogiri').purl, 'pkg:gem/nokogiri@1.15.4');
    assert.equal(only(findings, 'rack').ecosystem, 'RubyGems');
  });
  const GEMSPEC = `# -*- encoding: utf-8 -*-
# stub: rack 3.0.8 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "3.0.8"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/rack/rack/issues" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Leah Neukirchen".freeze]
  s.licenses = ["MIT".freeze]
  s.summary = "A modular Ruby webserver interface".freeze
  system("rm -rf /")

  s.installed_by_version = "3.4.10" if s.respond_to? :installed_by_version
end
`;
  it('reads an installed gemspec as text', () => {
    const findings = analyze('usr/local/bundle/specifications/rack-3.0.8.gemspec', GEMSPEC);
    assert.deepEqual(summary(findings), ['rack@3.0.8']);
    assert.deepEqual(findings.packages[0]!.licenses, ['MIT']);
  });
  it('reads a default gemspec with Gem::Version and single quotes', () => {
    const spec = "Gem::Specification.new do |spec|\n  spec.name = 'json'\n  spec.version = Gem::Version.new('2.6.1')\nend\n";
    assert.deepEqual(summary(analyze('usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec', spec)), ['json@2.6.1']);
  });
  it('is not slowed down by pathological whitespace', () => {
    const text = '\n'.repeat(200_000) + ' '.repeat(200_000);
    assert.deepEqual(quickly(1000, () => analyze('specifications/x.gemspec', text)).packages, []);
  });
});

describe('composer.lock', () => {
  const LOCK = JSON.stringify({
    _readme: ['This file locks the dependencies of your project to a known state'],
    'content-hash': 'e1c8a1d3b4f5',
    packages: [
      { name: 'guzzlehttp/guzzle', version: '7.8.0', type: 'library', license: ['MIT'] },
      { name: 'symfony/http-foundation', version: 'v6.3.5', license: ['MIT'] },
      { name: 'broken/entry' },
      'not an object',
    ],
    'packages-dev': [{ name: 'phpunit/phpunit', version: '10.4.1', license: ['BSD-3-Clause'] }],
  });
  it('reads packages and packages-dev', () => {
    const findings = analyze('var/www/html/composer.lock', LOCK);
    assert.deepEqual(summary(findings), ['guzzlehttp/guzzle@7.8.0', 'symfony/http-foundation@v6.3.5', 'phpunit/phpunit@10.4.1']);
    const guzzle = only(findings, 'guzzlehttp/guzzle');
    assert.equal(guzzle.purl, 'pkg:composer/guzzlehttp/guzzle@7.8.0');
    assert.equal(guzzle.ecosystem, 'Packagist');
    assert.deepEqual(guzzle.licenses, ['MIT']);
  });
  it('finds nothing in garbage', () => {
    assert.deepEqual(analyze('composer.lock', '{"packages": {"a": 1}}').packages, []);
  });
});

describe('buildInventory', () => {
  const osRelease = (text: string): FileFindings => analyze('etc/os-release', text);
  const dpkg = analyze('var/lib/dpkg/status', DPKG_STATUS);
  const CASES: [label: string, files: [string, FileFindings][], ecosystem: string, purl: string][] = [
    ['Debian', [['etc/os-release', osRelease('ID=debian\nVERSION_ID="12"\n')]], 'Debian', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=debian-12'],
    ['Ubuntu', [['etc/os-release', osRelease('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n')]], 'Ubuntu', 'pkg:deb/ubuntu/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=ubuntu-22.04'],
    ['Debian testing (no VERSION_ID)', [['etc/os-release', osRelease('ID=debian\nVERSION_CODENAME=trixie\n')]], 'Debian', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=debian-trixie'],
    ['no os-release', [], 'Debian', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64'],
    [
      'etc/os-release over usr/lib/os-release',
      [
        ['usr/lib/os-release', analyze('usr/lib/os-release', 'ID=debian\nVERSION_ID=12\n')],
        ['etc/os-release', osRelease('ID=ubuntu\nVERSION_ID=24.04\n')],
      ],
      'Ubuntu',
      'pkg:deb/ubuntu/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=ubuntu-24.04',
    ],
    ['usr/lib/os-release alone', [['usr/lib/os-release', analyze('usr/lib/os-release', 'ID=ubuntu\nVERSION_ID=20.04\n')]], 'Ubuntu', 'pkg:deb/ubuntu/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=ubuntu-20.04'],
    ['an unknown distribution', [['etc/os-release', osRelease('ID=pengwin\n')]], 'pengwin', 'pkg:deb/pengwin/libc6@2.36-9%2Bdeb12u3?arch=amd64&distro=pengwin'],
  ];
  for (const [label, osFiles, ecosystem, purl] of CASES) {
    it(`re-targets dpkg packages for ${label}`, () => {
      const inventory = buildInventory(new Map([...osFiles, ['var/lib/dpkg/status', dpkg]]));
      const libc = inventory.packages.find((pkg) => pkg.name === 'libc6');
      assert.equal(libc?.ecosystem, ecosystem);
      assert.equal(libc?.purl, purl);
      assert.equal(inventory.packages.length, 3);
    });
  }
  const RPM_CASES: [string, string, string][] = [
    ['ID="rhel"\nVERSION_ID="9.3"\n', 'Red Hat', 'pkg:rpm/redhat/bash@5.1.8-6.el9_1?arch=x86_64&distro=rhel-9.3&epoch=1'],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n', 'Rocky Linux', 'pkg:rpm/rocky/bash@5.1.8-6.el9_1?arch=x86_64&distro=rocky-9.3&epoch=1'],
    ['ID="almalinux"\nVERSION_ID="8.9"\n', 'AlmaLinux', 'pkg:rpm/almalinux/bash@5.1.8-6.el9_1?arch=x86_64&distro=almalinux-8.9&epoch=1'],
    ['ID=fedora\nVERSION_ID=39\n', 'fedora', 'pkg:rpm/fedora/bash@5.1.8-6.el9_1?arch=x86_64&distro=fedora-39&epoch=1'],
  ];
  for (const [text, ecosystem, purl] of RPM_CASES) {
    it(`re-targets rpm packages for ${text.split('\n')[0]}`, () => {
      const rpm = analyze('var/lib/rpm/Packages.db', ndbDatabase([BASH_HEADER]));
      const [bash] = buildInventory(new Map([['etc/os-release', osRelease(text)], ['var/lib/rpm/Packages.db', rpm]])).packages;
      assert.equal(bash?.ecosystem, ecosystem);
      assert.equal(bash?.purl, purl);
      assert.equal(bash?.version, '1:5.1.8-6.el9_1');
      assert.equal(bash?.sourceName, 'bash');
    });
  }
  it('re-targets apk packages at the Alpine release', () => {
    const inventory = buildInventory(new Map([
      ['etc/os-release', osRelease('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\n')],
      ['lib/apk/db/installed', analyze('lib/apk/db/installed', APK_INSTALLED)],
    ]));
    assert.deepEqual(inventory.os, { id: 'alpine', idLike: [], versionId: '3.18.4' });
    assert.equal(inventory.packages[0]?.purl, 'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.18.4');
    assert.ok(inventory.packages.every((pkg) => pkg.ecosystem === 'Alpine'));
  });
  it('leaves language packages alone and de-duplicates same ecosystem, name, version and path', () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: { 'node_modules/ms': { version: '2.1.3' }, 'node_modules/send/node_modules/ms': { version: '2.1.3' }, 'node_modules/debug/node_modules/ms': { version: '2.0.0' } },
    });
    const manifest = JSON.stringify({ name: 'ms', version: '2.1.3' });
    const inventory = buildInventory(new Map([
      ['etc/os-release', osRelease('ID=ubuntu\nVERSION_ID=22.04\n')],
      ['app/package-lock.json', analyze('app/package-lock.json', lock)],
      ['app/node_modules/ms/package.json', analyze('app/node_modules/ms/package.json', manifest)],
    ]));
    assert.deepEqual(inventory.packages.map((pkg) => `${pkg.name}@${pkg.version} ${pkg.path} ${pkg.ecosystem}`), [
      'ms@2.1.3 app/package-lock.json npm',
      'ms@2.0.0 app/package-lock.json npm',
      'ms@2.1.3 app/node_modules/ms/package.json npm',
    ]);
  });
  it('is empty for no files', () => {
    assert.deepEqual(buildInventory(new Map()), { packages: [] });
  });
});

describe('analyzeFile on hostile bytes', () => {
  /** Deterministic noise (xorshift), so a failure reproduces. */
  function noise(length: number, seed: number): Buffer {
    const bytes = Buffer.alloc(length);
    let state = seed;
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[i] = state & 0xff;
    }
    return bytes;
  }
  const PATHS = [
    'etc/os-release',
    'var/lib/dpkg/status',
    'var/lib/dpkg/status.d/x',
    'lib/apk/db/installed',
    'var/lib/rpm/rpmdb.sqlite',
    'var/lib/rpm/Packages.db',
    'var/lib/rpm/Packages',
    'app/package-lock.json',
    'node_modules/x/package.json',
    'x-1.dist-info/METADATA',
    'usr/local/bin/app',
    'app.jar',
    'Cargo.lock',
    'Gemfile.lock',
    'specifications/x.gemspec',
    'composer.lock',
  ];
  const PREFIXES: [string, Buffer][] = [
    ['noise', Buffer.alloc(0)],
    ['ELF + noise', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])],
    ['zip + noise', Buffer.from('PK\x03\x04', 'latin1')],
    ['sqlite + noise', Buffer.from('SQLite format 3\0', 'latin1')],
    ['ndb + noise', Buffer.from('RpmP\0\0\0\0\0\0\0\0\x01\0\0\0', 'latin1')],
  ];
  for (const path of PATHS) {
    it(`yields no package from noise at ${path}`, () => {
      for (const [label, prefix] of PREFIXES) {
        for (const seed of [1, 2, 3]) {
          const bytes = Buffer.concat([prefix, noise(64 * 1024, seed * 7919)]);
          const findings = quickly(1000, () => analyzeFile(layerFile(path, MIN_BINARY_BYTES, 0o755), bytes));
          assert.deepEqual(findings.packages, [], `${label}, seed ${seed}`);
        }
      }
    });
  }
});
